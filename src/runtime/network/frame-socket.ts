/**
 * Length-prefixed frames over TCP (optionally TLS), for the data plane between TaskManagers
 * (binary frames) and the control-plane RPC (JSON frames).
 *
 * A frame is a 5-byte header — u32 big-endian body length, u8 frame type — followed by the body.
 * Types below {@link FIRST_USER_FRAME_TYPE} belong to this module: the handshake, refusals and the
 * goodbye that carries a close reason. A {@link FrameParser} cuts a byte stream into frames however
 * TCP splits or merges them, and refuses a frame longer than its limit before allocating it.
 *
 * Handshake (both sides prove the shared secret, which never crosses the wire):
 *
 *   server → client  hello    { v, id, nonce: Ns }
 *   client → server  auth     { v, id, role, nonce: Nc, mac: HMAC(secret, Ns + role + id) }
 *   server → client  welcome  { id, mac: HMAC(secret, Nc + "server" + serverId) }
 *
 * Either side answers a wrong MAC or another protocol version with a `refused` frame naming the
 * reason and closes the connection; both then report a WeirError (UNAUTHORIZED for a secret,
 * CLUSTER_UNAVAILABLE for a version). Without a configured secret the handshake still runs, with
 * the empty secret, so that versions and ids are exchanged. Nothing but handshake frames (of at
 * most 4 KiB) is read before the peer proved the secret.
 *
 * After the handshake each side sends a heartbeat frame when it has sent nothing for
 * `heartbeat.intervalMs`, and closes the connection with an error when it has received nothing for
 * `heartbeat.timeoutMs`: a peer behind a link that went down is detected without waiting for TCP.
 */
import { createHmac, randomBytes, timingSafeEqual } from 'node:crypto';
import net from 'node:net';
import tls from 'node:tls';
import { WeirError } from '../../core/errors.ts';

/** The protocol version both sides must speak. */
export const FRAME_PROTOCOL_VERSION = 1;
/** Frame types from this one up are the caller's; those below are reserved by this module. */
export const FIRST_USER_FRAME_TYPE = 16;
/** Default limit of one frame's body. */
export const DEFAULT_MAX_FRAME_BYTES = 256 * 1024 * 1024;

const HEADER_BYTES = 5;
const HANDSHAKE_MAX_FRAME_BYTES = 4096;
const DEFAULT_HANDSHAKE_TIMEOUT_MS = 10_000;
const DEFAULT_HEARTBEAT = { intervalMs: 5_000, timeoutMs: 30_000 };
const KEEPALIVE_DELAY_MS = 15_000;

const T_HELLO = 1;
const T_AUTH = 2;
const T_WELCOME = 3;
const T_REFUSED = 4;
const T_GOODBYE = 5;
const T_HEARTBEAT = 6;

/** TLS material, PEM. A server needs key and cert; a client needs ca (or trusts the system's). */
export interface FrameTlsOptions {
  key?: string | Buffer;
  cert?: string | Buffer;
  ca?: string | Buffer | Array<string | Buffer>;
}

export interface FrameHeartbeat {
  /** Send a heartbeat frame after this long without sending anything. */
  intervalMs: number;
  /** Close the connection after this long without receiving anything. */
  timeoutMs: number;
}

interface CommonOptions {
  /** Shared secret; empty or absent: the handshake runs with the empty secret. */
  secret?: string;
  tls?: FrameTlsOptions;
  /** Largest frame body accepted after the handshake (default 256 MiB). */
  maxFrameBytes?: number;
  handshakeTimeoutMs?: number;
  /** Application-level liveness; `false` disables it (TCP keepalive stays on). */
  heartbeat?: FrameHeartbeat | false;
}

export interface ListenFramesOptions extends CommonOptions {
  /** Default 127.0.0.1. Any non-loopback address requires a secret (TOKEN_REQUIRED otherwise). */
  host?: string;
  /** 0 (default): any free port. */
  port?: number;
  /** This server's id, sent in the handshake (a TaskManager id, "jobmanager"). */
  id: string;
}

