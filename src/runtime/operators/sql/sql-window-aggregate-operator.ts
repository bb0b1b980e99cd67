import type { ProcessWindowContext } from '../../../api/window-functions.ts';
import type { Collector } from '../../../core/collector.ts';
import type { Key } from '../../../core/key.ts';
import type { Row } from '../../../core/row.ts';
import {
  type OperatorConfigs,
  operatorConfig,
  type SqlWindowAggregateOperatorConfig,
} from '../../../graph/operator-spec.ts';
import type { TimeWindow } from '../../../time/windows/window.ts';
import type { WindowAssignerSpec } from '../../../time/windows/window-assigner-spec.ts';
import type { OperatorContext } from '../operator-context.ts';
import { SlicedWindowOperator } from '../sliced-window-operator.ts';
import { WindowOperator } from '../window-operator.ts';
import { createAggregates } from './sql-aggregates.ts';
import { loadUserAggregates } from './sql-user-aggregates.ts';

/** The aggregate and window function both SQL window operators run, from the operator's config. */
function windowFunctions(config: Partial<SqlWindowAggregateOperatorConfig>) {
  const aggs = createAggregates(
    config.aggs ?? [],
    config.inputTypes ?? [],
    config.resultTypes ?? [],
    config.insertOnly === true,
  );
  const keyCount = config.keyCount ?? 0;
  const output = config.output ?? [];
  const aggregate = {
    createAccumulator: () => aggs.create(),
    add: (row: Row, acc: unknown[]) => {
      if (row.kind === '-U' || row.kind === '-D') aggs.retract(acc, row.values);
      else aggs.add(acc, row.values);
      return acc;
    },
    getResult: (acc: unknown[]) => acc,
    merge: (a: unknown[], b: unknown[]) => {
      aggs.merge(a, b);
      return a;
    },
  };
  const windowFunction = {
    process(
      key: Key,
      context: ProcessWindowContext<TimeWindow>,
      elements: Iterable<unknown[]>,
      out: Collector<Row>,
    ) {
      const window = context.window();
      for (const acc of elements) {
        const results = aggs.results(acc);
        const values = new Array<unknown>(output.length);
        for (let i = 0; i < output.length; i++) {
          const o = output[i];
          if (o.kind === 'agg') values[i] = results[o.index];
          else if (o.kind === 'key')
            values[i] =
              keyCount === 1 ? (Array.isArray(key) ? null : key) : (key as unknown as unknown[])[o.index];
          else values[i] = o.prop === 'start' ? window.start : o.prop === 'end' ? window.end : window.end - 1;
        }
        out.collect({ kind: '+I', values });
      }
    },
  };
  return { aggregate, windowFunction };
}

/** The context of the inner window operator: its kind and config, and the SQL functions. */
function innerContext<K extends 'window' | 'sliced-window'>(
  ctx: OperatorContext,
  kind: K,
  config: OperatorConfigs[K],
): OperatorContext {
  const own = operatorConfig(ctx.spec, 'sql-window-aggregate');
  return Object.assign(Object.create(ctx) as OperatorContext, {
    spec: { ...ctx.spec, kind, config },
    functions: { ...ctx.functions, extra: windowFunctions(own) },
  });
}

/**
 * SQL's window aggregation (a GROUP BY over a window table function's window_start and window_end,
 * or a legacy `GROUP BY TUMBLE/HOP/SESSION(...)`): the window operator with the window assigner of
 * the plan, keyed by the other group keys, pre-aggregating each window's rows into the SQL
 * aggregates' accumulators (merged when sessions merge). When a window fires it emits one insert
 * row per key, laid out as the plan says: group keys, aggregate results and window properties
 * (start, end, and the rowtime `end - 1`) in any order.
 */
export class SqlWindowAggregateOperator extends WindowOperator<TimeWindow> {
  constructor(ctx: OperatorContext) {
    const config = operatorConfig(ctx.spec, 'sql-window-aggregate');
    super(
      innerContext(ctx, 'window', {
        contents: 'aggregate',
        assigner: config.assigner!,
        trigger: null,
        evictor: null,
        allowedLateness: 0,
        lateTag: null,
      }),
    );
    this.sqlAggs = config.aggs;
  }

  private readonly sqlAggs: unknown;

  override async open(): Promise<void> {
    await loadUserAggregates(this.sqlAggs);
    await super.open();
  }
}

/**
 * The same for tumbling and sliding windows (TUMBLE, HOP), aggregated by slices (docs/windows-slicing.md): each row
 * updates the accumulator of one slice, and a window's result is the merge of its slices when it
 * fires, instead of every row updating every window it falls in.
 */
export class SqlSlicedWindowAggregateOperator extends SlicedWindowOperator {
  constructor(ctx: OperatorContext) {
    const config = operatorConfig(ctx.spec, 'sql-window-aggregate');
    const spec = config.assigner as Extract<
      WindowAssignerSpec,
      {
        kind:
          | 'sliding-event-time'
          | 'sliding-processing-time'
          | 'tumbling-event-time'
          | 'tumbling-processing-time';
      }
    >;
    // A tumbling window is a sliding one whose slide is its size: one slice per window.
    const assigner =
      spec.kind === 'tumbling-event-time' || spec.kind === 'tumbling-processing-time'
        ? {
            kind:
              spec.kind === 'tumbling-event-time'
                ? ('sliding-event-time' as const)
                : ('sliding-processing-time' as const),
            size: spec.size,
            slide: spec.size,
            offset: spec.offset,
          }
        : spec;
    super(
      innerContext(ctx, 'sliced-window', {
        contents: 'aggregate',
        assigner,
        size: assigner.size,
        slide: assigner.slide,
        offset: assigner.offset,
        allowedLateness: 0,
        lateTag: null,
      }),
    );
    this.sqlAggs = config.aggs;
  }

  private readonly sqlAggs: unknown;

  override async open(): Promise<void> {
    await loadUserAggregates(this.sqlAggs);
    await super.open();
  }
}
