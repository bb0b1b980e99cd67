import assert from 'node:assert/strict';
import { once } from 'node:events';
import net from 'node:net';
import { after, describe, it } from 'node:test';
import {
  isMainThread,
  MessageChannel,
  type MessagePort,
  parentPort,
  Worker,
  workerData,
} from 'node:worker_threads';
import { selfSignedCertificate } from '../../../test/support/self-signed.ts';
import type { WeirError } from '../../core/errors.ts';
import { NO_TIMESTAMP, type StreamElement } from '../../core/stream-element.ts';
import { BatchCodec } from './batch-codec.ts';
import { DATA_PLANE_ROLE, DataPlane, type DataRoute } from './data-plane.ts';
import { connectFrames } from './frame-socket.ts';
import { PeerLink, type PeerMessage, RemoteInputChannel, RemoteOutputChannel } from './remote-channel.ts';
import { Wakeup } from './wakeup.ts';

/** Messages arriving on a port, awaited by count. */
function inbox(port: MessagePort) {
  const got: PeerMessage[] = [];
  let wake: (() => void) | undefined;
  port.on('message', (m: PeerMessage) => {
    got.push(m);
    wake?.();
  });
  return {
    got,
    async until(n: number, deadlineMs = 10_000) {
      const end = Date.now() + deadlineMs;
      while (got.length < n) {
        const t = setTimeout(() => wake?.(), Math.max(1, end - Date.now()));
        await new Promise<void>((r) => (wake = r));
        clearTimeout(t);
        if (Date.now() >= end && got.length < n)
          assert.fail(`${got.length} of ${n} messages within ${deadlineMs} ms`);
      }
    },
  };
}

function route(plane: DataPlane, jobId: string, attempt: number, from: number, to: number): DataRoute {
  return { jobId, attempt, from, to, peer: { id: plane.id, ...plane.address } };
}

function peerLost(plane: DataPlane): Promise<[string, string]> {
  return once(plane, 'peer-lost') as Promise<[string, string]>;
}

/** A TCP proxy in front of a plane, so that a test can cut the connection under it. */
async function proxy(target: { host: string; port: number }) {
  const sockets = new Set<net.Socket>();
  let connections = 0;
  const server = net.createServer((c) => {
    connections++;
    const s = net.connect(target.port, target.host);
    c.pipe(s);
    s.pipe(c);
    for (const x of [c, s]) {
      sockets.add(x);
      x.on('error', () => {});
      x.on('close', () => {
        c.destroy();
        s.destroy();
      });
    }
  });
  await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
  return {
    port: (server.address() as net.AddressInfo).port,
    get connections() {
      return connections;
    },
    cut() {
      for (const x of sockets) x.destroy();
    },
    close() {
      for (const x of sockets) x.destroy();
      server.close();
    },
  };
}

/** A mixed sequence on channel `k`, as a producing and a consuming slot would post it. */
function sequence(k: number, codec: BatchCodec, seed: number): PeerMessage[] {
  const numbers = codec.encode({ kind: 'records', values: [seed, seed + 1.5, -seed], timestamps: [1, 2, 3] });
  const objects = codec.encode({
    kind: 'records',
    values: [
      { bidder: seed, url: `https://x/${seed}` },
      { bidder: seed + 1, url: 'ü' },
    ],
    timestamps: [NO_TIMESTAMP, 9],
  });
  const plain = codec.encode({ kind: 'records', values: [{ a: seed }], timestamps: null });
  return [
    { t: 'd', k, v: numbers.values, ts: numbers.timestamps },
    { t: 'w', k, time: 100 + seed },
    { t: 'd', k, v: objects.values, ts: objects.timestamps },
    { t: 'i', k, idle: true },
    { t: 'i', k, idle: false },
    { t: 'b', k, id: 7, savepoint: seed % 2 === 0, loc: `file:///chk/${seed}` },
    { t: 'c', k: k + 1, n: 2 },
    { t: 'd', k, v: plain.values, ts: plain.timestamps },
    { t: 'x', k },
    { t: 'e', k },
  ];
}