export interface ConnectFramesOptions extends CommonOptions {
  host: string;
  port: number;
  /** This client's id. */
  id: string;
  /** What the client is ("taskmanager", "data-plane"): part of the MAC, visible to the server. */
  role: string;
  /** When set, the server must present this id, or the connection is refused. */
  expectPeerId?: string;
}

/** Why a frame socket closed. */
export type FrameCloseReason =
  /** `close()` or `destroy()` was called on this side. */
  | { kind: 'local'; reason: string }
  /** The peer said goodbye (with its reason) or ended the connection. */
  | { kind: 'peer'; reason: string }
  /** A socket error, a protocol violation, an oversize frame or a heartbeat timeout. */
  | { kind: 'error'; error: WeirError };

/** One line for logs and errors. */
export function describeClose(reason: FrameCloseReason): string {
  switch (reason.kind) {
    case 'local':
      return `closed here: ${reason.reason}`;
    case 'peer':
      return `closed by the peer: ${reason.reason}`;
    case 'error':
      return reason.error.message;
  }
}

export interface FrameHandlers {
  /**
   * A frame of a user type. `owned` is true when `body` is the whole of its own ArrayBuffer (it may
   * be kept or transferred as it is); otherwise it is a view into a buffer shared with other
   * frames, valid only during the call: copy what you keep.
   */
  frame(type: number, body: Uint8Array, owned: boolean): void;
  /** Called once, after the last frame. */
  close(reason: FrameCloseReason): void;
}

/**
 * Cuts a byte stream into frames. Frames wholly inside a chunk are handed out as views of it (no
 * copy); a frame split across chunks is assembled into a buffer of its own.
 */
export class FrameParser {
  maxFrameBytes: number;
  private readonly onFrame: (type: number, body: Uint8Array, owned: boolean) => void;
  private readonly header = Buffer.alloc(HEADER_BYTES);
  private headerFill = 0;
  private body: Uint8Array | null = null;
  private bodyFill = 0;
  private bodyType = 0;
  private readonly describePeer: () => string;

  constructor(
    onFrame: (type: number, body: Uint8Array, owned: boolean) => void,
    options: { maxFrameBytes: number; describePeer: () => string },
  ) {
    this.onFrame = onFrame;
    this.maxFrameBytes = options.maxFrameBytes;
    this.describePeer = options.describePeer;
  }

  /** Throws a PAYLOAD_TOO_LARGE WeirError for a frame over the limit. */
  push(chunk: Uint8Array): void {
    let at = 0;
    const n = chunk.length;
    while (at < n) {
      if (this.body !== null) {
        const body = this.body;
        const take = Math.min(body.length - this.bodyFill, n - at);
        body.set(chunk.subarray(at, at + take), this.bodyFill);
        this.bodyFill += take;
        at += take;
        if (this.bodyFill === body.length) {
          this.body = null;
          this.onFrame(this.bodyType, body, true);
        }
        continue;
      }
      if (this.headerFill === 0 && n - at >= HEADER_BYTES) {
        // Fast path: the header is whole in this chunk.
        const length = chunk[at] * 0x1000000 + ((chunk[at + 1] << 16) | (chunk[at + 2] << 8) | chunk[at + 3]);
        const type = chunk[at + 4];
        this.check(length);
        at += HEADER_BYTES;
        if (n - at >= length) {
          this.onFrame(type, chunk.subarray(at, at + length), false);
          at += length;
        } else {
          this.startBody(type, length);
        }
        continue;
      }
      const take = Math.min(HEADER_BYTES - this.headerFill, n - at);
      this.header.set(chunk.subarray(at, at + take), this.headerFill);
      this.headerFill += take;
      at += take;
      if (this.headerFill === HEADER_BYTES) {
        this.headerFill = 0;
        const length = this.header.readUInt32BE(0);
        const type = this.header[4];
        this.check(length);
        if (length === 0) this.onFrame(type, new Uint8Array(0), true);
        else this.startBody(type, length);
      }
    }
  }

