/**
 * The article's pipeline, end to end: raw JSON clicks from Kafka, enriched with each user's profile
 * from MariaDB, counted per category and minute in event time, delivered exactly once to
 * PostgreSQL (and, idempotently, to Cassandra).
 *
 * 1. Clicks (`{ clickId, userId, eventTime, url }`) are read from the `clicks` topic and checked
 *    against that shape; a record that does not fit goes to the dead-letter topic `clicks-dlq`.
 * 2. Each click gets its user's category from the MariaDB table `user_profiles` through Async I/O
 *    (`AsyncDataStream.unorderedWait` + `JdbcLookup`, with a cache); a user without a profile
 *    counts as `unknown`.
 * 3. Clicks are counted per category in one-minute tumbling event-time windows: 5 s of
 *    out-of-orderness are waited for, a click up to 10 s after its window's end still counts (the
 *    window fires again), anything later goes to a side output, printed as `late> ...`.
 * 4. Each count is upserted by (category, window_end) into the PostgreSQL table `category_clicks`
 *    by a `JdbcExactlyOnceSink` (prepared transactions committed with each checkpoint), and into the
 *    Cassandra table `weir_examples.category_clicks` by a `CassandraSink` unless CLICKS_CASSANDRA=off.
 *
 *   scripts/kafka.sh start && scripts/databases.sh ensure && scripts/cassandra.sh start
 *   node examples/click-pipeline-setup.ts       # topics, tables, profiles and sample clicks
 *   npx weir run examples/click-pipeline.ts     # runs until stopped (Ctrl-C)
 *   psql -h 127.0.0.1 -U root test -c 'SELECT * FROM category_clicks ORDER BY window_end, category'
 *
 * With CLICKS_BOUNDED=true the job reads what the topic holds when it starts, then finishes.
 * Checkpoints (every CLICKS_CHECKPOINT_MS, default 1,000) are kept in CLICKS_CHECKPOINTS (default
 * `checkpoints`): after a crash, `npx weir run examples/click-pipeline.ts --from-checkpoint
 * checkpoints` resumes without losing or repeating a count. Other settings: KAFKA_BOOTSTRAP,
 * CLICKS_TOPIC, CLICKS_DLQ, CLICKS_GROUP, CLICKS_MARIADB_URL, CLICKS_PROFILES, CLICKS_POSTGRES_URL,
 * CLICKS_TABLE, CLICKS_SINK_ID, CLICKS_CASSANDRA_HOSTS and CLICKS_CASSANDRA_TABLE.
 */
import {
  AsyncDataStream,
  CassandraSink,
  type Collector,
  Duration,
  JdbcExactlyOnceSink,
  JdbcLookup,
  KafkaDeserializers,
  KafkaSource,
  OffsetsInitializer,
  OutputTag,
  type ProcessWindowContext,
  ProcessWindowFunction,
  StreamExecutionEnvironment,
  Time,
  type TimeWindow,
  TumblingEventTimeWindows,
  WatermarkStrategy,
} from 'weir';
import type { Click } from './data/click-profiles.ts';

const servers = process.env.KAFKA_BOOTSTRAP ?? '127.0.0.1:9092';
const topic = process.env.CLICKS_TOPIC ?? 'clicks';
const deadLetters = process.env.CLICKS_DLQ ?? `${topic}-dlq`;
const bounded = process.env.CLICKS_BOUNDED === 'true';
const profiles = process.env.CLICKS_PROFILES ?? 'user_profiles';
const table = process.env.CLICKS_TABLE ?? 'category_clicks';
const cassandra = process.env.CLICKS_CASSANDRA !== 'off';

/** A click with its user's category. */
export interface CategorizedClick extends Click {
  category: string;
}

/** One row of the output: the clicks of a category in the minute that ends at `windowEnd`. */
export interface CategoryCount {
  category: string;
  windowEnd: Date;
  clicks: number;
}

/** Adds the category and the window's end to the window's count. */
class WithCategoryAndWindow extends ProcessWindowFunction<number, CategoryCount, string, TimeWindow> {
  process(
    category: string,
    context: ProcessWindowContext<TimeWindow>,
    counts: Iterable<number>,
    out: Collector<CategoryCount>,
  ): void {
    const windowEnd = new Date(context.window().getEnd());
    for (const clicks of counts) out.collect({ category, windowEnd, clicks });
  }
}

export const lateClicks = new OutputTag<CategorizedClick>('late-clicks');

