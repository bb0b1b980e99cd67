import assert from 'node:assert/strict';
import { type ClientRequest, type IncomingMessage, request } from 'node:http';
import { describe, it } from 'node:test';
import type { JobSummary } from '../../src/server/dispatcher.ts';
import { createRestApp, type RestServerOptions } from '../../src/server/rest-server.ts';
import { FakeDispatcher, JOB_ID } from './fake-dispatcher.ts';

/** Upper bound for anything a test waits on; the waits themselves end on events. */
const DEADLINE_MS = 20_000;

/** One event or comment of a stream, as it arrived. */
type Item =
  | { kind: 'event'; event: string; data: any }
  | { kind: 'comment'; text: string }
  | { kind: 'retry' };

/** A client of one event stream: reads what arrives, item by item. */
class StreamClient {
  readonly response: IncomingMessage;
  readonly request: ClientRequest;
  private buffer = '';
  private readonly items: Item[] = [];
  private waiter: (() => void) | undefined;
  ended = false;

  private constructor(req: ClientRequest, res: IncomingMessage) {
    this.request = req;
    this.response = res;
    res.setEncoding('utf8');
    res.on('data', (chunk: string) => {
      this.buffer += chunk;
      let end = this.buffer.indexOf('\n\n');
      while (end >= 0) {
        this.items.push(parse(this.buffer.slice(0, end)));
        this.buffer = this.buffer.slice(end + 2);
        end = this.buffer.indexOf('\n\n');
      }
      this.waiter?.();
    });
    const over = () => {
      this.ended = true;
      this.waiter?.();
    };
    res.on('end', over);
    res.on('close', over);
    res.on('error', over);
  }

  static open(url: string, path: string, headers: Record<string, string> = {}): Promise<StreamClient> {
    return new Promise((resolve, reject) => {
      const req = request(`${url}${path}`, { headers }, (res) => resolve(new StreamClient(req, res)));
      req.on('error', reject);
      req.end();
    });
  }

  /** The next item that satisfies `accept` (items before it are dropped). */
  async next(accept: (item: Item) => boolean = (i) => i.kind === 'event'): Promise<Item> {
    const deadline = Date.now() + DEADLINE_MS;
    for (;;) {
      const item = this.items.shift();
      if (item !== undefined) {
        if (accept(item)) return item;
        continue;
      }
      if (this.ended) throw new Error('the stream ended');
      if (Date.now() > deadline) throw new Error('no item before the deadline');
      await new Promise<void>((resolve) => {
        this.waiter = resolve;
        setTimeout(resolve, 500).unref();
      });
    }
  }

  /** Resolves once the server has ended the stream. */
  async whenEnded(): Promise<void> {
    const deadline = Date.now() + DEADLINE_MS;
    while (!this.ended) {
      if (Date.now() > deadline) throw new Error('the stream did not end');
      this.items.length = 0;
      await new Promise<void>((resolve) => {
        this.waiter = resolve;
        setTimeout(resolve, 500).unref();
      });
    }
  }

  close(): void {
    this.request.destroy();
  }
}

function parse(block: string): Item {
  if (block.startsWith(':')) return { kind: 'comment', text: block.slice(1).trim() };
  if (block.startsWith('retry:')) return { kind: 'retry' };
  const lines = block.split('\n');
  const event = lines.find((l) => l.startsWith('event: '))!.slice(7);
  const data = lines.filter((l) => l.startsWith('data: ')).map((l) => l.slice(6));
  assert.equal(data.length, 1, 'one data line per event');
  return { kind: 'event', event, data: JSON.parse(data[0]) };
}

/** A dispatcher that counts its reads. */
class CountingDispatcher extends FakeDispatcher {
  overviews = 0;
  jobReads = 0;
  override overview() {
    this.overviews++;
    return super.overview();
  }
  override job(jobId: string) {
    this.jobReads++;
    return super.job(jobId);
  }
}