  private startBody(type: number, length: number): void {
    this.body = new Uint8Array(length);
    this.bodyFill = 0;
    this.bodyType = type;
  }

  private check(length: number): void {
    if (length > this.maxFrameBytes) {
      throw new WeirError(
        'PAYLOAD_TOO_LARGE',
        `frame of ${length} bytes from ${this.describePeer()} exceeds the limit of ${this.maxFrameBytes} bytes`,
      );
    }
  }
}

/** The 5-byte header of a frame. */
function frameHeader(type: number, length: number): Buffer {
  const h = Buffer.allocUnsafe(HEADER_BYTES);
  h.writeUInt32BE(length, 0);
  h[4] = type;
  return h;
}

function mac(secret: string, ...parts: string[]): Buffer {
  const h = createHmac('sha256', secret);
  for (const p of parts) h.update(p);
  return h.digest();
}

function macMatches(expected: Buffer, hex: unknown): boolean {
  if (typeof hex !== 'string') return false;
  const got = Buffer.from(hex, 'hex');
  return got.length === expected.length && timingSafeEqual(got, expected);
}

function remoteOf(socket: net.Socket): string {
  const host = socket.remoteAddress ?? 'unknown';
  return `${host.includes(':') ? `[${host}]` : host}:${socket.remotePort ?? '?'}`;
}

function parseJson(body: Uint8Array): unknown {
  return JSON.parse(Buffer.from(body.buffer, body.byteOffset, body.byteLength).toString('utf8'));
}

/** Parses the body of a JSON frame. */
export function parseJsonFrame<T = unknown>(body: Uint8Array): T {
  return parseJson(body) as T;
}

/**
 * One authenticated connection. Frames received before {@link handle} is called are queued, so
 * none is lost between the handshake and the caller's first look.
 */
export class FrameSocket {
  /** The peer's id, from the handshake. */
  readonly peerId: string;
  /** The peer's role ("data-plane", "taskmanager"...); the server's is "server". */
  readonly peerRole: string;
  /** The peer's address, host:port. */
  readonly remote: string;
  /** Bytes written and read, frame headers included. */
  bytesSent = 0;
  bytesReceived = 0;
  /** Resolves with the close reason once the connection is closed. */
  readonly closed: Promise<FrameCloseReason>;
  private readonly socket: net.Socket;
  private readonly maxFrameBytes: number;
  private handlers: FrameHandlers | null = null;
  private queued: Array<[number, Uint8Array, boolean]> = [];
  private closeReason: FrameCloseReason | null = null;
  private closeDelivered = false;
  private resolveClosed!: (r: FrameCloseReason) => void;
  private lastSent = Date.now();
  private corked = false;
  private readonly uncork = () => {
    this.corked = false;
    this.socket.uncork();
  };
  private lastReceived = Date.now();
  private heartbeatTimer: NodeJS.Timeout | undefined;
  private endTimer: NodeJS.Timeout | undefined;

