import assert from 'node:assert/strict';
import { test } from 'node:test';
import '../index.ts';
import type { ProcessContext } from '../api/functions.ts';
import { StreamExecutionEnvironment } from '../api/stream-execution-environment.ts';
import type { Collector } from '../core/collector.ts';
import { StreamTableEnvironment } from './stream-table-environment.ts';

const KEYS = 2_000;
const MINUTES = 3;

interface Event {
  k: number;
  v: number;
  ts: number;
}

/**
 * A watermark that fires thousands of keys' windows hands the firing to the task in pieces
 * (OperatorContext.deferWork, which runs them as downstream takes the rows). The watermark must
 * still follow every row it fired: each result is checked, where it arrives, against the watermark
 * there (a window's row carries its end − 1, which the watermark that fired it has reached).
 */
async function windowResults(parallelism: number): Promise<Array<{ k: number; s: number; behind: boolean }>> {
  const env = StreamExecutionEnvironment.getExecutionEnvironment();
  env.setParallelism(parallelism);
  const tEnv = StreamTableEnvironment.create(env);
  const events: Event[] = [];
  for (let m = 0; m < MINUTES; m++)
    for (let k = 0; k < KEYS; k++) events.push({ k, v: m + 1, ts: m * 60_000 + k });
  tEnv.createTemporaryView('events', env.fromElements(...events), {
    columns: { k: 'INT', v: 'INT', ts: 'TIMESTAMP(3)' },
    rowtime: { column: 'ts' },
  });
  const perKey = tEnv.sqlQuery(`SELECT k, SUM(v) AS s
    FROM TABLE(TUMBLE(TABLE events, DESCRIPTOR(ts), INTERVAL '1' MINUTE))
    GROUP BY k, window_start, window_end`);
  return tEnv
    .toDataStream<{ k: number; s: number }>(perKey)
    .process(
      (
        row: { k: number; s: number },
        ctx: ProcessContext,
        out: Collector<{ k: number; s: number; behind: boolean }>,
      ) => out.collect({ ...row, behind: (ctx.timestamp() ?? 0) <= ctx.timerService().currentWatermark() }),
    )
    .executeAndCollect();
}

for (const parallelism of [1, 2]) {
  test(`a watermark firing ${KEYS} keys at parallelism ${parallelism}: every row arrives before it`, async () => {
    const results = await windowResults(parallelism);
    assert.equal(results.length, KEYS * MINUTES);
    assert.deepEqual(
      results.filter((r) => r.behind),
      [],
      'no window result arrives after the watermark that fired it',
    );
    const sums = new Map<number, number>();
    for (const r of results) sums.set(r.k, (sums.get(r.k) ?? 0) + r.s);
    assert.equal(sums.size, KEYS);
    for (const [k, s] of sums) assert.equal(s, 1 + 2 + 3, `key ${k}`);
  });
}
