import { WeirError } from '../../core/errors.ts';
import type { LatencyMarker } from '../../core/stream-element.ts';
import type { RecordWriter } from '../network/record-writer.ts';
import type { Output } from '../operators/output.ts';
import type { StreamOperator } from '../operators/stream-operator.ts';
import { undefinedRecordError } from '../operators/undefined-record-error.ts';
import type { LatencyStats } from './latency-stats.ts';
import { OperatorFailure } from './operator-failure.ts';

/** One destination of an operator's output: the next operator of the chain, or an edge. */
export interface OutputTarget {
  pushRecord(value: unknown, timestamp: number): void;
  pushWatermark(time: number): void;
  pushWatermarkStatus(idle: boolean): void;
  /** Passes a latency marker on, around the operator: markers never reach operators or user functions. */
  pushLatencyMarker(marker: LatencyMarker): void;
}

/**
 * Calls the next operator of the chain directly. The try/catch attributes a failure to the operator
 * that threw (V8 optimizes it; it costs nothing until something throws).
 */
export class ChainingTarget implements OutputTarget {
  private readonly operator: StreamOperator;

  constructor(operator: StreamOperator) {
    this.operator = operator;
  }

  pushRecord(value: unknown, timestamp: number): void {
    try {
      this.operator.processElement(value, timestamp);
    } catch (error) {
      throw error instanceof OperatorFailure ? error : new OperatorFailure(this.operator, error, value, true);
    }
  }

  pushWatermark(time: number): void {
    try {
      this.operator.processWatermark(time);
    } catch (error) {
      throw error instanceof OperatorFailure ? error : new OperatorFailure(this.operator, error);
    }
  }

  pushWatermarkStatus(idle: boolean): void {
    this.operator.processWatermarkStatus?.(idle);
  }

  /** The operator's own output, set by the task: where a marker goes past the operator. */
  markerOutput: OperatorOutput | undefined;

  pushLatencyMarker(marker: LatencyMarker): void {
    this.markerOutput?.emitLatencyMarker(marker);
  }
}

/** Chaining into a keyed operator: sets the record's key first. */
export class KeyedChainingTarget implements OutputTarget {
  private readonly operator: StreamOperator;

  constructor(operator: StreamOperator) {
    this.operator = operator;
  }

  pushRecord(value: unknown, timestamp: number): void {
    try {
      this.operator.setKeyContext!(value);
    } catch (error) {
      throw new OperatorFailure(this.operator, keySelectorError(error), value, true);
    }
    try {
      this.operator.processElement(value, timestamp);
    } catch (error) {
      throw error instanceof OperatorFailure ? error : new OperatorFailure(this.operator, error, value, true);
    }
  }

  pushWatermark(time: number): void {
    try {
      this.operator.processWatermark(time);
    } catch (error) {
      throw error instanceof OperatorFailure ? error : new OperatorFailure(this.operator, error);
    }
  }

  pushWatermarkStatus(idle: boolean): void {
    this.operator.processWatermarkStatus?.(idle);
  }

  /** The operator's own output, set by the task: where a marker goes past the operator. */
  markerOutput: OperatorOutput | undefined;

  pushLatencyMarker(marker: LatencyMarker): void {
    this.markerOutput?.emitLatencyMarker(marker);
  }
}

/**
 * Feeds the second input of a two-input head operator (connect, joins, broadcast state); with
 * `keyed`, sets the record's key by the second input's selector first.
 */
export class SecondInputTarget implements OutputTarget {
  private readonly operator: StreamOperator;
  private readonly keyed: boolean;

  constructor(operator: StreamOperator, keyed: boolean) {
    if (!operator.processElement2) {
      throw new WeirError(
        'INVALID_GRAPH',
        `operator "${operator.name}" (uid ${operator.uid}) has no second input`,
      );
    }
    this.operator = operator;
    this.keyed = keyed;
  }

  pushRecord(value: unknown, timestamp: number): void {
    if (this.keyed) {
      try {
        this.operator.setKeyContext2!(value);
      } catch (error) {
        throw new OperatorFailure(this.operator, keySelectorError(error), value, true);
      }
    }
    try {
      this.operator.processElement2!(value, timestamp);
    } catch (error) {
      throw error instanceof OperatorFailure ? error : new OperatorFailure(this.operator, error, value, true);
    }
  }

  pushWatermark(time: number): void {
    try {
      this.operator.processWatermark(time);
    } catch (error) {
      throw error instanceof OperatorFailure ? error : new OperatorFailure(this.operator, error);
    }
  }