  /** @internal Built by {@link connectFrames} and {@link listenFrames} once the handshake is done. */
  constructor(
    socket: net.Socket,
    parser: FrameParser,
    init: { peerId: string; peerRole: string; maxFrameBytes: number; heartbeat: FrameHeartbeat | false },
  ) {
    this.socket = socket;
    this.peerId = init.peerId;
    this.peerRole = init.peerRole;
    this.remote = remoteOf(socket);
    this.maxFrameBytes = init.maxFrameBytes;
    this.closed = new Promise((resolve) => {
      this.resolveClosed = resolve;
    });
    parser.maxFrameBytes = init.maxFrameBytes;
    socket.on('close', () => {
      if (this.endTimer) clearTimeout(this.endTimer);
      this.finish({ kind: 'peer', reason: 'connection ended' });
    });
    socket.on('end', () => {
      // Half-open connections are not used: answer the peer's end with ours.
      socket.end();
    });
    socket.on('error', (error) =>
      this.finish({
        kind: 'error',
        error: new WeirError(
          'CLUSTER_UNAVAILABLE',
          `connection to ${this.describe()} failed: ${error.message}`,
          {
            cause: error,
          },
        ),
      }),
    );
    const hb = init.heartbeat;
    if (hb !== false) {
      this.heartbeatTimer = setInterval(
        () => {
          const now = Date.now();
          if (now - this.lastReceived > hb.timeoutMs) {
            this.fail(
              new WeirError(
                'CLUSTER_UNAVAILABLE',
                `no frame from ${this.describe()} for ${now - this.lastReceived} ms (heartbeat timeout ${hb.timeoutMs} ms)`,
              ),
            );
          } else if (now - this.lastSent >= hb.intervalMs) {
            this.write(frameHeader(T_HEARTBEAT, 0));
          }
        },
        Math.max(10, Math.min(hb.intervalMs, hb.timeoutMs / 3)),
      );
      this.heartbeatTimer.unref();
    }
  }

  /** "tm-2 at 10.0.0.2:6124" */
  describe(): string {
    return `${this.peerId} at ${this.remote}`;
  }

  /** Whether the connection is still open for sending. */
  get open(): boolean {
    return this.closeReason === null;
  }

  /** When the last frame (a heartbeat included) arrived, epoch ms. */
  get lastReceivedAt(): number {
    return this.lastReceived;
  }

  /** Bytes queued in the socket, not yet handed to the kernel. */
  get writableLength(): number {
    return this.socket.writableLength;
  }

  /**
   * Sets the handlers. Queued frames are delivered at once, then the close if it already happened.
   */
  handle(handlers: FrameHandlers): void {
    this.handlers = handlers;
    const queued = this.queued;
    this.queued = [];
    for (const [type, body, owned] of queued) handlers.frame(type, body, owned);
    if (this.closeReason !== null) this.deliverClose();
  }

  /** @internal From the parser. */
  receive(type: number, body: Uint8Array, owned: boolean): void {
    this.lastReceived = Date.now();
    this.bytesReceived += HEADER_BYTES + body.length;
    if (type >= FIRST_USER_FRAME_TYPE) {
      if (this.closeReason !== null) return;
      if (this.handlers !== null) this.handlers.frame(type, body, owned);
      else this.queued.push([type, owned ? body : new Uint8Array(body), true]);
      return;
    }
    switch (type) {
      case T_HEARTBEAT:
        return;
      case T_GOODBYE:
        this.finish({ kind: 'peer', reason: String((parseJson(body) as { reason?: unknown }).reason) });
        this.socket.end();
        return;
      case T_REFUSED: {
        // The client refused this server after the welcome (it failed to prove the secret).
        const m = parseJson(body) as { reason?: unknown; code?: unknown };
        const code = m.code === 'UNAUTHORIZED' ? 'UNAUTHORIZED' : 'CLUSTER_UNAVAILABLE';
        this.finish({
          kind: 'error',
          error: new WeirError(code, `${this.describe()} refused the connection: ${String(m.reason)}`),
        });
        this.socket.destroy();
        return;
      }
      default:
        this.fail(
          new WeirError('CLUSTER_UNAVAILABLE', `unexpected frame type ${type} from ${this.describe()}`),
        );
    }
  }

  /** Sends a JSON frame. */
  sendJson(type: number, message: unknown): boolean {
    return this.sendBinary(type, Buffer.from(JSON.stringify(message), 'utf8'));
  }

