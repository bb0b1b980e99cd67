/**
 * A window join keeps its sides per key when it has allowed lateness (a late element fires its
 * key's window again) and per key group without (one list per group and window). A savepoint of the
 * first layout restored into a job of the second (allowed lateness dropped) must still join every
 * pair of a window: the restored per-key sides move into their key group's lists, so a key's
 * elements from before the savepoint meet those that come after it in one firing.
 */
import assert from 'node:assert/strict';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, describe, it } from 'node:test';
import {
  type DataStream,
  milliseconds,
  RestartStrategies,
  StreamExecutionEnvironment,
  TumblingEventTimeWindows,
  WatermarkStrategy,
} from 'weir';
import { CollectSink } from 'weir/testing';
import { setExecutionContext } from '../../src/api/executor.ts';
import { ControlledSource, sorted, waitFor } from './helpers.ts';

interface Ev {
  k: string;
  t: number;
  side: 'L' | 'R';
}

let dir = '';
afterEach(() => {
  setExecutionContext(undefined);
  if (dir) rmSync(dir, { recursive: true, force: true });
  dir = '';
});

function build(backend: 'heap' | 'lmdb', lateness: number) {
  const env = StreamExecutionEnvironment.getExecutionEnvironment();
  env.setParallelism(1);
  // Short: a job's end waits for a final checkpoint.
  env.enableCheckpointing(50);
  env.setRestartStrategy(RestartStrategies.noRestart());
  if (backend === 'lmdb') env.setStateBackend('lmdb');
  const source = new ControlledSource<Ev>();
  const sink = new CollectSink<string>();
  const events: DataStream<Ev> = env
    .fromSource(source, WatermarkStrategy.forBoundedOutOfOrderness<Ev>(milliseconds(100)), 'events')
    .uid('events');
  let joined = events
    .filter((e) => e.side === 'L')
    .join(events.filter((e) => e.side === 'R'))
    .where((l) => l.k)
    .equalTo((r) => r.k)
    .window(TumblingEventTimeWindows.of(10));
  if (lateness > 0) joined = joined.allowedLateness(lateness);
  joined
    .apply((l: Ev, r: Ev) => `${l.k} ${l.t}-${r.t}`)
    .uid('join')
    .sinkTo(sink)
    .uid('sink');
  return { env, source, sink };
}

const side = (s: 'L' | 'R', k: string, ...times: number[]): Ev[] => times.map((t) => ({ k, t, side: s }));

for (const backend of ['heap', 'lmdb'] as const) {
  describe(`window join sides restored from the per-key layout (${backend})`, () => {
    it('pairs of a key from before and after the savepoint meet in one firing', async () => {
      dir = mkdtempSync(join(tmpdir(), 'weir-join-sides-'));
      const before = [
        ...side('L', 'a', 1, 2),
        ...side('R', 'a', 3),
        ...side('L', 'b', 4),
        ...side('R', 'c', 15),
      ];
      const first = build(backend, 1_000);
      for (const e of before) first.source.push(0, e, e.t);
      const client = await first.env.executeAsync('per-key sides');
      await waitFor(() => first.source.emitted[0] === before.length, 'the first run to read its events');
      const savepoint = await client.stopWithSavepoint!(join(dir, 'savepoints'));
      await client.getJobExecutionResult();
      assert.deepEqual(first.sink.values, [], 'no window fired before the savepoint');

      setExecutionContext({ restore: { path: savepoint, kind: 'savepoint', allowNonRestoredState: false } });
      const second = build(backend, 0);
      const after = [...side('R', 'a', 6), ...side('R', 'b', 7), ...side('L', 'a', 8), ...side('L', 'c', 12)];
      for (const e of after) second.source.push(0, e, e.t);
      second.source.end();
      await (await second.env.executeAsync('per-group sides')).getJobExecutionResult();
      assert.deepEqual(sorted(second.sink.values), [
        'a 1-3',
        'a 1-6',
        'a 2-3',
        'a 2-6',
        'a 8-3',
        'a 8-6',
        'b 4-7',
        'c 12-15',
      ]);
    });
  });
}
