import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { type DataStream, StreamExecutionEnvironment } from 'weir';
import { CollectSink } from 'weir/testing';
import { assignToKeyGroup, computeOperatorIndexForKeyGroup } from '../../src/state/key-groups.ts';

/** Runs `shape` on 1..n at source parallelism `from` and tags each record with the receiving subtask. */
async function route(
  n: number,
  from: number,
  to: number,
  shape: (s: DataStream<number>) => DataStream<number>,
): Promise<Map<number, number[]>> {
  const env = StreamExecutionEnvironment.createLocalEnvironment(from);
  const sink = new CollectSink<[number, number]>();
  shape(env.fromSequence(1, n))
    .map({
      index: -1,
      open(ctx) {
        this.index = ctx.getIndexOfThisSubtask();
      },
      map(v: number): [number, number] {
        return [this.index, v];
      },
    } as { index: number; open(c: any): void; map(v: number): [number, number] })
    .setParallelism(to)
    .sinkTo(sink);
  await env.execute();
  const bySubtask = new Map<number, number[]>();
  for (const [s, v] of sink.values) {
    const list = bySubtask.get(s) ?? [];
    list.push(v);
    bySubtask.set(s, list);
  }
  return bySubtask;
}

describe('partitioning', () => {
  it('rebalance spreads records round-robin over all subtasks', async () => {
    const got = await route(300, 1, 3, (s) => s.rebalance());
    assert.deepEqual([...got.keys()].sort(), [0, 1, 2]);
    for (const list of got.values()) assert.equal(list.length, 100);
  });

  it('broadcast sends every record to every subtask', async () => {
    const got = await route(10, 1, 3, (s) => s.broadcast());
    for (let i = 0; i < 3; i++)
      assert.deepEqual(
        got.get(i)!.sort((a, b) => a - b),
        [1, 2, 3, 4, 5, 6, 7, 8, 9, 10],
      );
  });

  it('global sends every record to the first subtask', async () => {
    const got = await route(50, 2, 3, (s) => s.global());
    assert.deepEqual([...got.keys()], [0]);
    assert.equal(got.get(0)!.length, 50);
  });

  it('shuffle reaches every subtask and loses nothing', async () => {
    const got = await route(3000, 1, 3, (s) => s.shuffle());
    assert.equal([...got.values()].flat().length, 3000);
    for (const list of got.values()) assert.ok(list.length > 800, `uneven shuffle: ${list.length}`);
  });

  it('rescale keeps each producer on its own share of consumers', async () => {
    const env = StreamExecutionEnvironment.createLocalEnvironment(2);
    const sink = new CollectSink<[number, number]>();
    env
      .fromSequence(1, 400)
      .map({
        i: 0,
        open(c) {
          this.i = c.getIndexOfThisSubtask();
        },
        map(_v: number) {
          return this.i;
        },
      } as { i: number; open(c: any): void; map(v: number): number })
      .rescale()
      .map({
        i: 0,
        open(c) {
          this.i = c.getIndexOfThisSubtask();
        },
        map(p: number): [number, number] {
          return [p, this.i];
        },
      } as { i: number; open(c: any): void; map(v: number): [number, number] })
      .setParallelism(4)
      .sinkTo(sink);
    await env.execute();
    const pairs = new Set(sink.values.map(([p, c]) => `${p}->${c}`));
    assert.deepEqual([...pairs].sort(), ['0->0', '0->1', '1->2', '1->3']);
  });

  it('partitionCustom uses the partitioner on the selected key', async () => {
    const got = await route(30, 1, 3, (s) =>
      s.partitionCustom(
        (key: number, n) => key % n,
        (v) => v,
      ),
    );
    for (const [subtask, list] of got) for (const v of list) assert.equal(v % 3, subtask);
  });

  it('keyBy routes each key to the subtask owning its key group', async () => {
    const got = await route(500, 2, 3, (s) => s.keyBy((v) => `k${v % 17}`));
    for (const [subtask, list] of got) {
      for (const v of list) {
        assert.equal(computeOperatorIndexForKeyGroup(128, 3, assignToKeyGroup(`k${v % 17}`, 128)), subtask);
      }
    }
    assert.equal([...got.values()].flat().length, 500);
  });

  it('forward between different parallelisms is a clear error', async () => {
    const env = StreamExecutionEnvironment.createLocalEnvironment(2);
    env
      .fromSequence(1, 10)
      .forward()
      .map((v) => v)
      .setParallelism(3)
      .sinkTo(new CollectSink());
    await assert.rejects(env.execute(), { code: 'INVALID_GRAPH', message: /forward partitioning/ });
  });
});

describe('job graph', () => {
  it('chains forward operators of equal parallelism and cuts at keyBy and parallelism changes', () => {
    const env = StreamExecutionEnvironment.createLocalEnvironment(2);
    env
      .fromSequence(1, 10)
      .map((v) => v)
      .name('double')
      .filter((v) => v > 1)
      .keyBy((v) => v % 2)
      .reduce((a, b) => a + b)
      .map((v) => v)
      .setParallelism(1)
      .print()
      .setParallelism(1);
    const graph = env.getJobGraph('chaining');
    assert.deepEqual(
      graph.vertices.map((v) => [v.operators.map((o) => o.kind), v.parallelism]),
      [
        [['source', 'map', 'filter'], 2],
        [['reduce'], 2],
        [['map', 'sink'], 1],
      ],
    );
    assert.deepEqual(
      graph.edges.map((e) => e.partitioner.kind),
      ['hash', 'rebalance'],
    );
    // Plain data: survives JSON.
    assert.deepEqual(JSON.parse(JSON.stringify(graph)), graph);
  });

  it('operator uids are stable and explicit uids are kept', () => {
    const build = () => {
      const env = StreamExecutionEnvironment.createLocalEnvironment();
      env
        .fromElements(1)
        .map((v) => v)
        .uid('my-map')
        .filter(() => true)
        .print();
      return env.getJobGraph().vertices.flatMap((v) => v.operators.map((o) => o.uid));
    };
    assert.deepEqual(build(), build());
    assert.ok(build().includes('my-map'));
  });

  it('disableChaining keeps an operator in its own vertex', () => {
    const env = StreamExecutionEnvironment.createLocalEnvironment();
    env
      .fromElements(1)
      .map((v) => v)
      .disableChaining()
      .print();
    assert.equal(env.getJobGraph().vertices.length, 3);
  });
});
