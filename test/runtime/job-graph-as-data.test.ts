import assert from 'node:assert/strict';
import { mkdtemp, readFile, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, it } from 'node:test';
import {
  CountEvictor,
  CountTrigger,
  DeltaEvictor,
  EventTimeSessionWindows,
  executeJobGraph,
  GlobalWindows,
  graphNeedsModule,
  type JobGraph,
  KeySelectors,
  moduleNeeds,
  type NexmarkEvent,
  NexmarkSource,
  PurgingTrigger,
  SlidingEventTimeWindows,
  StreamExecutionEnvironment,
  TumblingEventTimeWindows,
  triggerFromSpec,
  triggerToSpec,
  WatermarkStrategy,
  WeirError,
  windowAssignerFromSpec,
  windowAssignerToSpec,
} from 'weir';
import { CollectSink } from 'weir/testing';

const EVENTS = 3_000;
const config = {
  autoWatermarkInterval: 200,
  batchSize: 1024,
  channelCapacity: 8,
  checkpointing: null,
  restartStrategy: null,
  stateBackend: { kind: 'heap' },
  recordCheck: true,
  types: [],
} as const;

/**
 * Written by hand, as a planner would emit it: the Nexmark source at parallelism 2, a hash exchange
 * on the event's `kind` field, and a collect operator at parallelism 2. No function anywhere.
 */
const handWritten = (): JobGraph =>
  JSON.parse(
    JSON.stringify({
      jobName: 'nexmark by kind',
      maxParallelism: 128,
      vertices: [
        {
          id: 'nexmark',
          name: 'Nexmark',
          parallelism: 2,
          maxParallelism: 128,
          source: true,
          operators: [
            {
              uid: 'nexmark',
              kind: 'source',
              name: 'Nexmark',
              keyed: false,
              config: {
                boundedness: 'bounded',
                source: { kind: 'connector', identifier: 'nexmark', options: { events: EVENTS } },
                watermarkStrategy: {
                  generator: { kind: 'bounded-out-of-orderness', maxOutOfOrderness: 4000 },
                  timestampAssigner: { kind: 'record-timestamp' },
                  idleTimeout: null,
                },
              },
              outputs: [{ kind: 'edge', edge: 'nexmark->out', tag: null }],
            },
          ],
        },
        {
          id: 'out',
          name: 'Collect',
          parallelism: 2,
          maxParallelism: 128,
          source: false,
          operators: [{ uid: 'out', kind: 'collect', name: 'Collect', keyed: true, config: {}, outputs: [] }],
        },
      ],
      edges: [
        {
          id: 'nexmark->out',
          source: 'nexmark',
          target: 'out',
          sourceOperator: 'nexmark',
          tag: null,
          targetInput: 0,
          partitioner: { kind: 'hash', key: { kind: 'field', name: 'kind' } },
        },
      ],
      config,
    }),
  );

/** The same pipeline with the DataStream API, run inline (one slot in this thread). */
async function dataStreamRun(): Promise<{ graph: JobGraph; sink: CollectSink<NexmarkEvent> }> {
  const env = StreamExecutionEnvironment.createLocalEnvironment(2);
  const sink = new CollectSink<NexmarkEvent>();
  env
    .fromSource(
      new NexmarkSource({ events: EVENTS }),
      WatermarkStrategy.forBoundedOutOfOrderness<NexmarkEvent>(4000),
      'Nexmark',
    )
    .keyBy(KeySelectors.field<NexmarkEvent, 'kind'>('kind'))
    .sinkTo(sink);
  const graph = env.getJobGraph('nexmark by kind');
  await env.execute('nexmark by kind');
  return { graph, sink };
}

const byId = (events: readonly NexmarkEvent[]) => events.map((e) => JSON.stringify(e)).sort();

