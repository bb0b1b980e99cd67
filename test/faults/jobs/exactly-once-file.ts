/**
 * Fault-injection job for `kill -9`: a keyed running count over a rate-limited generator, written
 * through the exactly-once file sink, with checkpoints retained in WEIR_FAULTS_CHECKPOINTS.
 */
import {
  type Collector,
  DataGeneratorSource,
  ExactlyOnceFileSink,
  type KeyedProcessContext,
  KeyedProcessFunction,
  StreamExecutionEnvironment,
  type ValueState,
  ValueStateDescriptor,
  WatermarkStrategy,
} from 'weir';

const events = Number(process.env.WEIR_FAULTS_EVENTS ?? 40_000);
const keys = Number(process.env.WEIR_FAULTS_KEYS ?? 7);
const rate = Number(process.env.WEIR_FAULTS_RATE ?? 20_000);

class RunningCount extends KeyedProcessFunction<number, number, [number, number]> {
  private count!: ValueState<number, number>;
  override open(): void {
    this.count = this.getRuntimeContext().getState(new ValueStateDescriptor('count', 0));
  }
  processElement(_v: number, ctx: KeyedProcessContext<number>, out: Collector<[number, number]>): void {
    const n = this.count.value() + 1;
    this.count.update(n);
    out.collect([ctx.getCurrentKey(), n]);
  }
}

const env = StreamExecutionEnvironment.getExecutionEnvironment();
env.enableCheckpointing(100);
// A stuck checkpoint fails fast (and visibly) instead of after the default 10 minutes.
env.getCheckpointConfig().setCheckpointTimeout(20_000);
env
  .getCheckpointConfig()
  .setCheckpointStorage(process.env.WEIR_FAULTS_CHECKPOINTS ?? 'checkpoints')
  .setExternalizedCheckpointRetention('RETAIN_ON_CANCELLATION');
env
  .fromSource(
    new DataGeneratorSource((i) => i, events, { rateLimit: rate }),
    WatermarkStrategy.noWatermarks(),
    'numbers',
  )
  .uid('numbers')
  .keyBy((i) => i % keys)
  .process(new RunningCount())
  .uid('count')
  .sinkTo(new ExactlyOnceFileSink<[number, number]>(process.env.WEIR_FAULTS_OUTPUT ?? 'out'))
  .uid('files');
await env.execute('exactly-once file sink under kill -9');