  /**
   * Sends a binary frame: `header` then each payload, written as they are (not copied into one
   * buffer; the socket stays corked until the end of the event-loop turn, so that they and the
   * turn's other frames leave in one write). Returns `socket.write`'s
   * answer: false when the socket's buffer is above its high-water mark. Throws
   * PAYLOAD_TOO_LARGE for a body over the limit; does nothing once the socket is closed.
   */
  sendBinary(type: number, header: Uint8Array, ...payloads: Uint8Array[]): boolean {
    if (type < FIRST_USER_FRAME_TYPE || type > 255) {
      throw new WeirError('INVALID_ARGUMENT', `frame type ${type} is not a user frame type (16..255)`);
    }
    let length = header.length;
    for (const p of payloads) length += p.length;
    if (length > this.maxFrameBytes) {
      throw new WeirError(
        'PAYLOAD_TOO_LARGE',
        `frame of ${length} bytes to ${this.describe()} exceeds the limit of ${this.maxFrameBytes} bytes`,
      );
    }
    if (this.closeReason !== null) return false;
    const socket = this.socket;
    const h = Buffer.allocUnsafe(HEADER_BYTES + header.length);
    h.writeUInt32BE(length, 0);
    h[4] = type;
    h.set(header, HEADER_BYTES);
    this.bytesSent += HEADER_BYTES + length;
    this.lastSent = Date.now();
    // Corked until the end of this event-loop turn: the frames of one turn (a relay drains many
    // port messages per turn, each credit is a small frame) leave in one writev, not one each.
    if (!this.corked) {
      this.corked = true;
      socket.cork();
      setImmediate(this.uncork);
    }
    let ok = socket.write(h);
    for (const p of payloads) if (p.length > 0) ok = socket.write(p);
    return ok;
  }

  /** Resolves when the socket's buffer has drained. */
  drained(): Promise<void> {
    if (this.socket.writableLength === 0 || this.closeReason !== null) return Promise.resolve();
    return new Promise((resolve) => {
      const done = () => {
        this.socket.off('drain', done);
        this.socket.off('close', done);
        resolve();
      };
      this.socket.on('drain', done);
      this.socket.on('close', done);
    });
  }

  /** Says goodbye with a reason (the peer's close handler gets it) and ends the connection. */
  close(reason = 'closed'): void {
    if (this.closeReason !== null) return;
    const body = Buffer.from(JSON.stringify({ reason }), 'utf8');
    this.write(Buffer.concat([frameHeader(T_GOODBYE, body.length), body]));
    this.finish({ kind: 'local', reason });
    this.socket.end();
    // A peer that never ends its side does not keep the socket.
    this.endTimer = setTimeout(() => this.socket.destroy(), 5_000);
    this.endTimer.unref();
  }

  /** Drops the connection at once, without goodbye. */
  destroy(reason = 'destroyed'): void {
    this.finish({ kind: 'local', reason });
    this.socket.destroy();
  }

  /** @internal Ends the connection with an error (the peer gets a goodbye naming it). */
  fail(error: WeirError): void {
    if (this.closeReason !== null) return;
    const body = Buffer.from(JSON.stringify({ reason: error.message }), 'utf8');
    this.write(Buffer.concat([frameHeader(T_GOODBYE, body.length), body]));
    this.finish({ kind: 'error', error });
    this.socket.end();
    this.endTimer = setTimeout(() => this.socket.destroy(), 1_000);
    this.endTimer.unref();
  }

  private write(b: Buffer): void {
    if (this.socket.writable) {
      this.lastSent = Date.now();
      this.bytesSent += b.length;
      this.socket.write(b);
    }
  }

  /** The first reason wins: a goodbye's reason, not the socket's close that follows it. */
  private finish(reason: FrameCloseReason): void {
    if (this.closeReason === null) {
      this.closeReason = reason;
      if (this.heartbeatTimer) clearInterval(this.heartbeatTimer);
      this.resolveClosed(reason);
    }
    if (this.handlers !== null) this.deliverClose();
  }

  /** Once, and only after the handler has had every queued frame. */
  private deliverClose(): void {
    if (this.closeDelivered || this.closeReason === null) return;
    this.closeDelivered = true;
    this.handlers?.close(this.closeReason);
  }
}

/**
 * The handshake on a fresh socket. Resolves with the authenticated FrameSocket; rejects (after
 * closing the socket) with UNAUTHORIZED or CLUSTER_UNAVAILABLE.
 */
