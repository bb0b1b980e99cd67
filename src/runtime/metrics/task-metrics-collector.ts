import type { SourceReaderMetrics } from '../../core/source.ts';
import type { OperatorMetrics, TaskMetrics } from '../../core/task-metrics.ts';
import type { JobVertex } from '../../graph/job-graph.ts';
import { HeapKeyedStateBackend } from '../../state/heap-keyed-state-backend.ts';
import type { KeyedStateBackend } from '../../state/keyed-state-backend.ts';
import type { InputChannel } from '../network/channel.ts';
import type { RecordWriter } from '../network/record-writer.ts';
import type { StreamOperator } from '../operators/stream-operator.ts';
import type { ChannelWatermarks } from './channel-watermarks.ts';
import type { MetricRegistry } from './metric-registry.ts';
import { TaskRateMeter, type TaskTotals } from './task-rate-meter.ts';
import { snapshotUserMetrics } from './user-metric-snapshot.ts';
import { type WatermarkTrackingOutput, watermarkMetric } from './watermark-tracking-output.ts';

/** Optional methods of operators that know more about themselves (window operators, sinks). */
interface OperatorWithMetrics extends StreamOperator {
  lateRecordsDropped?(): number;
  pendingCommits?(): number;
}

/** What a task lends its collector: read when a snapshot is taken, never written. */
export interface TaskMetricsSources {
  vertex: JobVertex;
  /** The chain's operators, head first (the order of `vertex.operators`). */
  operators: readonly StreamOperator[];
  /** Each operator's output, by uid. */
  outputs: ReadonlyMap<string, WatermarkTrackingOutput>;
  /** The task's record writers, by edge id. */
  writers: ReadonlyMap<string, RecordWriter>;
  inputs: readonly { channel: InputChannel }[];
  /** Logical input of the head per input channel. */
  channelInput: ArrayLike<number>;
  channelWatermarks: ChannelWatermarks;
  /** The task's combined input watermark (its WatermarkValve's). */
  inputWatermark(): number;
  registry: MetricRegistry;
  keyedBackends(): Iterable<KeyedStateBackend | undefined>;
  /** The source reader's metrics, for source tasks. */
  readerMetrics?(): SourceReaderMetrics | undefined;
  /** Bytes of this subtask's state in its last completed checkpoint (0: none yet). */
  stateSize(): number;
}

/**
 * Completes a task's metrics snapshot (the counts the task keeps itself) with what is derived or
 * read on demand: bytes, rates, watermarks, late records, state, per-operator metrics and user
 * metrics. It runs when the metrics are read (once a second by the slots), never per record.
 */
export class TaskMetricsCollector {
  private readonly s: TaskMetricsSources;
  private readonly rates: TaskRateMeter;
  /** Per operator (chain order): the uid of the chained operator that feeds it; undefined for the head. */
  private readonly predecessor: Array<string | undefined>;
  /** Per operator: the writer of its main output's edge, if it has one. */
  private readonly mainWriter: Array<RecordWriter | undefined>;

  constructor(sources: TaskMetricsSources) {
    this.s = sources;
    this.rates = new TaskRateMeter(performance.now());
    const feeds = new Map<string, string>();
    for (const spec of sources.vertex.operators) {
      for (const out of spec.outputs) if (out.kind === 'chained') feeds.set(out.operator, spec.uid);
    }
    this.predecessor = sources.vertex.operators.map((spec) => feeds.get(spec.uid));
    this.mainWriter = sources.vertex.operators.map((spec) => {
      const edge = spec.outputs.find((o) => o.kind !== 'chained' && o.tag === null);
      return edge !== undefined && edge.kind !== 'chained' ? sources.writers.get(edge.edge) : undefined;
    });
  }