/** Plain copies for comparison (typed arrays become arrays of numbers with their kind). */
function plain(m: PeerMessage): unknown {
  if (m.t !== 'd') return m;
  return { ...m, v: [m.v.constructor.name, ...m.v], ts: m.ts && [...m.ts] };
}

if (isMainThread) {
  const planes: DataPlane[] = [];
  const start = async (id: string, extra: Partial<Parameters<typeof DataPlane.start>[0]> = {}) => {
    const p = await DataPlane.start({ id, ...extra });
    planes.push(p);
    return p;
  };
  after(async () => {
    for (const p of planes) await p.close();
  });

  describe('data plane', () => {
    it('relays a mixed sequence on several routes at once, both ways, intact and in order', async () => {
      const a = await start('tm-a');
      const b = await start('tm-b');
      const codec = new BatchCodec();
      const routes = [
        [0, 1],
        [0, 3],
        [2, 1],
        [2, 3],
      ];
      const ends: Array<{
        aSide: MessagePort;
        bSide: MessagePort;
        aIn: ReturnType<typeof inbox>;
        bIn: ReturnType<typeof inbox>;
      }> = [];
      for (const [slotA, slotB] of routes) {
        const ca = new MessageChannel(); // worker on tm-a holds port1
        const cb = new MessageChannel(); // worker on tm-b holds port1
        a.bridge(route(b, 'job-1', 0, slotA, slotB), ca.port2);
        b.bridge(route(a, 'job-1', 0, slotB, slotA), cb.port2);
        ends.push({ aSide: ca.port1, bSide: cb.port1, aIn: inbox(ca.port1), bIn: inbox(cb.port1) });
      }
      const sent = ends.map((_, i) => ({
        ab: sequence(i * 10, codec, i),
        ba: sequence(i * 10 + 5, codec, i + 100),
      }));
      const expected = sent.map(({ ab, ba }) => ({ ab: ab.map(plain), ba: ba.map(plain) }));
      // Interleave the routes, as slots would.
      for (let j = 0; j < sent[0].ab.length; j++) {
        for (let i = 0; i < ends.length; i++) {
          ends[i].aSide.postMessage(sent[i].ab[j]);
          ends[i].bSide.postMessage(sent[i].ba[j]);
        }
      }
      for (let i = 0; i < ends.length; i++) {
        await ends[i].bIn.until(expected[i].ab.length);
        await ends[i].aIn.until(expected[i].ba.length);
        assert.deepEqual(ends[i].bIn.got.map(plain), expected[i].ab, `route ${routes[i]} a -> b`);
        assert.deepEqual(ends[i].aIn.got.map(plain), expected[i].ba, `route ${routes[i]} b -> a`);
      }
      // The receiving slot decodes what arrived.
      const got = ends[0].bIn.got[2];
      assert.ok(got.t === 'd');
      assert.deepEqual(new BatchCodec().decode({ values: got.v, timestamps: got.ts }).values.length, 2);
      const [ta] = a.peers();
      const [tb] = b.peers();
      assert.equal(ta.peerId, 'tm-b');
      assert.equal(ta.connections, 1);
      assert.equal(ta.messagesSent, 40);
      assert.equal(ta.messagesReceived, 40);
      assert.equal(ta.bytesSent, tb.bytesReceived);
      assert.equal(tb.bytesSent, ta.bytesReceived);
      for (const e of ends) {
        e.aSide.close();
        e.bSide.close();
      }
      a.unbridge('job-1');
      b.unbridge('job-1');
    });

    it('relays large batches, split across TCP reads, intact (frames viewed in place and transferred)', async () => {
      const a = await start('tm-l1');
      const b = await start('tm-l2');
      const x = new MessageChannel();
      const y = new MessageChannel();
      a.bridge(route(b, 'job-big', 0, 0, 1), x.port2);
      b.bridge(route(a, 'job-big', 0, 1, 0), y.port2);
      const inY = inbox(y.port1);
      const expected: unknown[] = [];
      for (let i = 0; i < 12; i++) {
        const m: PeerMessage =
          i % 2 === 0
            ? {
                t: 'd',
                k: 1,
                v: Uint8Array.from({ length: 300_001 + i }, (_, j) => (j * 7 + i) & 255),
                ts: null,
              }
            : {
                t: 'd',
                k: 1,
                v: Float64Array.from({ length: 50_000 }, (_, j) => j * 0.5 + i),
                ts: Float64Array.from({ length: 50_000 }, (_, j) => j + i),
              };
        expected.push(plain(m));
        x.port1.postMessage(m);
        x.port1.postMessage({ t: 'w', k: 1, time: i } satisfies PeerMessage);
        expected.push({ t: 'w', k: 1, time: i });
      }
      await inY.until(expected.length);
      assert.deepEqual(inY.got.map(plain), expected);
      x.port1.close();
      y.port1.close();
      a.unbridge('job-big');
      b.unbridge('job-big');
    });

    it('makes one connection per pair of TaskManagers, even when both bridge at the same moment', async () => {
      const [c, d] = await Promise.all([start('tm-c'), start('tm-d')]);
      const pd = await proxy(d.address);
      const pc = await proxy(c.address);
      try {
        const via = (p: { port: number }, id: string) => ({ host: '127.0.0.1', port: p.port, id });
        const ports: MessagePort[] = [];
        for (let job = 0; job < 3; job++) {
          for (let s = 0; s < 2; s++) {
            const x = new MessageChannel();
            const y = new MessageChannel();
            ports.push(x.port1, y.port1);
            // Both sides bridge in the same tick, several routes and jobs.
            c.bridge({ jobId: `j${job}`, attempt: 0, from: s, to: 10 + s, peer: via(pd, 'tm-d') }, x.port2);
            d.bridge({ jobId: `j${job}`, attempt: 0, from: 10 + s, to: s, peer: via(pc, 'tm-c') }, y.port2);
          }
        }
        const inD = inbox(ports[1]);
        ports[0].postMessage({ t: 'w', k: 1, time: 5 } satisfies PeerMessage);
        const inC = inbox(ports[0]);
        ports[1].postMessage({ t: 'c', k: 1, n: 3 } satisfies PeerMessage);
        await inD.until(1);
        await inC.until(1);
        assert.equal(pd.connections + pc.connections, 1, 'one TCP connection in all');
        assert.equal(pd.connections, 1, 'tm-c (the lower id) dialed');
        assert.equal(c.peers()[0].connections, 1);
        assert.equal(d.peers()[0].connections, 1);
        for (const p of ports) p.close();
      } finally {
        pc.close();
        pd.close();
        for (let job = 0; job < 3; job++) {
          c.unbridge(`j${job}`);
          d.unbridge(`j${job}`);
        }
      }
    });

    it('fires peer-lost on both sides when the other plane closes, and connects anew on the next bridge', async () => {
      const e = await start('tm-e');
      const f = await start('tm-f');
      const x = new MessageChannel();
      const y = new MessageChannel();
      e.bridge(route(f, 'job-2', 0, 0, 1), x.port2);
      f.bridge(route(e, 'job-2', 0, 1, 0), y.port2);
      const inF = inbox(y.port1);
      x.port1.postMessage({ t: 'w', k: 0, time: 1 } satisfies PeerMessage);
      await inF.until(1);
      const lostOnF = peerLost(f);
      const lostOnE = peerLost(e);
      // tm-f restarts: its plane closes, e sees the loss.
      await f.close();
      const [peer, reason] = await lostOnE;
      assert.equal(peer, 'tm-f');
      assert.match(reason, /data plane tm-f closed/);
      let fFired = false;
      void lostOnF.then(() => (fFired = true));
      // What e's slot posts now is dropped and counted, not sent.
      x.port1.postMessage({ t: 'w', k: 0, time: 2 } satisfies PeerMessage);
      while (e.peers()[0].dropped === 0) await new Promise((r) => setImmediate(r));
      assert.equal(fFired, false, 'the plane that closed does not report its own closing');
      // A new tm-f, a new attempt: e connects again.
      const f2 = await start('tm-f');
      e.unbridge('job-2', 0);
      const x2 = new MessageChannel();
      const y2 = new MessageChannel();
      e.bridge(route(f2, 'job-2', 1, 0, 1), x2.port2);
      f2.bridge(route(e, 'job-2', 1, 1, 0), y2.port2);
      const inF2 = inbox(y2.port1);
      x2.port1.postMessage({ t: 'w', k: 0, time: 3 } satisfies PeerMessage);
      await inF2.until(1);
      assert.deepEqual(inF2.got, [{ t: 'w', k: 0, time: 3 }]);
      assert.equal(e.peers()[0].connections, 2);
      for (const p of [x.port1, y.port1, x2.port1, y2.port1]) p.close();
      e.unbridge('job-2');
      f2.unbridge('job-2');
    });

    it('fires peer-lost on both sides when the connection is cut', async () => {
      const g = await start('tm-g');
      const h = await start('tm-h');
      const ph = await proxy(h.address);
      try {
        const x = new MessageChannel();
        const y = new MessageChannel();
        g.bridge(
          {
            jobId: 'job-3',
            attempt: 0,
            from: 0,
            to: 1,
            peer: { id: 'tm-h', host: '127.0.0.1', port: ph.port },
          },
          x.port2,
        );
        h.bridge(route(g, 'job-3', 0, 1, 0), y.port2);
        const inH = inbox(y.port1);
        x.port1.postMessage({ t: 'e', k: 0 } satisfies PeerMessage);
        await inH.until(1);
        const lost = Promise.all([peerLost(g), peerLost(h)]);
        ph.cut();
        const [[onG, whyG], [onH]] = await lost;
        assert.equal(onG, 'tm-h');
        assert.equal(onH, 'tm-g');
        assert.match(whyG, /closed|ECONNRESET|ended/);
        x.port1.close();
        y.port1.close();
      } finally {
        ph.close();
        g.unbridge('job-3');
        h.unbridge('job-3');
      }
    });

    it('holds frames for a route not bridged yet, and drops frames of attempts that are over', async () => {
      const i = await start('tm-i');
      const j = await start('tm-j');
      const x = new MessageChannel();
      i.bridge(route(j, 'job-4', 2, 0, 1), x.port2);
      for (let n = 0; n < 5; n++) x.port1.postMessage({ t: 'w', k: 0, time: n } satisfies PeerMessage);
      while (j.peers()[0]?.messagesReceived !== 5) await new Promise((r) => setImmediate(r));
      // Now j bridges its end: the early frames come first, in order.
      const y = new MessageChannel();
      const inJ = inbox(y.port1);
      j.bridge(route(i, 'job-4', 2, 1, 0), y.port2);
      x.port1.postMessage({ t: 'x', k: 0 } satisfies PeerMessage);
      await inJ.until(6);
      assert.deepEqual(
        inJ.got.map((m) => (m.t === 'w' ? m.time : m.t)),
        [0, 1, 2, 3, 4, 'x'],
      );
      // An older attempt of the same job is dropped, not held.
      const old = new MessageChannel();
      i.bridge(route(j, 'job-4', 1, 0, 1), old.port2);
      old.port1.postMessage({ t: 'w', k: 0, time: 99 } satisfies PeerMessage);
      while (j.peers()[0].dropped === 0) await new Promise((r) => setImmediate(r));
      // After unbridge, frames of the job are dropped too.
      j.unbridge('job-4');
      x.port1.postMessage({ t: 'w', k: 0, time: 100 } satisfies PeerMessage);
      while (j.peers()[0].dropped === 1) await new Promise((r) => setImmediate(r));
      assert.equal(j.peers()[0].dropped, 2);
      assert.equal(inJ.got.length, 6);
      assert.throws(() => j.bridge(route(i, 'job-4', 2, 1, 0), new MessageChannel().port2), /was unbridged/);
      for (const p of [x.port1, y.port1, old.port1]) p.close();
      i.unbridge('job-4');
    });

    it('fails the connection when frames for unbridged routes exceed the limit', async () => {
      const k = await start('tm-k');
      const l = await start('tm-l', { maxPendingBytes: 10_000 });
      const x = new MessageChannel();
      k.bridge(route(l, 'job-5', 0, 0, 1), x.port2);
      const lost = peerLost(l);
      const v = new Uint8Array(4_000);
      for (let n = 0; n < 3; n++) x.port1.postMessage({ t: 'd', k: 0, v, ts: null } satisfies PeerMessage);
      const [peer, reason] = await lost;
      assert.equal(peer, 'tm-k');
      assert.match(reason, /bytes arrived from tm-k for routes not bridged yet on tm-l \(limit 10000\)/);
      x.port1.close();
      k.unbridge('job-5');
    });

    it('reports a wrong secret as a lost peer that refused, without data flowing', async () => {
      const m = await start('tm-m', { secret: 'one' });
      const n = await start('tm-n', { secret: 'two' });
      const x = new MessageChannel();
      const y = new MessageChannel();
      const inN = inbox(y.port1);
      n.bridge(route(m, 'job-6', 0, 1, 0), y.port2);
      const lost = peerLost(m);
      const refusedOnN = once(n, 'refused') as Promise<[WeirError]>;
      m.bridge(route(n, 'job-6', 0, 0, 1), x.port2);
      x.port1.postMessage({ t: 'w', k: 0, time: 1 } satisfies PeerMessage);
      const [peer, reason] = await lost;
      assert.equal(peer, 'tm-n');
      assert.match(reason, /tm-n at 127\.0\.0\.1:\d+ refused the connection: wrong shared secret/);
      const [refusal] = await refusedOnN;
      assert.equal(refusal.code, 'UNAUTHORIZED');
      assert.match(
        refusal.message,
        /refused connection from 127\.0\.0\.1:\d+ \(claims to be data-plane tm-m\): wrong shared secret/,
      );
      assert.equal(inN.got.length, 0);
      assert.equal(n.peers()[0]?.messagesReceived ?? 0, 0);
      x.port1.close();
      y.port1.close();
      m.unbridge('job-6');
      n.unbridge('job-6');
    });

    it('refuses a data-plane connection from a higher id (the lower id dials)', async () => {
      const low = await start('tm-a0');
      const socket = await connectFrames({
        ...low.address,
        id: 'tm-b0',
        role: DATA_PLANE_ROLE,
        expectPeerId: 'tm-a0',
      });
      const reason = await socket.closed;
      assert.deepEqual(reason, {
        kind: 'peer',
        reason: 'tm-b0 must not dial tm-a0: the TaskManager with the lower id dials',
      });
    });

    it('gives up waiting for a peer with a lower id that never dials, after connectTimeoutMs', async () => {
      const z = await start('tm-z', { connectTimeoutMs: 100 });
      const lost = peerLost(z);
      const x = new MessageChannel();
      // tm-y sorts lower, so tm-z waits for it; it never comes.
      z.bridge(
        { jobId: 'job-8', attempt: 0, from: 1, to: 0, peer: { id: 'tm-y', host: '127.0.0.1', port: 9 } },
        x.port2,
      );
      const [peer, reason] = await lost;
      assert.equal(peer, 'tm-y');
      assert.match(
        reason,
        /no data-plane connection from tm-y within 100 ms \(its id sorts lower than tm-z, so it dials\)/,
      );
      x.port1.close();
      z.unbridge('job-8');
    });

    it('relays over TLS', async () => {
      const certificate = selfSignedCertificate();
      try {
        const { key, cert } = certificate;
        const tls = { key, cert, ca: cert };
        const s1 = await start('tm-s1', { tls, secret: 'k' });
        const s2 = await start('tm-s2', { tls, secret: 'k' });
        const x = new MessageChannel();
        const y = new MessageChannel();
        s1.bridge(route(s2, 'job-9', 0, 0, 1), x.port2);
        s2.bridge(route(s1, 'job-9', 0, 1, 0), y.port2);
        const inY = inbox(y.port1);
        const inX = inbox(x.port1);
        const v = new Float64Array([1, 2, 3]);
        x.port1.postMessage({ t: 'd', k: 3, v, ts: null } satisfies PeerMessage);
        y.port1.postMessage({ t: 'c', k: 3, n: 1 } satisfies PeerMessage);
        await inY.until(1);
        await inX.until(1);
        assert.deepEqual(plain(inY.got[0]), plain({ t: 'd', k: 3, v, ts: null }));
        assert.deepEqual(inX.got, [{ t: 'c', k: 3, n: 1 }]);
        x.port1.close();
        y.port1.close();
        s1.unbridge('job-9');
        s2.unbridge('job-9');
      } finally {
        certificate.remove();
      }
    });

    it('carries 100,000 numbers between slot threads of two TaskManagers with credit-based flow control', async () => {
      const a = await start('tm-x1');
      const b = await start('tm-x2');
      const toProducer = new MessageChannel();
      const toConsumer = new MessageChannel();
      a.bridge(route(b, 'job-7', 0, 0, 1), toProducer.port2);
      b.bridge(route(a, 'job-7', 0, 1, 0), toConsumer.port2);
      const producer = new Worker(new URL(import.meta.url), {
        workerData: { role: 'producer', port: toProducer.port1 },
        transferList: [toProducer.port1],
      });
      const consumer = new Worker(new URL(import.meta.url), {
        workerData: { role: 'consumer', port: toConsumer.port1 },
        transferList: [toConsumer.port1],
      });
      try {
        const [stalled] = (await once(producer, 'message')) as [{ kind: 'stalled'; sent: number }];
        assert.equal(stalled.sent, CAPACITY * BATCH, 'the producer stops when its credits are spent');
        consumer.postMessage('go');
        const [[done], [result]] = (await Promise.all([
          once(producer, 'message'),
          once(consumer, 'message'),
        ])) as [
          [{ kind: 'done'; stalls: number }],
          [{ count: number; inOrder: boolean; watermark: number; ended: boolean }],
        ];
        assert.ok(done.stalls >= 1, 'and resumes when credit comes back over TCP');
        assert.deepEqual(result, { count: RECORDS, inOrder: true, watermark: RECORDS, ended: true });
      } finally {
        await producer.terminate();
        await consumer.terminate();
        a.unbridge('job-7');
        b.unbridge('job-7');
      }
    });
  });
}

