/**
 * The article's walkthrough on Kafka: raw JSON transactions from the `raw-transactions` topic are
 * parsed, their event time is taken from the record (5 s of out-of-orderness allowed), the spend of
 * each customer is summed per hour in tumbling event-time windows, and each hour's total goes to the
 * `hourly-spend` topic as JSON, exactly once: the sink writes a Kafka transaction per checkpoint,
 * visible to `read_committed` consumers when the checkpoint completes. A record that is not a valid
 * transaction goes to the dead-letter topic `raw-transactions-dlq` with the reason in its headers.
 *
 *   scripts/kafka.sh start
 *   node examples/kafka-produce-sales.ts                 # topics and 2,000 sample sales
 *   npx weir run examples/kafka-hourly-spend.ts          # runs until stopped (Ctrl-C)
 *
 * With SPEND_BOUNDED=true the job reads what the topic holds when it starts, then finishes.
 * KAFKA_BOOTSTRAP, SPEND_INPUT, SPEND_OUTPUT and SPEND_DLQ override the broker and topic names.
 */
import {
  type Collector,
  Duration,
  KafkaDeserializers,
  KafkaRecordSerializers,
  KafkaSerializers,
  KafkaSink,
  KafkaSource,
  OffsetsInitializer,
  type ProcessWindowContext,
  ProcessWindowFunction,
  StreamExecutionEnvironment,
  Time,
  type TimeWindow,
  TumblingEventTimeWindows,
  WatermarkStrategy,
} from 'weir';

const servers = process.env.KAFKA_BOOTSTRAP ?? '127.0.0.1:9092';
const input = process.env.SPEND_INPUT ?? 'raw-transactions';
const output = process.env.SPEND_OUTPUT ?? 'hourly-spend';
const deadLetters = process.env.SPEND_DLQ ?? `${input}-dlq`;
const bounded = process.env.SPEND_BOUNDED === 'true';

/** A sale as the upstream system writes it to `raw-transactions`. */
export interface Transaction {
  transactionId: string;
  customerId: string;
  amountCents: number;
  /** Event time, ms since the epoch. */
  eventTime: number;
}

/** What one hour of a customer's spend looks like in the output topic. */
export interface CustomerSpend {
  customerId: string;
  hourStart: string;
  spendCents: number;
}

/** Adds the customer and the hour to the window's sum. */
class WithCustomerAndHour extends ProcessWindowFunction<number, CustomerSpend, string, TimeWindow> {
  process(
    customerId: string,
    context: ProcessWindowContext<TimeWindow>,
    sums: Iterable<number>,
    out: Collector<CustomerSpend>,
  ): void {
    const hourStart = new Date(context.window().getStart()).toISOString();
    for (const spendCents of sums) out.collect({ customerId, hourStart, spendCents });
  }
}

const env = StreamExecutionEnvironment.getExecutionEnvironment();
env.enableCheckpointing(Duration.ofSeconds(1));

const builder = KafkaSource.builder<Transaction>()
  .setBootstrapServers(servers)
  .setTopics(input)
  .setGroupId('hourly-spend')
  .setStartingOffsets(OffsetsInitializer.earliest())
  // The shape is checked against Transaction at compile time and each record against the shape at
  // run time; a record that does not fit is a dead letter.
  .setValueOnlyDeserializer(
    KafkaDeserializers.json({
      transactionId: 'string',
      customerId: 'string',
      amountCents: 'number',
      eventTime: 'number',
    }),
  )
  .setDeserializationFailurePolicy({ kind: 'dead-letter', topic: deadLetters });
if (bounded) builder.setBounded(OffsetsInitializer.latest());

const transactions = env.fromSource(
  builder.build(),
  WatermarkStrategy.forBoundedOutOfOrderness<Transaction>(Duration.ofSeconds(5))
    .withTimestampAssigner((t) => t.eventTime)
    // A partition without new transactions must not hold the hourly results back.
    .withIdleness(Duration.ofSeconds(10)),
  'raw-transactions',
);

transactions
  .keyBy((t) => t.customerId)
  .window(TumblingEventTimeWindows.of(Time.hours(1)))
  .aggregate(
    {
      createAccumulator: () => 0,
      add: (t, sum: number) => sum + t.amountCents,
      getResult: (sum) => sum,
      merge: (a, b) => a + b,
    },
    new WithCustomerAndHour(),
  )
  .name('hourly-spend')
  .sinkTo(
    KafkaSink.builder<CustomerSpend>()
      .setBootstrapServers(servers)
      .setRecordSerializer(
        KafkaRecordSerializers.builder<CustomerSpend>()
          .setTopic(output)
          .setKeySerializer((s) => Buffer.from(s.customerId))
          .setValueSerializer(KafkaSerializers.json<CustomerSpend>())
          .build(),
      )
      .setDeliveryGuarantee('EXACTLY_ONCE')
      .setTransactionalIdPrefix(`hourly-spend-${output}`)
      .build(),
  )
  .name('hourly-spend-topic');

await env.execute('kafka-hourly-spend');
