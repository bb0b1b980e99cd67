/**
 * The data plane of a TaskManager: relays PeerMessages between slot threads of different
 * TaskManagers over TCP.
 *
 * A slot thread talks to each peer slot through a MessagePort, as between threads of one process
 * (worker-entry.ts does not know the difference). For a peer slot in another TaskManager, the
 * other end of that port is held by this TaskManager's main thread and {@link DataPlane.bridge}d:
 * what the worker posts is encoded (peer-message-codec.ts) and sent to the peer TaskManager tagged
 * with its route (job, attempt, sending slot, receiving slot); what arrives for a route is posted
 * to its port, with its buffers transferred. The relay is transparent: the same PeerMessages come
 * out, in the order they went in, so watermarks, barriers and end-of-data stay in band and the
 * channels' end-to-end credits keep bounding what is in flight.
 *
 * Connections. Exactly one frame-socket connection per pair of TaskManagers carries every route of
 * every job between them. The TaskManager whose id sorts lower dials, when it bridges its first
 * route to the peer; the other waits for it (`connectTimeoutMs`), and refuses a connection from a
 * higher id. A connection's life is connecting → connected → lost; a lost connection is never
 * reused: its routes are broken (what their ports post is dropped and counted, for the job is
 * restarting anyway), `peer-lost` fires, and the next bridge to that peer connects anew. A peer
 * that connects again while this side still holds a connection to it has lost that connection on
 * its side: it is treated as lost too.
 *
 * Back-pressure. Nothing here pauses: the end-to-end credits of each channel already bound the
 * batches in flight — in a port, in this relay's queue while connecting, in the socket's buffer, in
 * the peer's ports — to `capacity` per channel, whether or not `socket.write` returns false.
 * Pausing the ports would only move the same bytes from the socket's buffer into the ports' queues.
 *
 * Early frames. Frames for a route that is not bridged yet (the peer started first) wait here,
 * at most `maxPendingBytes` in total; beyond that the connection fails with a reason that says so.
 * Frames of an attempt that is over (unbridged, or older than a bridged one) are dropped.
 */
import { EventEmitter } from 'node:events';
import type { MessagePort } from 'node:worker_threads';
import { WeirError } from '../../core/errors.ts';
import {
  connectFrames,
  describeClose,
  type FrameHeartbeat,
  type FrameServer,
  type FrameSocket,
  type FrameTlsOptions,
  listenFrames,
} from './frame-socket.ts';
import {
  type DecodedPeerMessage,
  decodePeerMessage,
  type EncodedRoute,
  encodePeerMessage,
  encodeRoute,
  PEER_MESSAGE_FRAME,
  type WireRoute,
} from './peer-message-codec.ts';
import type { PeerMessage } from './remote-channel.ts';

/** The role data planes present in the frame-socket handshake. */
export const DATA_PLANE_ROLE = 'data-plane';

export interface DataPlaneOptions {
  /** This TaskManager's id: unique in the cluster; the lower of two ids dials. */
  id: string;
  /** Bind address, default 127.0.0.1 (any other needs `secret`). */
  host?: string;
  /** 0 (default): any free port; read the real one from {@link DataPlane.address}. */
  port?: number;
  /** The cluster's shared secret (the same as the RPC's). */
  secret?: string;
  /** TLS for the connections: key and cert to accept, ca to verify peers. */
  tls?: FrameTlsOptions;
  /** Largest frame (a record batch) sent or accepted, default 256 MiB. */
  maxFrameBytes?: number;
  /** Frames held for routes not bridged yet, in bytes over all peers; default 64 MiB. */
  maxPendingBytes?: number;
  /** How long a bridge waits for a peer with a lower id to connect; default 30 s. */
  connectTimeoutMs?: number;
  heartbeat?: FrameHeartbeat | false;
}