  pushWatermarkStatus(idle: boolean): void {
    this.operator.processWatermarkStatus?.(idle);
  }

  /** The operator's own output, set by the task: where a marker goes past the operator. */
  markerOutput: OperatorOutput | undefined;

  pushLatencyMarker(marker: LatencyMarker): void {
    this.markerOutput?.emitLatencyMarker(marker);
  }
}

/** Wraps an error of a keyBy selector, so that the message says where it came from. */
function keySelectorError(error: unknown): WeirError {
  const message = error instanceof Error ? error.message : String(error);
  return new WeirError('USER_FUNCTION_FAILED', `the key selector failed: ${message}`, { cause: error });
}

/**
 * Hands records to an edge's RecordWriter. Partitioning runs the edge's key selector, so a failure
 * there is attributed to the producing operator (set once it exists) and the record.
 */
export class WriterTarget implements OutputTarget {
  private readonly writer: RecordWriter;
  producer: StreamOperator | undefined;

  constructor(writer: RecordWriter) {
    this.writer = writer;
  }

  pushRecord(value: unknown, timestamp: number): void {
    try {
      this.writer.emit(value, timestamp);
    } catch (error) {
      if (error instanceof OperatorFailure || !this.producer) throw error;
      throw new OperatorFailure(this.producer, keySelectorError(error), value, true);
    }
  }

  pushWatermark(time: number): void {
    this.writer.broadcastControl({ kind: 'watermark', time });
  }

  pushWatermarkStatus(idle: boolean): void {
    this.writer.broadcastControl({ kind: 'idle', idle });
  }

  pushLatencyMarker(marker: LatencyMarker): void {
    this.writer.emitLatencyMarker(marker);
  }
}

/**
 * An operator's Output over its targets, with side outputs by tag. `undefined` is not a record: an
 * operator that emits it fails (see undefined-record-error.ts).
 */
export class OperatorOutput implements Output {
  private readonly main: OutputTarget[];
  private readonly single: OutputTarget | undefined;
  private readonly sides: Map<string, OutputTarget[]>;
  private readonly all: OutputTarget[];

  constructor(main: OutputTarget[], sides: Map<string, OutputTarget[]>) {
    this.main = main;
    this.single = main.length === 1 ? main[0] : undefined;
    this.sides = sides;
    this.all = [...main, ...[...sides.values()].flat()];
  }

  collect(value: unknown, timestamp: number): void {
    if (value === undefined) throw undefinedRecordError();
    if (this.single !== undefined) {
      this.single.pushRecord(value, timestamp);
      return;
    }
    const main = this.main;
    for (let i = 0; i < main.length; i++) main[i].pushRecord(value, timestamp);
  }

  collectSide(tag: string, value: unknown, timestamp: number): void {
    if (value === undefined) throw undefinedRecordError();
    const targets = this.sides.get(tag);
    if (targets === undefined) return;
    for (let i = 0; i < targets.length; i++) targets[i].pushRecord(value, timestamp);
  }

  emitWatermark(time: number): void {
    const all = this.all;
    for (let i = 0; i < all.length; i++) all[i].pushWatermark(time);
  }

  emitWatermarkStatus(idle: boolean): void {
    const all = this.all;
    for (let i = 0; i < all.length; i++) all[i].pushWatermarkStatus(idle);
  }

  /**
   * A latency marker goes to one target, round robin over main and side outputs (Flink picks one at
   * random), so that each marker exists once; an output with no targets is a sink's: it records it.
   */
  emitLatencyMarker(marker: LatencyMarker): void {
    const all = this.all;
    if (all.length === 0) {
      this.latency?.report(marker);
      return;
    }
    const i = this.nextMarkerTarget;
    this.nextMarkerTarget = i + 1 === all.length ? 0 : i + 1;
    all[i].pushLatencyMarker(marker);
  }
  private nextMarkerTarget = 0;
  /** The latency statistics of a sink (an operator whose output has no targets), set by the task. */
  latency: LatencyStats | undefined;

  /** True when nothing is downstream of this output: its operator is a sink. */
  isTerminal(): boolean {
    return this.all.length === 0;
  }

  /** Tells edge targets which operator feeds them, for error messages. */
  setProducer(operator: StreamOperator): void {
    for (const target of this.all) if (target instanceof WriterTarget) target.producer = operator;
  }
}
