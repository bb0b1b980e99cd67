import { WeirError } from '../../../core/errors.ts';
import type { Row } from '../../../core/row.ts';
import { MAX_WATERMARK } from '../../../core/stream-element.ts';
import { operatorConfig } from '../../../graph/operator-spec.ts';
import type { WatermarkGenerator, WatermarkOutput } from '../../../time/watermark-generator.ts';
import { WatermarkStrategy } from '../../../time/watermark-strategy.ts';
import { AbstractStreamOperator } from '../abstract-stream-operator.ts';
import type { OperatorContext } from '../operator-context.ts';
import { WatermarkEmitter } from '../watermark-emitter.ts';
import { compileScalar } from './expression-compiler.ts';

/**
 * The watermark of a SQL table (`WATERMARK FOR rowtime AS expression`), as Flink's watermark
 * assigner computes it: each row's event time is its rowtime field, and the watermark is the
 * largest value of the expression over the rows seen, emitted every auto-watermark interval when it
 * has advanced. A row whose expression is NULL moves nothing; a NULL rowtime is an error, as in Flink.
 */
export class SqlWatermarkAssignerOperator extends AbstractStreamOperator {
  private readonly rowtime: number;
  private readonly watermarks: WatermarkEmitter;

  constructor(ctx: OperatorContext) {
    super(ctx);
    const config = operatorConfig(ctx.spec, 'sql-watermark-assigner');
    const rowtime = config.rowtime ?? 0;
    this.rowtime = rowtime;
    const expression = compileScalar(config.watermark!, { now: () => ctx.clock.now() });
    const generator = new ExpressionWatermarks(expression);
    let strategy = WatermarkStrategy.forGenerator<unknown>(() => generator);
    if (config.idleTimeout) strategy = strategy.withIdleness(config.idleTimeout);
    this.watermarks = new WatermarkEmitter(ctx, strategy, (time) => (this.currentWatermark = time));
  }

  override async open(): Promise<void> {
    await super.open();
    this.watermarks.start();
  }

  processElement(value: unknown): void {
    const row = value as Row;
    const ts = row.values[this.rowtime];
    if (typeof ts !== 'number') {
      throw new WeirError(
        'DESERIALIZATION_FAILED',
        `the rowtime field (column ${this.rowtime + 1}) of a row is ${ts === null ? 'NULL' : typeof ts}: event time must not be NULL (filter or COALESCE it before the WATERMARK)`,
      );
    }
    this.output.collect(row, ts);
    this.watermarks.onEvent(row, ts);
  }

  override processWatermark(time: number): void {
    if (time === MAX_WATERMARK) this.watermarks.emitWatermark(MAX_WATERMARK);
  }

  override processWatermarkStatus(): void {}

  override endInput(): void {
    this.watermarks.stop();
  }

  override async close(): Promise<void> {
    this.watermarks.stop();
    await super.close();
  }
}

/** Watermark = the largest value of the table's watermark expression so far. */
class ExpressionWatermarks implements WatermarkGenerator<unknown> {
  private max = Number.NEGATIVE_INFINITY;
  private emitted = Number.NEGATIVE_INFINITY;
  private readonly expression: (values: unknown[]) => unknown;

  constructor(expression: (values: unknown[]) => unknown) {
    this.expression = expression;
  }

  onEvent(event: unknown): void {
    const w = this.expression((event as Row).values);
    if (typeof w === 'number' && w > this.max) this.max = w;
  }

  onPeriodicEmit(output: WatermarkOutput): void {
    if (this.max > this.emitted) {
      this.emitted = this.max;
      output.emitWatermark(this.max);
    }
  }
}
