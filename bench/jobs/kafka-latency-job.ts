/**
 * The job of bench/kafka-latency.ts: Kafka source -> keyBy -> a running count per key (keyed
 * ValueState) -> Kafka sink, unbounded, at-least-once with a checkpoint every BENCH_CHECKPOINT_MS.
 * An input record is `<key>,<stamp>`; the output `<key>,<stamp>,<count>,<appended>,<counted>` keeps
 * the stamp, so the bench's consumer computes the end-to-end latency, and adds where the time went:
 * the input record's Kafka timestamp (the broker's append time: the input topic uses LogAppendTime)
 * and the wall time (sub-ms) at which the count ran. Settings come from the environment (each worker
 * thread evaluates this module with the bench's environment): BENCH_SERVERS, BENCH_IN, BENCH_OUT,
 * BENCH_LATENCY_INTERVAL (latency markers, ms), BENCH_CHECKPOINT_MS, BENCH_FETCH_WAIT_MS
 * (`fetch.max.wait.ms` of the source).
 */
import {
  type Collector,
  KafkaRecordSerializers,
  KafkaSink,
  KafkaSource,
  type KeyedProcessContext,
  KeyedProcessFunction,
  OffsetsInitializer,
  StreamExecutionEnvironment,
  type ValueState,
  ValueStateDescriptor,
  WatermarkStrategy,
} from 'weir';

const setting = (name: string): string => {
  const value = process.env[name];
  if (value === undefined || value === '') throw new Error(`${name} is not set`);
  return value;
};
const servers = setting('BENCH_SERVERS');

class RunningCount extends KeyedProcessFunction<string, string, string> {
  private count!: ValueState<number, number>;
  override open(): void {
    this.count = this.getRuntimeContext().getState(new ValueStateDescriptor('count', 0));
  }
  processElement(line: string, ctx: KeyedProcessContext<string>, out: Collector<string>): void {
    const n = this.count.value() + 1;
    this.count.update(n);
    out.collect(`${line},${n},${ctx.timestamp()},${performance.timeOrigin + performance.now()}`);
  }
}

const env = StreamExecutionEnvironment.getExecutionEnvironment();
env.getConfig().setLatencyTrackingInterval(Number(setting('BENCH_LATENCY_INTERVAL')));
env.enableCheckpointing(Number(setting('BENCH_CHECKPOINT_MS')));
env
  .fromSource(
    KafkaSource.builder<string>()
      .setBootstrapServers(servers)
      .setTopics(setting('BENCH_IN'))
      .setGroupId(`${setting('BENCH_IN')}-job`)
      .setStartingOffsets(OffsetsInitializer.earliest())
      .setValueOnlyDeserializer((v) => v?.toString() ?? '')
      .setProperty('fetch.max.wait.ms', setting('BENCH_FETCH_WAIT_MS'))
      .build(),
    WatermarkStrategy.noWatermarks(),
    'input',
  )
  .keyBy((line) => line.slice(0, line.indexOf(',')))
  .process(new RunningCount())
  .name('running count')
  .sinkTo(
    KafkaSink.builder<string>()
      .setBootstrapServers(servers)
      .setRecordSerializer(
        KafkaRecordSerializers.builder<string>()
          .setTopic(setting('BENCH_OUT'))
          .setValueSerializer((s) => Buffer.from(s))
          .build(),
      )
      .setDeliveryGuarantee('AT_LEAST_ONCE')
      .build(),
  )
  .name('kafka sink');

await env.execute('kafka latency bench');
