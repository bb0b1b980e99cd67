import { type Row, sameValues } from '../../../core/row.ts';
import { operatorConfig } from '../../../graph/operator-spec.ts';
import type { ValueState } from '../../../state/state.ts';
import { AbstractStreamOperator } from '../abstract-stream-operator.ts';
import type { OperatorContext } from '../operator-context.ts';
import { sqlStateDescriptor } from './sql-state.ts';

/**
 * Flink's ChangelogNormalize: turns an upsert changelog (rows addressed by a primary key, without
 * `-U`: what an upsert-kafka source reads) into a complete one. Keyed by the primary key, it keeps
 * the last row of each key. An upsert (`+I` or `+U`) of a key that holds nothing emits `+I`; of a
 * key that holds a row, `-U` of that row and `+U` of the new one, or nothing when the new row
 * equals the old one and no state TTL is set (with a TTL the change is passed on, so that the
 * state of operators downstream is refreshed too). A delete (`-D`, or `-U`) emits `-D` of the row
 * held, which is complete where the delete may carry only the key (a Kafka tombstone), and forgets
 * it; a delete of a key that holds nothing emits nothing.
 *
 * @example
 * // keyed by [id]: +I[1, a], +I[1, b], -D[1, null]  →  +I[1, a], -U[1, a], +U[1, b], -D[1, b]
 * new OperatorHarness({ kind: 'sql-changelog-normalize', keySelector: KeySelectors.rowFields(0), config: {} });
 */
export class SqlChangelogNormalizeOperator extends AbstractStreamOperator {
  private readonly state: ValueState<unknown[]>;
  private readonly dropDuplicates: boolean;

  constructor(ctx: OperatorContext) {
    super(ctx);
    const config = operatorConfig(ctx.spec, 'sql-changelog-normalize');
    const ttl = config.stateTtl ?? 0;
    this.dropDuplicates = ttl <= 0;
    this.state = ctx.keyedStateBackend!.getState(
      sqlStateDescriptor<unknown[]>('sql-changelog-normalize', ttl),
    );
  }

  processElement(value: unknown, timestamp: number): void {
    const row = value as Row;
    const prev = this.state.value();
    if (row.kind === '+I' || row.kind === '+U') {
      if (prev === undefined) {
        this.output.collect({ kind: '+I', values: row.values }, timestamp);
      } else {
        if (this.dropDuplicates && sameValues(prev, row.values)) return;
        this.output.collect({ kind: '-U', values: prev }, timestamp);
        this.output.collect({ kind: '+U', values: row.values }, timestamp);
      }
      this.state.update(row.values);
      return;
    }
    if (prev === undefined) return;
    this.output.collect({ kind: '-D', values: prev }, timestamp);
    this.state.clear();
  }
}