const env = StreamExecutionEnvironment.getExecutionEnvironment();
env.enableCheckpointing(Duration.ofMillis(Number(process.env.CLICKS_CHECKPOINT_MS ?? 1_000)));
env.getCheckpointConfig().setCheckpointStorage(process.env.CLICKS_CHECKPOINTS ?? 'checkpoints');
// Kept when the job dies or is cancelled, for --from-checkpoint.
env.getCheckpointConfig().setExternalizedCheckpointRetention('RETAIN_ON_CANCELLATION');

// 1. Raw JSON clicks; a record that is not a click is a dead letter, with the reason in its headers.
const source = KafkaSource.builder<Click>()
  .setBootstrapServers(servers)
  .setTopics(topic)
  .setGroupId(process.env.CLICKS_GROUP ?? 'click-pipeline')
  .setStartingOffsets(OffsetsInitializer.earliest())
  .setValueOnlyDeserializer(
    KafkaDeserializers.json({ clickId: 'string', userId: 'string', eventTime: 'number', url: 'string' }),
  )
  .setDeserializationFailurePolicy({ kind: 'dead-letter', topic: deadLetters });
if (bounded) source.setBounded(OffsetsInitializer.latest());

const clicks = env
  .fromSource(
    source.build(),
    WatermarkStrategy.forBoundedOutOfOrderness<Click>(Duration.ofSeconds(5))
      .withTimestampAssigner((click) => click.eventTime)
      // A partition without new clicks must not hold the counts back.
      .withIdleness(Duration.ofSeconds(10)),
    'clicks',
  )
  .uid('clicks');

// 2. The user's category, looked up in MariaDB with many lookups in flight and recent users cached.
const categorized = AsyncDataStream.unorderedWait(
  clicks,
  new JdbcLookup<Click, CategorizedClick, { category: string }>({
    connection: {
      dialect: 'mariadb',
      url: process.env.CLICKS_MARIADB_URL ?? 'mariadb://root@127.0.0.1:3306/test',
    },
    table: profiles,
    keyColumns: ['user_id'],
    columns: ['category'],
    keyOf: (click) => [click.userId],
    // A left join: a click of a user without a profile still counts.
    join: (click, rows) => [{ ...click, category: rows[0]?.category ?? 'unknown' }],
    cache: { maxRows: 10_000, ttlMs: 60_000 },
  }),
  Duration.ofSeconds(10),
  100,
)
  .name('user-profiles')
  .uid('user-profiles');

// 3. Clicks per category and minute, late clicks within 10 s counted, later ones set aside.
const counts = categorized
  .keyBy((click) => click.category)
  .window(TumblingEventTimeWindows.of(Time.minutes(1)))
  .allowedLateness(Time.seconds(10))
  .sideOutputLateData(lateClicks)
  .aggregate(
    {
      createAccumulator: () => 0,
      add: (_click: CategorizedClick, count: number) => count + 1,
      getResult: (count: number) => count,
      merge: (a: number, b: number) => a + b,
    },
    new WithCategoryAndWindow(),
  )
  .name('clicks-per-category')
  .uid('clicks-per-category');

counts
  .getSideOutput(lateClicks)
  .map((c) => ({ clickId: c.clickId, category: c.category, time: new Date(c.eventTime).toISOString() }))
  .print('late');

// 4. Exactly once into PostgreSQL: a late firing rewrites the window's row with the new count.
counts
  .sinkTo(
    new JdbcExactlyOnceSink({
      connection: {
        dialect: 'postgres',
        url: process.env.CLICKS_POSTGRES_URL ?? 'postgres://root@127.0.0.1:5432/test',
      },
      table,
      columns: ['category', 'window_end', 'clicks'],
      row: (c: CategoryCount) => ({ category: c.category, window_end: c.windowEnd, clicks: c.clicks }),
      mode: 'upsert',
      keyColumns: ['category', 'window_end'],
      sinkId: process.env.CLICKS_SINK_ID ?? 'click-pipeline',
    }),
  )
  .name('postgres')
  .uid('postgres');

// Cassandra: idempotent upserts, flushed at every checkpoint (at least once, the same final rows).
if (cassandra) {
  counts
    .sinkTo(
      CassandraSink.builder<CategoryCount>()
        .setContactPoints(process.env.CLICKS_CASSANDRA_HOSTS ?? '127.0.0.1:9042')
        .setQuery(
          `INSERT INTO ${process.env.CLICKS_CASSANDRA_TABLE ?? 'weir_examples.category_clicks'} (category, window_end, clicks) VALUES (?, ?, ?)`,
          (c) => [c.category, c.windowEnd, c.clicks],
        )
        .setConsistencyLevel('ONE')
        .build(),
    )
    .name('cassandra')
    .uid('cassandra');
}

await env.execute('click-pipeline');