/** A channel pair between a local slot and a slot of another TaskManager, in one job attempt. */
export interface DataRoute extends WireRoute {
  /** `from` is the local slot, `to` the remote one; slot indices are global in the job attempt. */
  peer: { id: string; host: string; port: number };
}

/** Traffic with one peer TaskManager, since this plane started. */
export interface PeerTraffic {
  peerId: string;
  state: 'connecting' | 'connected' | 'lost';
  bytesSent: number;
  bytesReceived: number;
  messagesSent: number;
  messagesReceived: number;
  /** Messages dropped: of broken routes, or of attempts that are over. */
  dropped: number;
  /** Connections made to or from this peer. */
  connections: number;
  /** Bytes in the connection's socket buffer, not yet taken by the kernel (0 unless connected). */
  queuedBytes: number;
}

type OutFrame = [header: Uint8Array, payloads: Uint8Array[]];

type ConnectionState =
  | { kind: 'connecting'; queue: OutFrame[]; timer: NodeJS.Timeout | undefined }
  | { kind: 'connected'; socket: FrameSocket }
  | { kind: 'lost'; reason: string };

/** One connection's life with a peer. Never reused once lost. */
interface PeerConnection {
  peerId: string;
  state: ConnectionState;
}

interface Bridge {
  key: string;
  route: EncodedRoute;
  peerId: string;
  port: MessagePort;
  conn: PeerConnection;
  broken: boolean;
}

interface Pending {
  conn: PeerConnection;
  messages: DecodedPeerMessage[];
  bytes: number;
}

function routeKey(jobId: string, attempt: number, from: number, to: number): string {
  return `${jobId}\u0000${attempt}\u0000${from}\u0000${to}`;
}

/**
 * Events: `peer-lost` (peerId, reason) when a connection to a peer drops or cannot be made (its
 * routes are broken); `refused` (error) when a connection failed the handshake here (a wrong secret:
 * UNAUTHORIZED), for the log.
 */