function handshake(
  socket: net.Socket,
  side:
    | { kind: 'server'; id: string; secret: string }
    | { kind: 'client'; id: string; role: string; secret: string; expectPeerId?: string; address: string },
  options: CommonOptions,
): Promise<FrameSocket> {
  socket.setNoDelay(true);
  socket.setKeepAlive(true, KEEPALIVE_DELAY_MS);
  const remote = remoteOf(socket);
  const timeoutMs = options.handshakeTimeoutMs ?? DEFAULT_HANDSHAKE_TIMEOUT_MS;
  return new Promise<FrameSocket>((resolve, reject) => {
    let done = false;
    let frameSocket: FrameSocket | null = null;
    const serverNonce = side.kind === 'server' ? randomBytes(32).toString('hex') : '';
    let clientNonce = '';
    let peerId = '';
    let peerRole = '';
    const where = side.kind === 'server' ? `connection from ${remote}` : `${side.address}`;
    const send = (type: number, message: unknown) => {
      const body = Buffer.from(JSON.stringify(message), 'utf8');
      socket.write(Buffer.concat([frameHeader(type, body.length), body]));
    };
    const settle = (error: WeirError | null) => {
      if (done) return;
      done = true;
      clearTimeout(timer);
      socket.off('close', onClose);
      socket.off('error', onError);
      if (error === null) return;
      // A late ECONNRESET must not become an uncaught 'error' event.
      socket.on('error', () => {});
      socket.destroy();
      reject(error);
    };
    /** Refuses: the peer gets the reason in a refused frame, then the connection ends. */
    const refuse = (error: WeirError, reasonForPeer: string) => {
      if (done) return;
      send(T_REFUSED, { reason: reasonForPeer, code: error.code });
      done = true;
      clearTimeout(timer);
      socket.off('close', onClose);
      socket.off('error', onError);
      socket.on('error', () => {});
      socket.end();
      setTimeout(() => socket.destroy(), 1_000).unref();
      reject(error);
    };
    const parser = new FrameParser(
      (type, body, owned) => {
        if (frameSocket !== null) {
          frameSocket.receive(type, body, owned);
          return;
        }
        if (done) return;
        let m: Record<string, unknown>;
        try {
          m = parseJson(body) as Record<string, unknown>;
        } catch {
          settle(new WeirError('CLUSTER_UNAVAILABLE', `${where}: malformed handshake frame`));
          return;
        }
        onHandshakeFrame(type, m);
      },
      {
        maxFrameBytes: HANDSHAKE_MAX_FRAME_BYTES,
        describePeer: () => (peerId ? `${peerId} at ${remote}` : remote),
      },
    );
    const onData = (chunk: Buffer) => {
      try {
        parser.push(chunk);
      } catch (error) {
        const e =
          error instanceof WeirError
            ? error
            : new WeirError('CLUSTER_UNAVAILABLE', `${where}: ${(error as Error).message}`, { cause: error });
        if (frameSocket !== null) frameSocket.fail(e);
        else settle(e);
      }
    };
    const onClose = () =>
      settle(new WeirError('CLUSTER_UNAVAILABLE', `${where} closed the connection during the handshake`));
    const onError = (error: Error) =>
      settle(new WeirError('CLUSTER_UNAVAILABLE', `${where}: ${error.message}`, { cause: error }));
    const timer = setTimeout(
      () => settle(new WeirError('CLUSTER_UNAVAILABLE', `${where}: no handshake within ${timeoutMs} ms`)),
      timeoutMs,
    );
    timer.unref();
    socket.on('data', onData);
    socket.on('close', onClose);
    socket.on('error', onError);

    const established = () => {
      frameSocket = new FrameSocket(socket, parser, {
        peerId,
        peerRole,
        maxFrameBytes: options.maxFrameBytes ?? DEFAULT_MAX_FRAME_BYTES,
        heartbeat: options.heartbeat ?? DEFAULT_HEARTBEAT,
      });
      settle(null);
      resolve(frameSocket);
    };

    const versionError = (theirs: unknown) =>
      new WeirError(
        'CLUSTER_UNAVAILABLE',
        `${where} speaks frame protocol version ${String(theirs)}, this process ${FRAME_PROTOCOL_VERSION}: run the same Weir version on every process of the cluster`,
      );

    function onHandshakeFrame(type: number, m: Record<string, unknown>): void {
      if (type === T_REFUSED) {
        const reason = String(m.reason);
        const code = m.code === 'UNAUTHORIZED' ? 'UNAUTHORIZED' : 'CLUSTER_UNAVAILABLE';
        settle(new WeirError(code, `${where} refused the connection: ${reason}`));
        return;
      }
      if (side.kind === 'server') {
        if (type !== T_AUTH) {
          settle(new WeirError('CLUSTER_UNAVAILABLE', `${where}: expected auth frame`));
          return;
        }
        peerId = String(m.id);
        peerRole = String(m.role);
        if (m.v !== FRAME_PROTOCOL_VERSION) {
          refuse(
            versionError(m.v),
            `protocol version mismatch: server ${FRAME_PROTOCOL_VERSION}, client ${String(m.v)}`,
          );
          return;
        }
        const expected = mac(side.secret, serverNonce, peerRole, peerId);
        if (!macMatches(expected, m.mac)) {
          refuse(
            new WeirError(
              'UNAUTHORIZED',
              `refused ${where} (claims to be ${peerRole} ${peerId}): wrong shared secret (handshake MAC mismatch)`,
            ),
            'wrong shared secret (handshake MAC mismatch)',
          );
          return;
        }
        clientNonce = String(m.nonce);
        send(T_WELCOME, {
          id: side.id,
          mac: mac(side.secret, clientNonce, 'server', side.id).toString('hex'),
        });
        established();
        return;
      }
      // Client.
      if (type === T_HELLO) {
        if (m.v !== FRAME_PROTOCOL_VERSION) {
          refuse(
            versionError(m.v),
            `protocol version mismatch: client ${FRAME_PROTOCOL_VERSION}, server ${String(m.v)}`,
          );
          return;
        }
        peerId = String(m.id);
        if (side.expectPeerId !== undefined && peerId !== side.expectPeerId) {
          refuse(
            new WeirError('CLUSTER_UNAVAILABLE', `${where} is ${peerId}, expected ${side.expectPeerId}`),
            `this client expected ${side.expectPeerId}`,
          );
          return;
        }
        clientNonce = randomBytes(32).toString('hex');
        send(T_AUTH, {
          v: FRAME_PROTOCOL_VERSION,
          id: side.id,
          role: side.role,
          nonce: clientNonce,
          mac: mac(side.secret, String(m.nonce), side.role, side.id).toString('hex'),
        });
        return;
      }
      if (type === T_WELCOME) {
        const expected = mac(side.secret, clientNonce, 'server', peerId);
        if (clientNonce === '' || !macMatches(expected, m.mac)) {
          refuse(
            new WeirError(
              'UNAUTHORIZED',
              `refused ${where} (claims to be ${peerId}): it did not prove the shared secret (handshake MAC mismatch)`,
            ),
            'wrong shared secret (server proof mismatch)',
          );
          return;
        }
        peerRole = 'server';
        established();
        return;
      }
      settle(new WeirError('CLUSTER_UNAVAILABLE', `${where}: unexpected handshake frame type ${type}`));
    }

    if (side.kind === 'server') send(T_HELLO, { v: FRAME_PROTOCOL_VERSION, id: side.id, nonce: serverNonce });
  });
}

