import { WeirError } from '../../core/errors.ts';
import { operatorConfig } from '../../graph/operator-spec.ts';
import type { ValueState } from '../../state/state.ts';
import { ValueStateDescriptor } from '../../state/state-descriptor.ts';
import { AbstractStreamOperator } from './abstract-stream-operator.ts';
import type { OperatorContext } from './operator-context.ts';

type Aggregation = 'sum' | 'min' | 'max' | 'minBy' | 'maxBy';

/**
 * Rolling field aggregations of a keyed stream, with Flink's semantics: `sum`, `min` and `max`
 * emit the key's first record with the aggregated field; `minBy` and `maxBy` emit the record that
 * holds the extreme value: a new record replaces the current one when its value is strictly more
 * extreme, and on a tie only when the `first` flag is false (Flink's ComparableAggregator).
 */
export class AggregationOperator extends AbstractStreamOperator {
  private readonly kind: Aggregation;
  private readonly field: string | null;
  /** minBy / maxBy: on ties keep the current record (true) or take the new one (false). */
  private readonly first: boolean;
  private readonly state: ValueState<unknown>;

  constructor(ctx: OperatorContext) {
    super(ctx);
    const config = operatorConfig(ctx.spec, 'aggregation');
    this.kind = config.aggregation as Aggregation;
    this.field = config.field ?? null;
    this.first = config.first !== false;
    this.state = ctx.keyedStateBackend!.getState(new ValueStateDescriptor<unknown>(`_${this.kind}`));
  }

  processElement(value: unknown, timestamp: number): void {
    const current = this.state.value();
    const v = this.read(value);
    let next: unknown;
    if (current === undefined) {
      next = value;
    } else {
      const c = this.read(current);
      switch (this.kind) {
        case 'sum':
          next = this.write(current, c + v);
          break;
        case 'min':
          next = v < c ? this.write(current, v) : current;
          break;
        case 'max':
          next = v > c ? this.write(current, v) : current;
          break;
        case 'minBy':
          next = v < c || (v === c && !this.first) ? value : current;
          break;
        case 'maxBy':
          next = v > c || (v === c && !this.first) ? value : current;
          break;
      }
    }
    this.state.update(next);
    this.output.collect(next, timestamp);
  }

  private read(record: unknown): number {
    const v = this.field === null ? record : (record as Record<string, unknown>)[this.field];
    if (typeof v !== 'number') {
      throw new WeirError(
        'USER_FUNCTION_FAILED',
        `${this.kind}(${this.field ?? ''}) expects a number${this.field ? ` in field "${this.field}"` : ''}, got ${typeof v}`,
      );
    }
    return v;
  }

  private write(record: unknown, v: number): unknown {
    if (this.field === null) return v;
    return { ...(record as object), [this.field]: v };
  }
}