export class DataPlane extends EventEmitter<{
  'peer-lost': [peerId: string, reason: string];
  refused: [error: WeirError];
}> {
  readonly id: string;
  private readonly options: DataPlaneOptions;
  private readonly server: FrameServer;
  private readonly connections = new Map<string, PeerConnection>();
  private readonly bridges = new Map<string, Bridge>();
  /** Bridges by job: for unbridge and to know a job's newest attempt. */
  private readonly jobs = new Map<string, Set<Bridge>>();
  /** Per job, the highest attempt that is over (Infinity: the whole job). */
  private readonly retired = new Map<string, number>();
  private readonly pending = new Map<string, Pending>();
  private pendingBytes = 0;
  private readonly traffic = new Map<string, PeerTraffic>();
  private closing = false;

  private constructor(options: DataPlaneOptions, server: FrameServer) {
    super();
    this.id = options.id;
    this.options = options;
    this.server = server;
  }

  /** Listens on `host:port` and returns the running plane. */
  static async start(options: DataPlaneOptions): Promise<DataPlane> {
    let plane: DataPlane | undefined;
    const early: FrameSocket[] = [];
    const server = await listenFrames(
      {
        id: options.id,
        host: options.host,
        port: options.port,
        secret: options.secret,
        tls: options.tls,
        maxFrameBytes: options.maxFrameBytes,
        heartbeat: options.heartbeat,
      },
      {
        connection: (socket) => (plane ? plane.inbound(socket) : early.push(socket)),
        // A refused connection (wrong secret) never reaches a route: reported for the log only.
        refused: (error) => plane?.emit('refused', error),
      },
    );
    plane = new DataPlane(options, server);
    for (const socket of early) plane.inbound(socket);
    return plane;
  }

  /** The address this plane listens on: give it to peers as `route.peer`. */
  get address(): { host: string; port: number } {
    return this.server.address();
  }

  /**
   * Relays `port` to the slot `route.to` of TaskManager `route.peer`: messages posted on the other
   * end of `port` go there, and messages from that slot to `route.from` are posted on `port`.
   * Connects to the peer if needed. Throws INVALID_ARGUMENT for a route bridged twice, to this
   * TaskManager itself, or of an attempt already unbridged.
   */
  bridge(route: DataRoute, port: MessagePort): void {
    if (this.closing) throw new WeirError('INVALID_ARGUMENT', `data plane ${this.id} is closed`);
    const where = `route ${route.jobId} attempt ${route.attempt} slot ${route.from} -> ${route.peer.id} slot ${route.to}`;
    if (route.peer.id === this.id) {
      throw new WeirError(
        'INVALID_ARGUMENT',
        `${where}: the peer is this TaskManager (use a MessageChannel)`,
      );
    }
    const key = routeKey(route.jobId, route.attempt, route.from, route.to);
    if (this.bridges.has(key)) throw new WeirError('INVALID_ARGUMENT', `${where} is already bridged`);
    if ((this.retired.get(route.jobId) ?? -1) >= route.attempt) {
      throw new WeirError('INVALID_ARGUMENT', `${where}: this attempt was unbridged`);
    }
    const conn = this.connectionTo(route.peer);
    const bridge: Bridge = {
      key,
      route: encodeRoute(route),
      peerId: route.peer.id,
      port,
      conn,
      broken: conn.state.kind === 'lost',
    };
    this.bridges.set(key, bridge);
    let job = this.jobs.get(route.jobId);
    if (!job) this.jobs.set(route.jobId, (job = new Set()));
    job.add(bridge);
    port.on('message', (m: PeerMessage) => this.forward(bridge, m));
    const early = this.pending.get(key);
    if (early) {
      this.pending.delete(key);
      this.pendingBytes -= early.bytes;
      if (early.conn === conn) for (const d of early.messages) this.post(bridge, d);
      else this.trafficOf(bridge.peerId).dropped += early.messages.length;
    }
    // Older attempts of this job are over: their early frames will never have a route.
    for (const [k, p] of this.pending) {
      const r = p.messages[0].route;
      if (r.jobId === route.jobId && r.attempt < route.attempt) this.dropPending(k, p);
    }
  }

  /**
   * Drops the routes of a job (all attempts, or those up to `upToAttempt`), closing the ports held
   * for them. Frames of those attempts that arrive later are dropped.
   */
  unbridge(jobId: string, upToAttempt = Number.POSITIVE_INFINITY): void {
    this.retired.set(jobId, Math.max(this.retired.get(jobId) ?? -1, upToAttempt));
    const job = this.jobs.get(jobId);
    if (job) {
      for (const bridge of job) {
        if (bridge.route.attempt > upToAttempt) continue;
        job.delete(bridge);
        this.bridges.delete(bridge.key);
        bridge.broken = true;
        bridge.port.close();
      }
      if (job.size === 0) this.jobs.delete(jobId);
    }
    for (const [k, p] of this.pending) {
      const r = p.messages[0].route;
      if (r.jobId === jobId && r.attempt <= upToAttempt) this.dropPending(k, p);
    }
  }

  /** Traffic per peer TaskManager, for metrics. */
  peers(): PeerTraffic[] {
    for (const [id, t] of this.traffic) {
      const conn = this.connections.get(id);
      t.state = conn ? conn.state.kind : 'lost';
      t.queuedBytes = conn?.state.kind === 'connected' ? conn.state.socket.writableLength : 0;
    }
    return [...this.traffic.values()].map((t) => ({ ...t }));
  }

  /** Closes every connection (peers see `peer-lost`), the listening socket and the held ports. */
  async close(): Promise<void> {
    if (this.closing) return;
    this.closing = true;
    for (const conn of this.connections.values()) this.lose(conn, `data plane ${this.id} closed`);
    for (const bridge of this.bridges.values()) bridge.port.close();
    this.bridges.clear();
    this.jobs.clear();
    this.pending.clear();
    this.pendingBytes = 0;
    await this.server.close();
  }

  private trafficOf(peerId: string): PeerTraffic {
    let t = this.traffic.get(peerId);
    if (!t) {
      t = {
        peerId,
        state: 'connecting',
        bytesSent: 0,
        bytesReceived: 0,
        messagesSent: 0,
        messagesReceived: 0,
        dropped: 0,
        connections: 0,
        queuedBytes: 0,
      };
      this.traffic.set(peerId, t);
    }
    return t;
  }

  /** The live connection to a peer, or a new one: dialed if this id is lower, awaited otherwise. */
  private connectionTo(peer: DataRoute['peer']): PeerConnection {
    const current = this.connections.get(peer.id);
    if (current && current.state.kind !== 'lost') return current;
    const conn: PeerConnection = {
      peerId: peer.id,
      state: { kind: 'connecting', queue: [], timer: undefined },
    };
    this.connections.set(peer.id, conn);
    this.trafficOf(peer.id);
    if (this.id < peer.id) {
      connectFrames({
        host: peer.host,
        port: peer.port,
        id: this.id,
        role: DATA_PLANE_ROLE,
        expectPeerId: peer.id,
        secret: this.options.secret,
        tls: this.options.tls,
        maxFrameBytes: this.options.maxFrameBytes,
        heartbeat: this.options.heartbeat,
      }).then(
        (socket) => this.adopt(conn, socket),
        (error: Error) =>
          this.lose(conn, `data plane ${this.id} cannot connect to ${peer.id}: ${error.message}`),
      );
    } else {
      const ms = this.options.connectTimeoutMs ?? 30_000;
      const timer = setTimeout(
        () =>
          this.lose(
            conn,
            `no data-plane connection from ${peer.id} within ${ms} ms (its id sorts lower than ${this.id}, so it dials)`,
          ),
        ms,
      );
      timer.unref();
      conn.state = { kind: 'connecting', queue: [], timer };
    }
    return conn;
  }

  /** A connection a peer dialed. */
  private inbound(socket: FrameSocket): void {
    const peerId = socket.peerId;
    let refusal: string | null = null;
    if (this.closing) refusal = `data plane ${this.id} is closing`;
    else if (socket.peerRole !== DATA_PLANE_ROLE) refusal = `${this.id} accepts data-plane connections only`;
    else if (!(peerId < this.id)) {
      refusal = `${peerId} must not dial ${this.id}: the TaskManager with the lower id dials`;
    }
    if (refusal !== null) {
      socket.close(refusal);
      return;
    }
    const current = this.connections.get(peerId);
    if (current && current.state.kind === 'connecting') {
      this.adopt(current, socket);
      return;
    }
    if (current && current.state.kind === 'connected') {
      this.lose(current, `${peerId} connected again: it lost the previous connection`);
    }
    const conn: PeerConnection = { peerId, state: { kind: 'connecting', queue: [], timer: undefined } };
    this.connections.set(peerId, conn);
    this.adopt(conn, socket);
  }

  private adopt(conn: PeerConnection, socket: FrameSocket): void {
    const state = conn.state;
    if (state.kind !== 'connecting' || this.closing) {
      socket.close(this.closing ? `data plane ${this.id} is closing` : 'superseded by another connection');
      return;
    }
    if (state.timer) clearTimeout(state.timer);
    conn.state = { kind: 'connected', socket };
    const traffic = this.trafficOf(conn.peerId);
    traffic.connections++;
    socket.handle({
      frame: (type, body, owned) => {
        if (type !== PEER_MESSAGE_FRAME) return;
        traffic.bytesReceived += body.length + 5;
        traffic.messagesReceived++;
        let decoded: DecodedPeerMessage;
        try {
          decoded = decodePeerMessage(body, owned);
        } catch (error) {
          this.lose(conn, (error as Error).message);
          return;
        }
        this.deliver(conn, decoded, body.length);
      },
      close: (reason) => this.lose(conn, describeClose(reason)),
    });
    for (const [header, payloads] of state.queue) this.send(conn, socket, header, payloads);
  }

  /** A connection is over: its routes are broken, its early frames dropped, `peer-lost` fires. */
  private lose(conn: PeerConnection, reason: string): void {
    const state = conn.state;
    if (state.kind === 'lost') return;
    conn.state = { kind: 'lost', reason };
    if (state.kind === 'connecting' && state.timer) clearTimeout(state.timer);
    if (state.kind === 'connected') state.socket.close(reason);
    for (const bridge of this.bridges.values()) if (bridge.conn === conn) bridge.broken = true;
    for (const [k, p] of this.pending) if (p.conn === conn) this.dropPending(k, p);
    if (!this.closing) this.emit('peer-lost', conn.peerId, reason);
  }

  private send(conn: PeerConnection, socket: FrameSocket, header: Uint8Array, payloads: Uint8Array[]): void {
    try {
      socket.sendBinary(PEER_MESSAGE_FRAME, header, ...payloads);
    } catch (error) {
      this.lose(conn, (error as Error).message);
      return;
    }
    const t = this.trafficOf(conn.peerId);
    let bytes = 5 + header.length;
    for (const p of payloads) bytes += p.length;
    t.bytesSent += bytes;
    t.messagesSent++;
  }

  /** A message a local worker posted for its peer slot. */
  private forward(bridge: Bridge, m: PeerMessage): void {
    const conn = bridge.conn;
    if (bridge.broken || conn.state.kind === 'lost') {
      this.trafficOf(bridge.peerId).dropped++;
      return;
    }
    const { header, payloads } = encodePeerMessage(bridge.route, m);
    if (conn.state.kind === 'connected') this.send(conn, conn.state.socket, header, payloads);
    else conn.state.queue.push([header, payloads]);
  }

  /** A message from a peer slot for one of ours. */
  private deliver(conn: PeerConnection, d: DecodedPeerMessage, bytes: number): void {
    const r = d.route;
    // The sender's `from` is our `to`.
    const key = routeKey(r.jobId, r.attempt, r.to, r.from);
    const bridge = this.bridges.get(key);
    if (bridge) {
      if (bridge.broken || bridge.conn !== conn || bridge.peerId !== conn.peerId) {
        this.trafficOf(conn.peerId).dropped++;
        return;
      }
      this.post(bridge, d);
      return;
    }
    if ((this.retired.get(r.jobId) ?? -1) >= r.attempt || this.newestAttempt(r.jobId) > r.attempt) {
      this.trafficOf(conn.peerId).dropped++;
      return;
    }
    let p = this.pending.get(key);
    if (!p) this.pending.set(key, (p = { conn, messages: [], bytes: 0 }));
    p.messages.push(d);
    p.bytes += bytes;
    this.pendingBytes += bytes;
    const max = this.options.maxPendingBytes ?? 64 * 1024 * 1024;
    if (this.pendingBytes > max) {
      this.lose(
        conn,
        `${this.pendingBytes} bytes arrived from ${conn.peerId} for routes not bridged yet on ${this.id} (limit ${max}): bridge routes before their producers start`,
      );
    }
  }

  private newestAttempt(jobId: string): number {
    let newest = -1;
    for (const b of this.jobs.get(jobId) ?? []) if (b.route.attempt > newest) newest = b.route.attempt;
    return newest;
  }

  private dropPending(key: string, p: Pending): void {
    this.pending.delete(key);
    this.pendingBytes -= p.bytes;
    this.trafficOf(p.conn.peerId).dropped += p.messages.length;
  }

  private post(bridge: Bridge, d: DecodedPeerMessage): void {
    this.trafficOf(bridge.peerId);
    bridge.port.postMessage(d.message, d.transfer);
  }
}