/** Whether a bind address stays on this machine. */
export function isLoopback(host: string): boolean {
  return host === 'localhost' || host === '::1' || host.startsWith('127.') || host === '::ffff:127.0.0.1';
}

/** A listening frame server. */
export interface FrameServer {
  /** The bound address (the port is the real one when 0 was asked). */
  address(): { host: string; port: number };
  /** Stops accepting; open FrameSockets stay open (close them yourself). */
  close(): Promise<void>;
}

export interface FrameServerEvents {
  /** An authenticated connection. */
  connection(socket: FrameSocket): void;
  /** A connection that failed the handshake (wrong secret: UNAUTHORIZED; version, timeout...). */
  refused?(error: WeirError): void;
}

/**
 * Listens for frame connections. Rejects with TOKEN_REQUIRED for a non-loopback host without a
 * secret, CLUSTER_UNAVAILABLE when the address cannot be bound.
 */
export async function listenFrames(
  options: ListenFramesOptions,
  events: FrameServerEvents,
): Promise<FrameServer> {
  const host = options.host ?? '127.0.0.1';
  const secret = options.secret ?? '';
  if (!isLoopback(host) && secret === '') {
    throw new WeirError(
      'TOKEN_REQUIRED',
      `refusing to listen on ${host}:${options.port ?? 0} without a shared secret: set one, or bind to 127.0.0.1`,
    );
  }
  const onSocket = (socket: net.Socket) => {
    handshake(socket, { kind: 'server', id: options.id, secret }, options).then(
      (fs) => events.connection(fs),
      (error: WeirError) => events.refused?.(error),
    );
  };
  let server: net.Server;
  if (options.tls) {
    server = tls.createServer({ key: options.tls.key, cert: options.tls.cert, ca: options.tls.ca }, onSocket);
    // Failed TLS handshakes (a plain-TCP client, a wrong CA) report as refused connections.
    server.on('tlsClientError', (error, socket) =>
      events.refused?.(
        new WeirError('UNAUTHORIZED', `TLS handshake with ${remoteOf(socket)} failed: ${error.message}`, {
          cause: error,
        }),
      ),
    );
  } else {
    server = net.createServer(onSocket);
  }
  await new Promise<void>((resolve, reject) => {
    server.once('error', (error) =>
      reject(
        new WeirError(
          'CLUSTER_UNAVAILABLE',
          `cannot listen on ${host}:${options.port ?? 0}: ${error.message}`,
          {
            cause: error,
          },
        ),
      ),
    );
    server.listen(options.port ?? 0, host, () => resolve());
  });
  return {
    address() {
      const a = server.address() as net.AddressInfo;
      return { host: a.address, port: a.port };
    },
    close() {
      return new Promise<void>((resolve) => server.close(() => resolve()));
    },
  };
}

