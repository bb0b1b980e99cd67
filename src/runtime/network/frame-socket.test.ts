import assert from 'node:assert/strict';
import { once } from 'node:events';
import net from 'node:net';
import { describe, it } from 'node:test';
import { selfSignedCertificate } from '../../../test/support/self-signed.ts';
import { WeirError } from '../../core/errors.ts';
import {
  type ConnectFramesOptions,
  connectFrames,
  FRAME_PROTOCOL_VERSION,
  type FrameCloseReason,
  FrameParser,
  type FrameServer,
  type FrameSocket,
  type ListenFramesOptions,
  listenFrames,
  parseJsonFrame,
} from './frame-socket.ts';

function frame(type: number, body: Uint8Array): Buffer {
  const h = Buffer.alloc(5);
  h.writeUInt32BE(body.length, 0);
  h[4] = type;
  return Buffer.concat([h, body]);
}

function collectFrames(max = 1 << 20) {
  const got: Array<{ type: number; body: number[]; owned: boolean }> = [];
  const parser = new FrameParser(
    (type, body, owned) => {
      if (owned) assert.equal(body.byteLength, body.buffer.byteLength, 'an owned body is its whole buffer');
      got.push({ type, body: [...body], owned });
    },
    { maxFrameBytes: max, describePeer: () => 'tm-9 at 10.1.2.3:4567' },
  );
  return { got, parser };
}

/** A server and a client connected through the handshake; `sockets` resolve to both ends. */
async function pair(
  server: Partial<ListenFramesOptions> = {},
  client: Partial<ConnectFramesOptions> = {},
): Promise<{ server: FrameServer; a: FrameSocket; b: FrameSocket }> {
  let accept!: (s: FrameSocket) => void;
  const accepted = new Promise<FrameSocket>((r) => {
    accept = r;
  });
  const srv = await listenFrames({ id: 'tm-server', ...server }, { connection: accept });
  const { port } = srv.address();
  const b = await connectFrames({ host: '127.0.0.1', port, id: 'tm-client', role: 'test', ...client });
  return { server: srv, a: await accepted, b };
}

/** Frames and close of a socket, as promises. */
function record(socket: FrameSocket) {
  const frames: Array<{ type: number; body: Buffer }> = [];
  let wake: (() => void) | undefined;
  const closed = new Promise<FrameCloseReason>((resolve) =>
    socket.handle({
      frame: (type, body) => {
        frames.push({ type, body: Buffer.from(body) });
        wake?.();
      },
      close: resolve,
    }),
  );
  return {
    frames,
    closed,
    async until(n: number) {
      while (frames.length < n) await new Promise<void>((r) => (wake = r));
    },
  };
}

describe('frame parser', () => {
  const stream = Buffer.concat([
    frame(16, Buffer.from('hello')),
    frame(17, new Uint8Array(0)),
    frame(200, Buffer.alloc(300, 7)),
    frame(16, Buffer.from([1, 2, 3])),
  ]);
  const expected = [
    { type: 16, body: [...Buffer.from('hello')] },
    { type: 17, body: [] },
    { type: 200, body: [...Buffer.alloc(300, 7)] },
    { type: 16, body: [1, 2, 3] },
  ];

  it('cuts frames merged in one chunk, as views of it', () => {
    const { got, parser } = collectFrames();
    parser.push(stream);
    assert.deepEqual(
      got.map(({ type, body }) => ({ type, body })),
      expected,
    );
    assert.equal(got[0].owned, false, 'a whole frame inside a chunk is a view, not a copy');
  });

  it('reassembles frames split at every byte boundary, and at every pair of boundaries', () => {
    for (let i = 0; i <= stream.length; i++) {
      const { got, parser } = collectFrames();
      parser.push(stream.subarray(0, i));
      parser.push(stream.subarray(i));
      assert.deepEqual(
        got.map(({ type, body }) => ({ type, body })),
        expected,
        `split at ${i}`,
      );
    }
    for (let i = 0; i < stream.length; i += 7) {
      for (let j = i; j <= stream.length; j += 3) {
        const { got, parser } = collectFrames();
        parser.push(stream.subarray(0, i));
        parser.push(stream.subarray(i, j));
        parser.push(stream.subarray(j));
        assert.deepEqual(
          got.map(({ type, body }) => ({ type, body })),
          expected,
          `split at ${i} and ${j}`,
        );
      }
    }
  });

  it('reassembles a stream fed one byte at a time', () => {
    const { got, parser } = collectFrames();
    for (const byte of stream) parser.push(Uint8Array.of(byte));
    assert.deepEqual(
      got.map(({ type, body }) => ({ type, body })),
      expected,
    );
  });

  it('refuses a frame over the limit from its header, naming the peer and the size', () => {
    const { got, parser } = collectFrames(100);
    parser.push(frame(16, Buffer.alloc(100)));
    assert.equal(got.length, 1, 'a frame of exactly the limit passes');
    assert.throws(
      () => parser.push(frame(16, Buffer.alloc(101)).subarray(0, 5)),
      (e: unknown) =>
        e instanceof WeirError &&
        e.code === 'PAYLOAD_TOO_LARGE' &&
        e.message.includes('101 bytes') &&
        e.message.includes('tm-9 at 10.1.2.3:4567') &&
        e.message.includes('limit of 100'),
    );
  });
});

