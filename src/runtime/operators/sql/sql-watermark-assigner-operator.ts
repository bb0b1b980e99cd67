import { WeirError } from '../../../core/errors.ts';
import type { Row } from '../../../core/row.ts';
import { MAX_WATERMARK } from '../../../core/stream-element.ts';
import { loadUserFunctions } from '../../../core/user-function.ts';
import { operatorConfig } from '../../../graph/operator-spec.ts';
import type { WatermarkGenerator, WatermarkOutput } from '../../../time/watermark-generator.ts';
import { WatermarkStrategy } from '../../../time/watermark-strategy.ts';
import { AbstractStreamOperator } from '../abstract-stream-operator.ts';
import type { OperatorContext } from '../operator-context.ts';
import { WatermarkEmitter } from '../watermark-emitter.ts';
import { compileProjection, compileScalar, type ExpressionContext } from './expression-compiler.ts';

/**
 * The watermark of a SQL table (`WATERMARK FOR rowtime AS expression`), as Flink's watermark
 * assigner computes it: each row's event time is its rowtime field, and the watermark is the
 * largest value of the expression over the rows seen, emitted every auto-watermark interval when it
 * has advanced. A row whose expression is NULL moves nothing; a NULL rowtime is an error, as in Flink.
 *
 * The planner fuses the Calcs around it into it: the table's computed columns (`pre`, the row the
 * watermark sees) and the query's first projection and filter (`post`, applied once the watermark
 * has seen the row), which saves an operator and a row per record on every SQL source.
 */
export class SqlWatermarkAssignerOperator extends AbstractStreamOperator {
  private readonly rowtime: number;
  private readonly watermarks: WatermarkEmitter;
  private readonly generator: ExpressionWatermarks;
  private pre: ((values: unknown[]) => unknown[] | null) | null = null;
  private post: ((values: unknown[]) => unknown[] | null) | null = null;
  private compiled = false;

  constructor(ctx: OperatorContext) {
    super(ctx);
    const config = operatorConfig(ctx.spec, 'sql-watermark-assigner');
    this.rowtime = config.rowtime ?? 0;
    this.generator = new ExpressionWatermarks();
    let strategy = WatermarkStrategy.forGenerator<unknown>(() => this.generator);
    if (config.idleTimeout) strategy = strategy.withIdleness(config.idleTimeout);
    this.watermarks = new WatermarkEmitter(ctx, strategy, (time) => (this.currentWatermark = time));
    if (Object.keys(config.functions ?? {}).length === 0) this.compile(new Map());
  }

  private compile(functions: Map<string, (...args: unknown[]) => unknown>): void {
    const config = operatorConfig(this.ctx.spec, 'sql-watermark-assigner');
    const expressions: ExpressionContext = {
      now: () => this.ctx.clock.now(),
      userFunction: (name) => functions.get(name),
    };
    this.generator.expression = compileScalar(config.watermark!, expressions);
    this.pre = config.pre ? compileProjection(config.pre, null, expressions) : null;
    this.post = config.post ? compileProjection(config.post.exprs, config.post.condition, expressions) : null;
    this.compiled = true;
  }

  override async open(): Promise<void> {
    await super.open();
    if (!this.compiled) {
      const functions = await loadUserFunctions(
        operatorConfig(this.ctx.spec, 'sql-watermark-assigner').functions ?? {},
      );
      this.compile(functions);
    }
    this.watermarks.start();
  }

  processElement(value: unknown): void {
    const row = value as Row;
    const values = this.pre === null ? row.values : (this.pre(row.values) as unknown[]);
    const ts = values[this.rowtime];
    if (typeof ts !== 'number') {
      throw new WeirError(
        'DESERIALIZATION_FAILED',
        `the rowtime field (column ${this.rowtime + 1}) of a row is ${ts === null ? 'NULL' : typeof ts}: event time must not be NULL (filter or COALESCE it before the WATERMARK)`,
      );
    }
    // The record first, then the watermark it may cause (Flink's order): never behind its own.
    this.watermarks.onEvent(values, ts);
    if (this.post === null) {
      this.output.collect(values === row.values ? row : { kind: row.kind, values }, ts);
    } else {
      const out = this.post(values);
      if (out !== null) this.output.collect({ kind: row.kind, values: out }, ts);
    }
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
  expression: (values: unknown[]) => unknown = () => null;

  /** The event is a row's values: the watermark expression over them. */
  onEvent(values: unknown): void {
    const w = this.expression(values as unknown[]);
    if (typeof w === 'number' && w > this.max) this.max = w;
  }

  onPeriodicEmit(output: WatermarkOutput): void {
    if (this.max > this.emitted) {
      this.emitted = this.max;
      output.emitWatermark(this.max);
    }
  }
}