/**
 * Connects and runs the handshake. Rejects with CLUSTER_UNAVAILABLE (unreachable, version,
 * unexpected peer id) or UNAUTHORIZED (wrong secret on either side).
 */
export function connectFrames(options: ConnectFramesOptions): Promise<FrameSocket> {
  const address = `${options.host}:${options.port}`;
  return new Promise<FrameSocket>((resolve, reject) => {
    const socket: net.Socket = options.tls
      ? tls.connect({
          host: options.host,
          port: options.port,
          ca: options.tls.ca,
          cert: options.tls.cert,
          key: options.tls.key,
          servername: net.isIP(options.host) ? undefined : options.host,
        })
      : net.connect({ host: options.host, port: options.port });
    const connectEvent = options.tls ? 'secureConnect' : 'connect';
    const onError = (error: Error) =>
      reject(
        new WeirError(
          'CLUSTER_UNAVAILABLE',
          `cannot connect to ${options.expectPeerId ?? 'peer'} at ${address}: ${error.message}`,
          {
            cause: error,
          },
        ),
      );
    socket.once('error', onError);
    socket.once(connectEvent, () => {
      socket.off('error', onError);
      handshake(
        socket,
        {
          kind: 'client',
          id: options.id,
          role: options.role,
          secret: options.secret ?? '',
          expectPeerId: options.expectPeerId,
          address: `${options.expectPeerId ?? 'server'} at ${address}`,
        },
        options,
      ).then(resolve, reject);
    });
  });
}
