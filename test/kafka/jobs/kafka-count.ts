/**
 * Kafka fault-injection job: numbers from an input topic (bounded at the offsets that were latest
 * when the job was planned) → keyed running count → output topic, EXACTLY_ONCE, checkpoints every
 * 200 ms retained in WEIR_KAFKA_CHECKPOINTS. Output records are `<key>:<count>`, so each appears
 * once in a correct run. WEIR_KAFKA_FAIL_AT lists input values at which the job throws once (a
 * marker file in WEIR_KAFKA_MARKERS remembers it threw, across restarts, threads and processes);
 * WEIR_KAFKA_RATE caps records per second per subtask, so that there is time to kill it.
 * WEIR_KAFKA_UNBOUNDED=1 reads the input without end (the job then runs until it is cancelled), so a
 * test decides when it ends. Each counting subtask restored from a checkpoint prints
 * `restored from checkpoint <id>` on stderr, for tests to assert which checkpoint a restore used.
 * WEIR_KAFKA_OWNER, the test's pid, ends an unbounded run should the test die without killing it.
 */
import { existsSync, writeFileSync } from 'node:fs';
import { isMainThread } from 'node:worker_threads';
import {
  type Collector,
  KafkaRecordSerializers,
  KafkaSink,
  KafkaSource,
  type KeyedProcessContext,
  KeyedProcessFunction,
  OffsetsInitializer,
  RestartStrategies,
  StreamExecutionEnvironment,
  type ValueState,
  ValueStateDescriptor,
  WatermarkStrategy,
} from 'weir';

const servers = process.env.WEIR_KAFKA_SERVERS ?? '127.0.0.1:9092';
const input = required('WEIR_KAFKA_INPUT');
const output = required('WEIR_KAFKA_OUTPUT');
const keys = Number(process.env.WEIR_KAFKA_KEYS ?? 13);
const rate = Number(process.env.WEIR_KAFKA_RATE ?? 0);
const failAt = new Set((process.env.WEIR_KAFKA_FAIL_AT ?? '').split(',').filter(Boolean).map(Number));
const markers = process.env.WEIR_KAFKA_MARKERS ?? '.';
const unbounded = process.env.WEIR_KAFKA_UNBOUNDED === '1';
const guarantee = (process.env.WEIR_KAFKA_GUARANTEE ?? 'EXACTLY_ONCE') as 'EXACTLY_ONCE' | 'AT_LEAST_ONCE';

const owner = Number(process.env.WEIR_KAFKA_OWNER ?? 0);
if (unbounded && owner > 0 && isMainThread) {
  // Not an orphan: a run without end whose test is gone exits instead of reading forever.
  setInterval(() => {
    try {
      process.kill(owner, 0);
    } catch (error) {
      if ((error as NodeJS.ErrnoException).code === 'ESRCH') process.exit(3);
    }
  }, 1_000).unref();
}

function required(name: string): string {
  const value = process.env[name];
  if (!value) throw new Error(`${name} is not set`);
  return value;
}

class RunningCount extends KeyedProcessFunction<number, number, string> {
  private count!: ValueState<number, number>;
  override open(): void {
    this.count = this.getRuntimeContext().getState(new ValueStateDescriptor('count', 0));
    const restored = this.getRuntimeContext().getRestoredCheckpointId();
    if (restored !== undefined) console.error(`restored from checkpoint ${restored}`);
  }
  processElement(_n: number, ctx: KeyedProcessContext<number>, out: Collector<string>): void {
    const n = this.count.value() + 1;
    this.count.update(n);
    out.collect(`${ctx.getCurrentKey()}:${n}`);
  }
}

/** Caps the rate (sleeping in small steps) and throws once at each fail point. */
class Throttle {
  private started = 0;
  private seen = 0;
  private readonly sleeper = new Int32Array(new SharedArrayBuffer(4));
  map(n: number): number {
    if (failAt.has(n)) {
      const marker = `${markers}/failed-at-${n}`;
      if (!existsSync(marker)) {
        writeFileSync(marker, '');
        throw new Error(`injected failure at input ${n}`);
      }
    }
    if (rate > 0) {
      if (this.seen++ === 0) this.started = performance.now();
      if (this.seen % 64 === 0) {
        const ahead = (this.seen / rate) * 1000 - (performance.now() - this.started);
        if (ahead > 1) Atomics.wait(this.sleeper, 0, 0, Math.min(ahead, 20));
      }
    }
    return n;
  }
}

const env = StreamExecutionEnvironment.getExecutionEnvironment();
env.enableCheckpointing(200);
env.setRestartStrategy(
  RestartStrategies.fixedDelayRestart(Number(process.env.WEIR_KAFKA_RESTARTS ?? 10), 200),
);
env
  .getCheckpointConfig()
  .setCheckpointTimeout(20_000)
  .setCheckpointStorage(process.env.WEIR_KAFKA_CHECKPOINTS ?? 'checkpoints')
  .setExternalizedCheckpointRetention('RETAIN_ON_CANCELLATION');

const builder = KafkaSource.builder<number>()
  .setBootstrapServers(servers)
  .setTopics(input)
  .setGroupId(`${input}-counter`)
  .setStartingOffsets(OffsetsInitializer.earliest())
  .setValueOnlyDeserializer((value) => Number(value?.toString()));
const source = (unbounded ? builder : builder.setBounded(OffsetsInitializer.latest())).build();

const sink = KafkaSink.builder<string>()
  .setBootstrapServers(servers)
  .setRecordSerializer(
    KafkaRecordSerializers.builder<string>()
      .setTopic(output)
      .setKeySerializer((s) => Buffer.from(s.slice(0, s.indexOf(':'))))
      .setValueSerializer((s) => Buffer.from(s))
      .build(),
  )
  .setDeliveryGuarantee(guarantee)
  .setTransactionalIdPrefix(`${output}-tx`)
  .build();

const throttle = new Throttle();
env
  .fromSource(source, WatermarkStrategy.noWatermarks(), 'input')
  .uid('input')
  .map((n) => throttle.map(n))
  .uid('throttle')
  .keyBy((n) => n % keys)
  .process(new RunningCount())
  .uid('count')
  .sinkTo(sink)
  .uid('kafka-out');
await env.execute('kafka exactly-once count');