describe('job graphs as data', () => {
  it('a hand-written JSON graph runs on worker-thread slots at parallelism 2 without a module, with the records of the DataStream job', async () => {
    const expected = await dataStreamRun();
    assert.equal(graphNeedsModule(expected.graph), false, moduleNeeds(expected.graph).join('; '));
    const graph = handWritten();
    assert.equal(graphNeedsModule(graph), false);
    const sink = new CollectSink<NexmarkEvent>();
    const client = await executeJobGraph(graph, { collect: { out: sink }, taskSlots: 2 });
    await client.getJobExecutionResult();
    assert.equal(sink.values.length, EVENTS);
    assert.deepEqual(byId(sink.values), byId(expected.sink.values));
    // The hash exchange put each kind on the subtask the DataStream job put it on.
    for (const subtask of [0, 1]) {
      assert.deepEqual(
        byId(sink.bySubtask.get(subtask) ?? []),
        byId(expected.sink.bySubtask.get(subtask) ?? []),
        `subtask ${subtask}`,
      );
    }
    // Both subtasks ran, on slot threads: the client's metrics come from two subtasks of the source.
    const sources = client.getMetrics().filter((m) => m.vertex === 'Nexmark');
    assert.deepEqual(sources.map((m) => m.subtask).sort(), [0, 1]);
  });

  it('the DataStream job builds the same graph as the one written by hand, up to uids and names', async () => {
    const { graph } = await dataStreamRun();
    const source = graph.vertices[0].operators[0];
    assert.equal(source.kind, 'source');
    assert.deepEqual(source.config, handWritten().vertices[0].operators[0].config);
    assert.deepEqual(graph.edges[0].partitioner, { kind: 'hash', key: { kind: 'field', name: 'kind' } });
  });

  it('a connector sink writes from the slots: JSON lines per subtask, keyed sums of a sequence', async () => {
    const dir = await mkdtemp(join(tmpdir(), 'weir-graph-data-'));
    try {
      // fromSequence -> hash on a constant key -> rolling sum -> json-lines sink, planned by the API.
      const env = StreamExecutionEnvironment.createLocalEnvironment(2);
      const { JsonLinesFileSink } = await import('weir');
      env
        .fromSequence(1, 100)
        .keyBy(KeySelectors.constant('all'))
        .sum()
        .sinkTo(new JsonLinesFileSink(`${dir}/`))
        .setParallelism(1);
      const graph = JSON.parse(JSON.stringify(env.getJobGraph('sums'))) as JobGraph;
      assert.equal(graphNeedsModule(graph), false, moduleNeeds(graph).join('; '));
      const client = await executeJobGraph(graph, { taskSlots: 2 });
      await client.getJobExecutionResult();
      const lines = (await readFile(join(dir, 'part-0.jsonl'), 'utf8')).trim().split('\n').map(Number);
      assert.equal(lines.length, 100);
      assert.equal(Math.max(...lines), 5050);
    } finally {
      await rm(dir, { recursive: true, force: true });
    }
  });

  it('a graph with user functions names what needs the module, and executeJobGraph refuses it', async () => {
    const env = StreamExecutionEnvironment.createLocalEnvironment(1);
    env
      .fromSequence(1, 3)
      .map((n) => n + 1)
      .keyBy((n) => n % 2)
      .sum()
      .sinkTo(new CollectSink<number>());
    const graph = env.getJobGraph('with functions');
    assert.equal(graphNeedsModule(graph), true);
    const needs = moduleNeeds(graph);
    assert.ok(
      needs.some((n) => /operator "Map" \(uid map-\d+\): a map function/.test(n)),
      needs.join('; '),
    );
    assert.ok(
      needs.some((n) => /a key selector function/.test(n)),
      needs.join('; '),
    );
    await assert.rejects(
      executeJobGraph(graph),
      (e: unknown) =>
        e instanceof WeirError && e.code === 'INVALID_ARGUMENT' && /needs a job module/.test(e.message),
    );
  });

  it('a collect operator without a target is refused', async () => {
    await assert.rejects(
      executeJobGraph(handWritten()),
      (e: unknown) => e instanceof WeirError && e.code === 'INVALID_ARGUMENT' && /uid out/.test(e.message),
    );
  });

  it('the plan of a windowed DataStream job shows the assigner, trigger and evictor specs as JSON', () => {
    const env = StreamExecutionEnvironment.createLocalEnvironment(1);
    const events = env.fromSource(
      new NexmarkSource({ events: 10 }),
      WatermarkStrategy.forBoundedOutOfOrderness<NexmarkEvent>(4000).withIdleness(60_000),
      'Nexmark',
    );
    const keyed = events.keyBy(KeySelectors.field<NexmarkEvent, 'kind'>('kind'));
    const count = {
      createAccumulator: () => 0,
      add: (_e: NexmarkEvent, acc: number) => acc + 1,
      getResult: (acc: number) => acc,
      merge: (a: number, b: number) => a + b,
    };
    keyed.window(TumblingEventTimeWindows.of(10_000)).aggregate(count).print();
    keyed
      .window(GlobalWindows.create())
      .trigger(PurgingTrigger.of(CountTrigger.of(5)) as never)
      .evictor(CountEvictor.of(3, true) as never)
      .aggregate(count)
      .print();
    keyed.window(SlidingEventTimeWindows.of(10_000, 5_000)).aggregate(count).print();
    const plan = JSON.parse(JSON.stringify(env.getJobGraph())) as JobGraph;
    const ops = plan.vertices.flatMap((v) => v.operators);
    const windows = ops.filter(
      (o) => o.kind === 'window' || o.kind === 'sliced-window' || o.kind === 'time-window',
    );
    assert.deepEqual(
      windows.map((w) => w.kind),
      ['time-window', 'window', 'sliced-window'],
    );
    assert.deepEqual(
      windows.map((w) => w.config),
      [
        {
          // The default trigger and no evictor: the aligned time window operator, with no trigger to name.
          contents: 'aggregate',
          assigner: { kind: 'tumbling-event-time', size: 10_000, offset: 0 },
          allowedLateness: 0,
          lateTag: null,
        },
        {
          // An evictor keeps every element: the aggregate runs on the window's list when it fires.
          contents: 'list',
          assigner: { kind: 'global' },
          trigger: { kind: 'purging', nested: { kind: 'count', maxCount: 5 } },
          evictor: { kind: 'count', maxCount: 3, doEvictAfter: true },
          allowedLateness: 0,
          lateTag: null,
        },
        {
          contents: 'aggregate',
          assigner: { kind: 'sliding-event-time', size: 10_000, slide: 5_000, offset: 0 },
          size: 10_000,
          slide: 5_000,
          offset: 0,
          allowedLateness: 0,
          lateTag: null,
        },
      ],
    );
    const source = ops.find((o) => o.kind === 'source');
    assert.deepEqual(source?.config, {
      boundedness: 'bounded',
      source: { kind: 'connector', identifier: 'nexmark', options: { events: 10 } },
      watermarkStrategy: {
        generator: { kind: 'bounded-out-of-orderness', maxOutOfOrderness: 4000 },
        timestampAssigner: { kind: 'record-timestamp' },
        idleTimeout: 60_000,
      },
    });
    const sinks = ops.filter((o) => o.kind === 'sink');
    assert.deepEqual(
      sinks.map((s) => s.config),
      sinks.map(() => ({
        maxInFlight: 16,
        sink: { kind: 'connector', identifier: 'print', options: { target: 'stdout' } },
      })),
    );
  });

  it('custom parts are custom in the plan and travel as objects', () => {
    const env = StreamExecutionEnvironment.createLocalEnvironment(1);
    const s = env
      .fromElements({ t: 1, v: 1 }, { t: 2, v: 2 })
      .assignTimestampsAndWatermarks(
        WatermarkStrategy.forMonotonousTimestamps<{ t: number; v: number }>().withTimestampAssigner(
          (e) => e.t,
        ),
      );
    s.keyBy((e) => e.v)
      .window(EventTimeSessionWindows.withDynamicGap((e: { t: number }) => e.t + 1))
      .evictor(DeltaEvictor.of(1, (a: { v: number }, b: { v: number }) => a.v - b.v) as never)
      .process((_k, _c, els, out) => out.collect([...els].length))
      .print();
    const { graph, functions } = env.createPlan('custom');
    const ops = graph.vertices.flatMap((v) => v.operators);
    const tw = ops.find((o) => o.kind === 'timestamps-watermarks')!;
    assert.deepEqual(tw.config, {
      watermarkStrategy: {
        generator: { kind: 'monotonous' },
        timestampAssigner: { kind: 'custom' },
        idleTimeout: null,
      },
    });
    assert.ok(functions.operators.get(tw.uid)?.extra?.strategy instanceof WatermarkStrategy);
    const w = ops.find((o) => o.kind === 'window')!;
    assert.equal(w.kind === 'window' && w.config.assigner.kind, 'dynamic-event-time-session');
    assert.deepEqual(w.kind === 'window' && w.config.evictor, {
      kind: 'delta',
      threshold: 1,
      doEvictAfter: false,
    });
    const extra = functions.operators.get(w.uid)?.extra ?? {};
    assert.ok(extra.assigner instanceof EventTimeSessionWindows);
    assert.ok(extra.evictor instanceof DeltaEvictor);
    // The elements are plain JSON: the collection source is a connector in the plan.
    const source = ops.find((o) => o.kind === 'source')!;
    assert.deepEqual(source.kind === 'source' && source.config.source, {
      kind: 'connector',
      identifier: 'collection',
      options: {
        elements: [
          { t: 1, v: 1 },
          { t: 2, v: 2 },
        ],
      },
    });
  });

  it('assigners and triggers survive a round trip through their specs', () => {
    for (const a of [
      TumblingEventTimeWindows.of(1_000, 100),
      SlidingEventTimeWindows.of(1_000, 250, 50),
      EventTimeSessionWindows.withGap(30),
      GlobalWindows.create(),
    ]) {
      const spec = windowAssignerToSpec(a);
      assert.deepEqual(windowAssignerToSpec(windowAssignerFromSpec(JSON.parse(JSON.stringify(spec)))), spec);
      assert.equal(String(windowAssignerFromSpec(spec)), String(a));
    }
    const trigger = PurgingTrigger.of(CountTrigger.of(7));
    assert.deepEqual(triggerToSpec(triggerFromSpec(triggerToSpec(trigger))), {
      kind: 'purging',
      nested: { kind: 'count', maxCount: 7 },
    });
    assert.throws(
      () => windowAssignerFromSpec({ kind: 'custom' }),
      (e: unknown) => e instanceof WeirError && e.code === 'INVALID_GRAPH',
    );
  });

  it('a field timestamp assigner reads epoch ms or a Date, and names the field when it holds neither', () => {
    const strategy = WatermarkStrategy.fromSpec<Record<string, unknown>>({
      generator: { kind: 'monotonous' },
      timestampAssigner: { kind: 'field', name: 'dateTime' },
      idleTimeout: null,
    });
    const assign = strategy.timestampAssigner!;
    assert.equal(assign({ dateTime: 42 }, undefined), 42);
    assert.equal(assign({ dateTime: new Date(7) }, undefined), 7);
    assert.throws(
      () => assign({ dateTime: 'soon' }, undefined),
      (e: unknown) => e instanceof WeirError && /"dateTime"/.test(e.message),
    );
    assert.deepEqual(strategy.toSpec().timestampAssigner, { kind: 'field', name: 'dateTime' });
  });
});