const RECORDS = 100_000;
const BATCH = 1_000;
const CAPACITY = 4;

if (!isMainThread && (workerData as { role?: string })?.role) {
  const { role, port } = workerData as { role: 'producer' | 'consumer'; port: MessagePort };
  const wakeup = new Wakeup();
  const link = new PeerLink(port);
  if (role === 'producer') {
    const out = new RemoteOutputChannel(42, CAPACITY, link, new BatchCodec(), wakeup, BATCH);
    let sent = 0;
    let stalls = 0;
    while (sent < RECORDS) {
      if (!out.hasCapacity()) {
        if (stalls++ === 0) parentPort!.postMessage({ kind: 'stalled', sent });
        await wakeup.wait();
        continue;
      }
      const values = new Array<number>(BATCH);
      for (let i = 0; i < BATCH; i++) values[i] = sent + i;
      out.push({ kind: 'records', values, timestamps: null });
      sent += BATCH;
    }
    out.push({ kind: 'watermark', time: RECORDS });
    out.push({ kind: 'end' });
    parentPort!.postMessage({ kind: 'done', stalls });
  } else {
    const input = new RemoteInputChannel(42, link, new BatchCodec(), wakeup);
    await once(parentPort!, 'message');
    let count = 0;
    let inOrder = true;
    let watermark = -1;
    for (;;) {
      const e: StreamElement | undefined = input.poll();
      if (e === undefined) {
        await wakeup.wait();
        continue;
      }
      if (e.kind === 'records') {
        for (const v of e.values) if (v !== count++) inOrder = false;
      } else if (e.kind === 'watermark') watermark = e.time;
      else if (e.kind === 'end') break;
    }
    parentPort!.postMessage({ count, inOrder, watermark, ended: true });
  }
}
