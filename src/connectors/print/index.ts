import { WeirError } from '../../core/errors.ts';
import type { Row } from '../../core/row.ts';
import type { SinkContext } from '../../core/sink.ts';
import { formatPrintRow } from '../../core/sql-value-format.ts';
import { registerTableSinkFactory } from '../../core/table-connectors.ts';

/**
 * The `print` table connector: each row on standard output (or standard error with
 * `'standard-error' = 'true'`), as Flink's print connector writes it: the row kind and the values,
 * `+I[1, alice]`, each value as Flink's Java classes print it (TIMESTAMP `2024-01-01T10:00`,
 * DATE `2024-01-01`, DECIMAL `1.50`, NULL `null`: core/sql-value-format.ts), after a prefix of
 * the `print-identifier` and, when the sink runs with a parallelism above 1, the subtask number:
 * `orders:2> +I[1, alice]`.
 */
registerTableSinkFactory({
  identifier: 'print',
  createSink(context) {
    for (const key of Object.keys(context.options)) {
      if (!['connector', 'print-identifier', 'standard-error', 'sink.parallelism'].includes(key)) {
        throw new WeirError(
          'INVALID_ARGUMENT',
          `table "${context.table}": the print connector has no option '${key}' (options: print-identifier, standard-error, sink.parallelism)`,
        );
      }
    }
    const identifier = context.options['print-identifier'];
    const stream = context.options['standard-error'] === 'true' ? process.stderr : process.stdout;
    const types = context.columns.map((c) => c.type);
    let prefix = '';
    return {
      open(sinkContext: SinkContext) {
        // Flink's prefix: the identifier, `:` and the subtask number when parallel, then `> `.
        prefix = identifier ?? '';
        if (sinkContext.parallelism > 1) prefix += `${prefix ? ':' : ''}${sinkContext.subtaskIndex + 1}`;
        if (prefix) prefix += '> ';
      },
      invoke(row: Row) {
        stream.write(`${prefix}${formatPrintRow(row, types)}\n`);
      },
    };
  },
});