/** A listening server (the app itself, to count its connections). */
async function start(options: Partial<RestServerOptions> = {}) {
  const dispatcher = (options.dispatcher as CountingDispatcher | undefined) ?? new CountingDispatcher();
  const app = createRestApp({
    ui: false,
    events: { intervalMs: 50, heartbeatMs: 10_000 },
    ...options,
    dispatcher,
  });
  await app.listen({ host: '127.0.0.1', port: 0 });
  const address = app.server.address();
  assert.ok(typeof address === 'object' && address !== null);
  const server = {
    close: () => app.close(),
    connections: () =>
      new Promise<number>((resolve, reject) =>
        app.server.getConnections((error, count) => (error ? reject(error) : resolve(count))),
      ),
  };
  return { server, dispatcher, url: `http://127.0.0.1:${address.port}` };
}

describe('server-sent events', () => {
  it('GET /events sends the overview at once and then on every tick; the server notices a client leaving', async () => {
    const { server, dispatcher, url } = await start();
    try {
      const a = await StreamClient.open(url, '/events');
      assert.equal(a.response.statusCode, 200);
      assert.match(String(a.response.headers['content-type']), /^text\/event-stream/);
      assert.equal(a.response.headers['cache-control'], 'no-cache, no-transform');
      const first = (await a.next()) as Extract<Item, { kind: 'event' }>;
      assert.equal(first.event, 'overview');
      assert.deepEqual(first.data.overview, dispatcher.overview());
      assert.deepEqual(
        first.data.jobs.map((j: JobSummary) => j.jid),
        dispatcher.jobs().map((j) => j.jid),
      );
      assert.equal(first.data.taskmanagers[0].hardware.cpuCores, 8);
      const second = (await a.next()) as Extract<Item, { kind: 'event' }>;
      assert.equal(second.event, 'overview');

      // The client leaves: its stream's timer stops (no more overview reads) while another stream goes on.
      a.close();
      const deadline = Date.now() + DEADLINE_MS;
      while ((await server.connections()) > 0) {
        assert.ok(Date.now() < deadline, 'the server kept the connection');
        await new Promise((resolve) => setImmediate(resolve));
      }
      const overviews = dispatcher.overviews;
      const b = await StreamClient.open(url, `/jobs/${JOB_ID}/events`);
      for (let i = 0; i < 4; i++) await b.next(); // four ticks of b: several of a's would have passed
      assert.equal(dispatcher.overviews, overviews, 'the stream of the client that left was ended');
      b.close();
    } finally {
      await server.close();
    }
  });

  it('GET /jobs/:jobid/events sends the job, its plan, checkpoints, exceptions and watermarks per vertex', async () => {
    const { server, dispatcher, url } = await start();
    try {
      const s = await StreamClient.open(url, `/jobs/${JOB_ID}/events`);
      const { event, data } = (await s.next()) as Extract<Item, { kind: 'event' }>;
      assert.equal(event, 'job');
      assert.deepEqual(data.job, dispatcher.job(JOB_ID));
      assert.deepEqual(data.plan, dispatcher.plan(JOB_ID));
      assert.deepEqual(data.checkpoints, dispatcher.checkpoints(JOB_ID));
      assert.deepEqual(data.exceptions, dispatcher.exceptions(JOB_ID));
      assert.deepEqual(Object.keys(data.watermarks), ['v-source', 'v-detect']);
      assert.deepEqual(data.watermarks['v-detect'], dispatcher.watermarks(JOB_ID, 'v-detect'));
      s.close();

      // An unknown job is a JSON 404, as on every job route.
      const missing = await StreamClient.open(url, '/jobs/no-such-job/events');
      assert.equal(missing.response.statusCode, 404);
      assert.match(String(missing.response.headers['content-type']), /^application\/json/);
      missing.close();
    } finally {
      await server.close();
    }
  });

  it('sends one last event for an ended job, then only heartbeats', async () => {
    const { server, dispatcher, url } = await start({ events: { intervalMs: 20, heartbeatMs: 60 } });
    try {
      const finished = dispatcher.jobs().find((j) => j.state === 'FINISHED')!.jid;
      const s = await StreamClient.open(url, `/jobs/${finished}/events`);
      assert.equal(((await s.next()) as any).data.job.state, 'FINISHED');
      const reads = dispatcher.jobReads;
      // Two heartbeats, and no event in between.
      for (let i = 0; i < 2; i++) {
        const item = await s.next((x) => x.kind !== 'retry');
        assert.deepEqual(item, { kind: 'comment', text: 'heartbeat' });
      }
      assert.equal(dispatcher.jobReads, reads);
      s.close();
    } finally {
      await server.close();
    }
  });

  it('requires the token like every route, and streams with it', async () => {
    const { server, url } = await start({ token: 'sse-token' });
    try {
      const refused = await StreamClient.open(url, '/events');
      assert.equal(refused.response.statusCode, 401);
      refused.close();
      const s = await StreamClient.open(url, '/events', { authorization: 'Bearer sse-token' });
      assert.equal(s.response.statusCode, 200);
      assert.equal(((await s.next()) as any).event, 'overview');
      s.close();
    } finally {
      await server.close();
    }
  });

  it('refuses a stream beyond the most it keeps open with 503, and takes one again once one closed', async () => {
    const { server, url } = await start({ events: { intervalMs: 50, heartbeatMs: 10_000, maxStreams: 2 } });
    try {
      const a = await StreamClient.open(url, '/events');
      const b = await StreamClient.open(url, `/jobs/${JOB_ID}/events`);
      await a.next();
      await b.next();
      const refused = await fetch(`${url}/events`);
      assert.equal(refused.status, 503);
      assert.equal(((await refused.json()) as { code: string }).code, 'CLUSTER_UNAVAILABLE');
      a.close();
      await a.whenEnded();
      const deadline = Date.now() + DEADLINE_MS;
      for (;;) {
        const c = await StreamClient.open(url, '/events');
        if (c.response.statusCode === 200) {
          c.close();
          break;
        }
        c.close();
        assert.ok(Date.now() < deadline, 'no stream was taken after one closed');
        await new Promise((resolve) => setTimeout(resolve, 20));
      }
      b.close();
    } finally {
      await server.close();
    }
  });

  it('ends every open stream when the server closes', async () => {
    const { server, url } = await start();
    const s = await StreamClient.open(url, '/events');
    await s.next();
    await server.close(); // would hang on an open stream
    await s.whenEnded();
  });

  it('holds at most one snapshot for a client that reads nothing, and drops it after two heartbeats', async () => {
    // Snapshots of ~8 MB: more than the sockets take, so the server's own buffer fills.
    const big = new CountingDispatcher();
    const job = big.jobs()[0];
    const many: JobSummary[] = Array.from({ length: 40_000 }, (_, i) => ({
      ...job,
      name: `job ${i} ${'x'.repeat(120)}`,
    }));
    big.jobs = () => many;
    const { server, dispatcher, url } = await start({
      dispatcher: big,
      events: { intervalMs: 20, heartbeatMs: 200 },
    });
    try {
      const s = await StreamClient.open(url, '/events');
      s.response.pause(); // reads nothing more
      // The server drops the connection (a paused client does not notice until it reads again).
      const deadline = Date.now() + DEADLINE_MS;
      while ((await server.connections()) > 0) {
        assert.ok(Date.now() < deadline, 'the server kept the stuck client');
        await new Promise((resolve) => setTimeout(resolve, 20));
      }
      // Ticks were skipped while a snapshot waited: not one per tick (the sockets may take a second one).
      assert.ok(
        dispatcher.overviews <= 2,
        `${dispatcher.overviews} snapshots for a client that reads nothing`,
      );
      s.close();
    } finally {
      await server.close();
    }
  });
});