describe('frame sockets', () => {
  it('exchange JSON and binary frames after the handshake, with ids and the close reason', async () => {
    const { server, a, b } = await pair({ secret: 's3cret' }, { secret: 's3cret' });
    try {
      assert.equal(a.peerId, 'tm-client');
      assert.equal(a.peerRole, 'test');
      assert.equal(b.peerId, 'tm-server');
      const ra = record(a);
      const rb = record(b);
      b.sendJson(20, { hello: 'server', n: 1 });
      b.sendBinary(21, Buffer.from([1, 2]), Buffer.from([3, 4, 5]), new Uint8Array(0), Buffer.from([6]));
      const big = Buffer.alloc(3 * 1024 * 1024, 9);
      b.sendBinary(22, Buffer.from('head'), big);
      await ra.until(3);
      assert.equal(ra.frames[0].type, 20);
      assert.deepEqual(parseJsonFrame(ra.frames[0].body), { hello: 'server', n: 1 });
      assert.deepEqual([...ra.frames[1].body], [1, 2, 3, 4, 5, 6]);
      assert.equal(ra.frames[2].body.length, 4 + big.length);
      assert.ok(ra.frames[2].body.subarray(4).equals(big));
      a.sendJson(30, { back: true });
      await rb.until(1);
      assert.deepEqual(parseJsonFrame(rb.frames[0].body), { back: true });
      assert.ok(b.bytesSent > big.length);
      assert.equal(a.bytesReceived, b.bytesSent);
      a.close('job done');
      assert.deepEqual(await rb.closed, { kind: 'peer', reason: 'job done' });
      assert.deepEqual(await ra.closed, { kind: 'local', reason: 'job done' });
    } finally {
      a.destroy();
      b.destroy();
      await server.close();
    }
  });

  it('queue frames that arrive before the handler is set', async () => {
    const { server, a, b } = await pair();
    try {
      for (let i = 0; i < 5; i++) b.sendJson(16, { i });
      // Let them arrive while no handler is set.
      while (a.bytesReceived === 0) await new Promise((r) => setImmediate(r));
      const ra = record(a);
      await ra.until(5);
      assert.deepEqual(
        ra.frames.map((f) => parseJsonFrame<{ i: number }>(f.body).i),
        [0, 1, 2, 3, 4],
      );
    } finally {
      a.destroy();
      b.destroy();
      await server.close();
    }
  });

  it('refuse a wrong secret on both sides with UNAUTHORIZED, without sending the secret or any data', async () => {
    const refused: WeirError[] = [];
    let connections = 0;
    let wake!: () => void;
    const refusal = new Promise<void>((r) => (wake = r));
    const seen: Buffer[] = [];
    const server = await listenFrames(
      { id: 'tm-1', secret: 'right-secret' },
      {
        connection: () => connections++,
        refused: (e) => {
          refused.push(e);
          wake();
        },
      },
    );
    // A proxy in the middle records every byte the client sends.
    const proxy = net.createServer((c) => {
      const s = net.connect(server.address().port, '127.0.0.1');
      c.on('data', (d) => {
        seen.push(d);
        s.write(d);
      });
      s.on('data', (d) => c.write(d));
      c.on('close', () => s.destroy());
      s.on('close', () => c.destroy());
      c.on('error', () => {});
      s.on('error', () => {});
    });
    await new Promise<void>((r) => proxy.listen(0, '127.0.0.1', r));
    const proxyPort = (proxy.address() as net.AddressInfo).port;
    try {
      await assert.rejects(
        connectFrames({
          host: '127.0.0.1',
          port: proxyPort,
          id: 'tm-2',
          role: 'data-plane',
          secret: 'wrong-secret',
          expectPeerId: 'tm-1',
        }),
        (e: unknown) =>
          e instanceof WeirError &&
          e.code === 'UNAUTHORIZED' &&
          e.message.includes(`tm-1 at 127.0.0.1:${proxyPort} refused the connection`) &&
          e.message.includes('wrong shared secret') &&
          !e.message.includes('secret-'),
      );
      await refusal;
      assert.equal(refused[0].code, 'UNAUTHORIZED');
      assert.match(
        refused[0].message,
        /refused connection from 127\.0\.0\.1:\d+ \(claims to be data-plane tm-2\)/,
      );
      assert.ok(!refused[0].message.includes('secret-'));
      assert.equal(connections, 0, 'no connection reached the application');
      assert.ok(!Buffer.concat(seen).includes('wrong-secret'), 'the secret never crossed the wire');
    } finally {
      await server.close();
      proxy.close();
    }
  });

  it('refuse a server that cannot prove the secret (the client authenticates the server too)', async () => {
    // An impostor that answers the handshake without knowing the secret.
    const impostor = net.createServer((c) => {
      c.write(frame(1, Buffer.from(JSON.stringify({ v: FRAME_PROTOCOL_VERSION, id: 'tm-1', nonce: 'ab' }))));
      c.on('data', () =>
        c.write(frame(3, Buffer.from(JSON.stringify({ id: 'tm-1', mac: '00'.repeat(32) })))),
      );
      c.on('error', () => {});
    });
    await new Promise<void>((r) => impostor.listen(0, '127.0.0.1', r));
    const port = (impostor.address() as net.AddressInfo).port;
    try {
      await assert.rejects(
        connectFrames({ host: '127.0.0.1', port, id: 'tm-2', role: 'data-plane', secret: 'x' }),
        (e: unknown) =>
          e instanceof WeirError &&
          e.code === 'UNAUTHORIZED' &&
          e.message.includes('did not prove the shared secret'),
      );
    } finally {
      impostor.close();
    }
  });

  it('report a protocol version mismatch clearly, on both sides', async () => {
    // A client of another version against a real server.
    const refused: WeirError[] = [];
    let wake!: () => void;
    const refusal = new Promise<void>((r) => (wake = r));
    const server = await listenFrames(
      { id: 'tm-1' },
      {
        connection: () => assert.fail('no connection'),
        refused: (e) => {
          refused.push(e);
          wake();
        },
      },
    );
    const raw = net.connect(server.address().port, '127.0.0.1');
    const replies: Buffer[] = [];
    raw.on('data', (d) => {
      replies.push(d);
      if (replies.length === 1) {
        raw.write(
          frame(
            2,
            Buffer.from(JSON.stringify({ v: 99, id: 'tm-x', role: 'data-plane', nonce: 'a', mac: 'b' })),
          ),
        );
      }
    });
    await Promise.all([refusal, once(raw, 'close')]);
    await server.close();
    assert.equal(refused[0].code, 'CLUSTER_UNAVAILABLE');
    assert.match(refused[0].message, /speaks frame protocol version 99, this process 1/);
    assert.match(Buffer.concat(replies).toString(), /protocol version mismatch: server 1, client 99/);

    // A server of another version against a real client.
    const old = net.createServer((c) => {
      c.write(frame(1, Buffer.from(JSON.stringify({ v: 0, id: 'tm-1', nonce: 'ab' }))));
      c.on('error', () => {});
    });
    await new Promise<void>((r) => old.listen(0, '127.0.0.1', r));
    try {
      await assert.rejects(
        connectFrames({
          host: '127.0.0.1',
          port: (old.address() as net.AddressInfo).port,
          id: 'c',
          role: 't',
        }),
        /speaks frame protocol version 0, this process 1: run the same Weir version/,
      );
    } finally {
      old.close();
    }
  });

  it('run the handshake with an empty secret when none is configured, exchanging ids', async () => {
    const { server, a, b } = await pair();
    try {
      assert.equal(a.peerId, 'tm-client');
      assert.equal(b.peerId, 'tm-server');
    } finally {
      a.destroy();
      b.destroy();
      await server.close();
    }
    // But one side with a secret and the other without do not connect.
    const s2 = await listenFrames({ id: 'tm-server', secret: 'x' }, { connection: () => {} });
    try {
      await assert.rejects(
        connectFrames({ host: '127.0.0.1', port: s2.address().port, id: 'c', role: 't' }),
        (e: unknown) => e instanceof WeirError && e.code === 'UNAUTHORIZED',
      );
    } finally {
      await s2.close();
    }
  });

  it('refuse to listen on a non-loopback address without a secret', async () => {
    await assert.rejects(
      listenFrames({ id: 'tm-1', host: '0.0.0.0' }, { connection: () => {} }),
      (e: unknown) => e instanceof WeirError && e.code === 'TOKEN_REQUIRED' && e.message.includes('0.0.0.0'),
    );
  });

  it('close the connection when a frame exceeds the receiver limit, telling the sender why', async () => {
    const { server, a, b } = await pair({ maxFrameBytes: 1000 });
    try {
      const ra = record(a);
      const rb = record(b);
      b.sendBinary(16, Buffer.alloc(1000));
      await ra.until(1);
      b.sendBinary(16, Buffer.alloc(1001));
      const here = await ra.closed;
      assert.equal(here.kind, 'error');
      assert.match(
        here.kind === 'error' ? here.error.message : '',
        /frame of 1001 bytes from tm-client at 127\.0\.0\.1:\d+ exceeds the limit of 1000/,
      );
      const there = await rb.closed;
      assert.equal(there.kind, 'peer');
      assert.match(there.kind === 'peer' ? there.reason : '', /exceeds the limit of 1000/);
      assert.throws(() => a.sendBinary(16, Buffer.alloc(1001)), /PAYLOAD_TOO_LARGE|exceeds the limit/);
    } finally {
      a.destroy();
      b.destroy();
      await server.close();
    }
  });

  it('close with an error when the peer sends nothing within the heartbeat timeout', async () => {
    const { server, a, b } = await pair(
      { heartbeat: false },
      { heartbeat: { intervalMs: 20, timeoutMs: 150 } },
    );
    try {
      const rb = record(b);
      const reason = await rb.closed;
      assert.equal(reason.kind, 'error');
      assert.match(
        reason.kind === 'error' ? reason.error.message : '',
        /no frame from tm-server at .* for \d+ ms \(heartbeat timeout 150 ms\)/,
      );
    } finally {
      a.destroy();
      b.destroy();
      await server.close();
    }
  });

  it('keep a connection alive with heartbeats while idle', async () => {
    // The time is what is tested: idle for twice the timeout, the connection stays. The timeout is
    // far above the interval, so that a loaded machine's late heartbeats do not end it.
    const hb = { intervalMs: 20, timeoutMs: 600 };
    const { server, a, b } = await pair({ heartbeat: hb }, { heartbeat: hb });
    try {
      const ra = record(a);
      await new Promise((r) => setTimeout(r, 1_200));
      assert.ok(a.open && b.open, 'still open after twice the timeout');
      b.sendJson(16, { ok: 1 });
      await ra.until(1);
    } finally {
      a.destroy();
      b.destroy();
      await server.close();
    }
  });

  it('run over TLS with a self-signed certificate', async () => {
    const certificate = selfSignedCertificate();
    try {
      const { key, cert } = certificate;
      const { server, a, b } = await pair(
        { secret: 's', tls: { key, cert } },
        { secret: 's', tls: { ca: cert } },
      );
      try {
        const ra = record(a);
        b.sendBinary(40, Buffer.from('over tls'), Buffer.alloc(200_000, 1));
        await ra.until(1);
        assert.equal(ra.frames[0].body.subarray(0, 8).toString(), 'over tls');
        assert.equal(ra.frames[0].body.length, 200_008);
      } finally {
        a.destroy();
        b.destroy();
        await server.close();
      }
      // A client that does not trust the certificate does not connect.
      const refused: WeirError[] = [];
      const s2 = await listenFrames(
        { id: 's', tls: { key, cert } },
        { connection: () => {}, refused: (e) => refused.push(e) },
      );
      try {
        await assert.rejects(
          connectFrames({ host: '127.0.0.1', port: s2.address().port, id: 'c', role: 't', tls: {} }),
          (e: unknown) =>
            e instanceof WeirError &&
            e.code === 'CLUSTER_UNAVAILABLE' &&
            /self-signed|certificate/i.test(e.message),
        );
      } finally {
        await s2.close();
      }
    } finally {
      certificate.remove();
    }
  });
});