  /** `base` with the derived metrics added; `now` is performance.now(). */
  complete(base: TaskMetrics, now: number): TaskMetrics {
    const s = this.s;
    let bytesIn = 0;
    for (const input of s.inputs) bytesIn += input.channel.bytes ?? 0;
    let bytesOut = 0;
    for (const writer of s.writers.values()) bytesOut += writer.bytesWritten();
    const totals: TaskTotals = {
      recordsIn: base.recordsIn,
      recordsOut: base.recordsOut,
      bytesIn,
      bytesOut,
      busyMs: base.busyMs,
      idleMs: base.idleMs,
      backPressuredMs: base.backPressuredMs,
    };
    const rates = this.rates.rates(now, totals);

    const specs = s.vertex.operators;
    const hasInputs = s.inputs.length > 0;
    const inputWatermark = hasInputs ? s.inputWatermark() : Number.NEGATIVE_INFINITY;
    const user = snapshotUserMetrics(s.registry);
    const operators: OperatorMetrics[] = [];
    /** Output watermark per uid, for the input watermark of the operators they feed. */
    const emitted = new Map<string, number>();
    let lateRecordsDropped = 0;
    let anyWindow = false;
    let pendingCommits = 0;
    let anySink = false;
    let outputWatermark = Number.NEGATIVE_INFINITY;
    let outputWatermarkSet = false;
    for (let i = 0; i < specs.length; i++) {
      const spec = specs[i];
      const op = s.operators[i] as OperatorWithMetrics;
      const pred = this.predecessor[i];
      const opInput = pred === undefined ? inputWatermark : (emitted.get(pred) ?? Number.NEGATIVE_INFINITY);
      const output = s.outputs.get(spec.uid);
      // An operator with no output (a sink) emits nothing: as in Flink, its output watermark is its input's.
      const opOutput = spec.outputs.length === 0 ? opInput : (output?.watermark ?? Number.NEGATIVE_INFINITY);
      emitted.set(spec.uid, opOutput);
      const m: OperatorMetrics = {
        uid: spec.uid,
        name: spec.name,
        currentInputWatermark: pred === undefined && !hasInputs ? null : watermarkMetric(opInput),
        currentOutputWatermark: watermarkMetric(opOutput),
      };
      if (i === 0) m.recordsIn = base.recordsIn;
      const writer = this.mainWriter[i];
      if (writer !== undefined) {
        m.recordsOut = writer.records;
        // The task's output watermark: the lowest of those it sends downstream.
        if (!outputWatermarkSet || opOutput < outputWatermark) outputWatermark = opOutput;
        outputWatermarkSet = true;
      }
      if (typeof op.lateRecordsDropped === 'function') {
        m.lateRecordsDropped = op.lateRecordsDropped();
        lateRecordsDropped += m.lateRecordsDropped;
        anyWindow = true;
      }
      if (typeof op.pendingCommits === 'function') {
        pendingCommits += op.pendingCommits();
        anySink = true;
      }
      const metrics = user.get(spec.uid);
      if (metrics !== undefined) m.user = metrics;
      operators.push(m);
    }
    // A chain without edges (ending in sinks): its output watermark is its tail's.
    if (!outputWatermarkSet && specs.length > 0) {
      outputWatermark = emitted.get(specs[specs.length - 1].uid) ?? Number.NEGATIVE_INFINITY;
    }

    const result: TaskMetrics = {
      ...base,
      timestamp: Date.now(),
      bytesIn,
      bytesOut,
      ...rates,
      currentInputWatermark: hasInputs ? watermarkMetric(inputWatermark) : null,
      currentOutputWatermark: watermarkMetric(outputWatermark),
      inputChannelWatermarks: s.channelWatermarks.snapshot(s.channelInput),
      lateRecordsDropped: anyWindow ? lateRecordsDropped : 0,
      stateSize: s.stateSize(),
      stateEntries: this.stateEntries(),
      operators,
    };
    const lag = s.readerMetrics?.()?.consumerLag;
    if (lag !== undefined) result.consumerLag = lag;
    if (anySink) result.pendingCommits = pendingCommits;
    return result;
  }

  /** Keyed state entries of the chain: heap backends count them cheaply; null if any other holds state. */
  private stateEntries(): number | null {
    let n = 0;
    for (const backend of this.s.keyedBackends()) {
      if (backend === undefined) continue;
      if (!(backend instanceof HeapKeyedStateBackend)) return null;
      n += backend.size();
    }
    return n;
  }
}
