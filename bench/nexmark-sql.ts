/**
 * The Nexmark queries as SQL: `node --conditions=weir-source bench/nexmark-sql.ts <q0,q1,...|all>
 * [--events N] [--runs R] [-p P] [-D key=value ...]`. Each query runs from its published text (test/sql/nexmark/) with
 * its INSERT INTO a blackhole table, over the `nexmark` connector with N events at the benchmark's
 * default rate (10,000,000 events/s of event time), after a warm-up of N/10 events (at most 1 M);
 * the line per query is the median of the runs by wall time:
 *
 *   sql nexmark <q>: <N> events in <S> s = <R> events/s (<C> events/cpu-s)
 *
 * `-D key=value` sets a session setting before each query (`SET 'key' = 'value'`), e.g.
 * `-D table.exec.mini-batch.enabled=true -D table.exec.mini-batch.allow-latency=1s
 * -D table.exec.mini-batch.size=1000` (docs/sql.md, "Performance tuning").
 *
 * CPU time is the process's (user + system, all threads: the task slots are worker threads).
 */
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { parseArgs } from 'node:util';
import '../src/index.ts';
import { TableEnvironment } from '../src/sql/table-environment.ts';

const { values, positionals } = parseArgs({
  args: process.argv.slice(2),
  allowPositionals: true,
  options: {
    events: { type: 'string', default: '10000000' },
    runs: { type: 'string', default: '1' },
    parallelism: { type: 'string', short: 'p', default: '1' },
    rate: { type: 'string', default: '10000000' },
    set: { type: 'string', short: 'D', multiple: true, default: [] },
  },
});
const dir = join(import.meta.dirname, '../test/sql/nexmark');
const all = Array.from({ length: 23 }, (_, i) => `q${i}`).filter((q) => q !== 'q6' && q !== 'q12');
const selected = positionals[0] === undefined || positionals[0] === 'all' ? all : positionals[0].split(',');
const events = Number(values.events);
const runs = Number(values.runs);
const parallelism = Number(values.parallelism);

function fill(text: string, count: number): string {
  const settings: Record<string, string> = {
    TPS: values.rate,
    EVENTS_NUM: String(count),
    PERSON_PROPORTION: '1',
    AUCTION_PROPORTION: '3',
    BID_PROPORTION: '46',
    NEXMARK_TABLE: 'nexmark',
    NEXMARK_DIR: join(dir, 'target'),
    SUBMIT_TIME: '0',
    FLINK_HOME: join(dir, 'bench-home'),
  };
  const udf = `${join(dir, 'count-char.ts')}#countChar`;
  return text
    .replace("'com.github.nexmark.flink.udf.CountChar'", `'${udf}'`)
    .replace(/\$\{([A-Z_]+)\}/g, (_, name: string) => settings[name] ?? '');
}

/** Runs one query on `count` events into its blackhole sink; resolves with wall and CPU seconds. */
async function runQuery(query: string, count: number): Promise<{ wall: number; cpu: number }> {
  const tEnv = TableEnvironment.create({ parallelism });
  for (const setting of values.set) {
    const at = setting.indexOf('=');
    await tEnv.executeSql(`SET '${setting.slice(0, at)}' = '${setting.slice(at + 1)}'`);
  }
  const ddl = fill(readFileSync(join(dir, 'ddl_gen.sql'), 'utf8'), count).replace(
    'CREATE TABLE datagen',
    'CREATE TABLE nexmark',
  );
  await tEnv.executeSql(ddl);
  for await (const _ of tEnv.executeScript(fill(readFileSync(join(dir, 'ddl_views.sql'), 'utf8'), count))) {
    // views
  }
  let text = fill(readFileSync(join(dir, `${query}.sql`), 'utf8'), count);
  // q10 writes partitioned files, which Weir's filesystem connector does not yet: its SELECT goes to
  // a blackhole here. q13 reads the committed side input.
  text = text.replace(
    /\) PARTITIONED BY \(dt, hm\) WITH \([\s\S]*?\n\);/,
    ") WITH ('connector' = 'blackhole');",
  );
  text = text.replace(
    /'connector.path' = 'file:\/\/[^']*'/,
    `'connector.path' = '${join(dir, 'side_input.txt')}'`,
  );
  const start = performance.now();
  const cpu0 = process.cpuUsage();
  for await (const { result } of tEnv.executeScript(text)) await result.await();
  const cpu = process.cpuUsage(cpu0);
  return { wall: (performance.now() - start) / 1000, cpu: (cpu.user + cpu.system) / 1e6 };
}

for (const query of selected) {
  await runQuery(query, Math.min(1_000_000, Math.max(100_000, Math.floor(events / 10))));
  const results: { wall: number; cpu: number }[] = [];
  for (let r = 0; r < runs; r++) results.push(await runQuery(query, events));
  results.sort((a, b) => a.wall - b.wall);
  const m = results[Math.floor(results.length / 2)];
  const fmt = (n: number) => Math.round(n).toLocaleString('en-US');
  console.log(
    `sql nexmark ${query}: ${events} events in ${m.wall.toFixed(2)} s = ${fmt(events / m.wall)} events/s (${fmt(events / m.cpu)} events/cpu-s)`,
  );
}
