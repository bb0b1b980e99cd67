import { WeirError } from '../../core/errors.ts';
import type { Row } from '../../core/row.ts';
import { registerTableSinkFactory, type TableConnectorContext } from '../../core/table-connectors.ts';
import { rowWriter } from '../../core/table-row-format.ts';
import { ExactlyOnceFileSink } from './exactly-once-file-sink.ts';
import { type FileTableOptions, fileOptions } from './file-table-connector.ts';

/**
 * The `filesystem` table connector's sink, as Flink's: `INSERT INTO` a filesystem table writes its
 * rows as CSV or JSON lines into part files under `path`, named `part-<uuid>-<subtask>-<n>` (the
 * uuid standing for the job's run). Exactly once with checkpoints (an {@link ExactlyOnceFileSink}):
 * a part file is written as a hidden in-progress file, which readers skip, and becomes visible when
 * the checkpoint after its rows completes; so every checkpoint rolls a new part file. Without
 * checkpointing, and at the end of a bounded input, everything written is committed.
 *
 * It takes appends only (a query whose result updates is refused at planning, as Flink refuses it).
 * Not supported, and refused when set: `PARTITIONED BY` (Flink's `k=v` partition directories) and the
 * rolling policy options (`sink.rolling-policy.file-size`, `rollover-interval`, `check-interval`,
 * `inactivity-interval`): Weir rolls part files on checkpoints only.
 *
 * @example
 * ```sql
 * CREATE TABLE archive (id BIGINT, name STRING) WITH ('connector' = 'filesystem', 'path' = 'out/archive', 'format' = 'csv');
 * INSERT INTO archive SELECT id, name FROM clicks;
 * ```
 */

const ROLLING = /^sink\.rolling-policy\./;

function sinkOptions(context: TableConnectorContext): FileTableOptions {
  const options = fileOptions(context);
  if (context.partitionKeys !== undefined && context.partitionKeys.length > 0) {
    throw new WeirError(
      'SQL_UNSUPPORTED',
      `table "${context.table}": Weir's filesystem sink does not write partitioned tables yet (PARTITIONED BY (${context.partitionKeys.join(', ')})): write into a table without PARTITIONED BY`,
    );
  }
  const rolling = Object.keys(context.options).filter((k) => ROLLING.test(k));
  if (rolling.length > 0) {
    throw new WeirError(
      'SQL_UNSUPPORTED',
      `table "${context.table}": '${rolling[0]}' is not supported: Weir's filesystem sink rolls a part file on every checkpoint (and at the end of the input), not by size or time`,
    );
  }
  return options;
}

registerTableSinkFactory({
  identifier: 'filesystem',
  changelogMode: 'insert-only',
  validate: sinkOptions,
  createSink(context) {
    const options = sinkOptions(context);
    const write = rowWriter(context.columns, options.format, options);
    const table = context.table;
    return new ExactlyOnceFileSink<Row>(options.path, {
      format: (row) => {
        if (row.kind !== '+I') {
          throw new WeirError(
            'SQL_UNSUPPORTED',
            `table "${table}": the filesystem sink takes inserts only, and got a ${row.kind} row`,
          );
        }
        return write(row.values);
      },
      extension: '',
      naming: 'flink',
    });
  },
});
