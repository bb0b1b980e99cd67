import type { DataStream } from '../api/data-stream.ts';
import { StreamExecutionEnvironment } from '../api/stream-execution-environment.ts';
import { WeirError } from '../core/errors.ts';
import type { Key } from '../core/key.ts';
import type { Transformation } from '../graph/transformation.ts';
import { OperatorHarness } from './operator-harness.ts';

export interface WindowHarnessOptions {
  /** Start of processing time (default 0). */
  processingTime?: number;
}

/**
 * Runs the window operator of a windowed pipeline alone, in virtual time: `build` gets a stream and
 * applies `keyBy(...).window(...)` (or `windowAll`), with any trigger, evictor, allowed lateness,
 * late-data tag and window function, exactly as a job would; the harness runs the operator that
 * pipeline configures (the general window operator, or the specialised one the API picks, such as
 * sliding windows by slices), so what is tested is what the API builds. Feed elements with their
 * timestamps, move the watermark and the processing-time clock, and read what was emitted.
 *
 * @example
 * ```ts
 * const h = await windowHarness((clicks: DataStream<Click>) =>
 *   clicks.keyBy((c) => c.user).window(TumblingEventTimeWindows.of(seconds(10))).aggregate(count),
 * );
 * h.processElement({ user: 'a' }, 1_000);
 * h.processWatermark(9_998); // nothing yet
 * h.processWatermark(9_999); // the window [0, 10 000) fires
 * h.extractOutputValues();   // [1]
 * ```
 */
export async function windowHarness<T, R>(
  build: (input: DataStream<T>) => DataStream<R>,
  options: WindowHarnessOptions = {},
): Promise<OperatorHarness<R>> {
  // A throwaway environment: the pipeline is only built, never executed.
  const env = new StreamExecutionEnvironment({ parallelism: 1 });
  const input = env.fromCollection<T>([]);
  const t = build(input).transformation;
  // 'window', or a specialised window operator the API picked (sliding windows by slices...).
  if (t.kind !== 'physical' || !/(^|-)window$/.test(t.operator)) {
    throw new WeirError(
      'INVALID_ARGUMENT',
      'windowHarness expects a pipeline that ends with a window operation: keyBy(...).window(...) ' +
        'or windowAll(...), then reduce, aggregate or process',
    );
  }
  const keySelector = keySelectorOf(t.inputs[0]?.[0]) ?? t.keySelector;
  if (keySelector === undefined) {
    throw new WeirError('INVALID_ARGUMENT', 'windowHarness: the window operation has no keyed input');
  }
  const h = new OperatorHarness<R>({
    kind: t.operator,
    name: t.name,
    keySelector: keySelector as (value: unknown) => Key,
    config: t.config,
    extra: t.extra,
    processingTime: options.processingTime,
  });
  await h.open();
  return h;
}

function keySelectorOf(t: Transformation | undefined): ((v: unknown) => unknown) | undefined {
  return t?.kind === 'partition' ? t.keySelector : undefined;
}
