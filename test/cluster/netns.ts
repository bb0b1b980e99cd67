/**
 * Hosts for multi-host tests on one Linux machine: each host is a network namespace (`ip netns`)
 * with its own loopback and one interface, `eth0`, the end of a veth pair whose other end is a port
 * of a bridge in the root namespace. The hosts reach each other over those interfaces (a real
 * network path: ARP, TCP retransmissions, a link that can go down), while the file system, node and
 * the repository are the same for all — only the network differs.
 *
 * Names are unique per test process and network, and short (interface names have at most 15
 * characters): namespaces `weir-<pid>-<n>-<host>`, bridge `wb<pid>-<n>`, veth ends `wv<pid>-<n>-<i>`
 * (root side) — so that a run's leftovers are recognisable by the pid of a process that is gone, and
 * the next network created sweeps them. Addresses: `10.<a>.<b>.<i>/24`, a subnet that no route of the
 * machine uses; the bridge has `.254`, so the root namespace (the test process) reaches every host.
 *
 * Needs root (the sessions and CI run as root) and iproute2's `ip`.
 */
import { type ChildProcess, execFileSync, type SpawnOptions, spawn } from 'node:child_process';
import { isProcessAlive } from '../../src/core/process-alive.ts';

/** One host of a network. */
export interface NetworkHost {
  /** The namespace's name (`ip netns exec <ns> ...`). */
  ns: string;
  /** Its IPv4 address on the network. */
  address: string;
  /** The root-namespace end of its veth pair (a bridge port); inside, the interface is `eth0`. */
  veth: string;
}

/** A set of hosts joined by a bridge. */
export interface Network<H extends string = string> {
  hosts: Record<H, NetworkHost>;
  /** The bridge's address: how a host reaches the root namespace. */
  gateway: string;
  /** The bridge's name. */
  bridge: string;
  /** Spawns `cmd args` inside `host`'s namespace (`ip netns exec`); the child is the command itself. */
  exec(host: H, cmd: string, args: readonly string[], opts?: SpawnOptions): ChildProcess;
  /** Unplugs `host`'s cable: its bridge port goes down, packets to and from it are lost. */
  linkDown(host: H): void;
  /** Plugs it back in. */
  linkUp(host: H): void;
  /** Kills what runs inside the namespaces, removes them, their veths and the bridge. Idempotent. */
  destroy(): void;
}

/** Whether this machine can make networks: root and `ip`. A reason when it cannot. */
export function netnsUnavailable(): string | undefined {
  if (process.platform !== 'linux') return 'network namespaces are Linux only';
  if (process.getuid?.() !== 0) return 'network namespaces need root';
  try {
    execFileSync('ip', ['-V'], { stdio: 'ignore' });
  } catch {
    return 'the ip command (iproute2) is not installed';
  }
  return undefined;
}

let networks = 0;

/**
 * Creates a network of `hosts` (names of letters, digits and dashes; at most 99).
 *
 * @example
 * const net = createNetwork({ hosts: ['jm', 'tm1', 'tm2'] as const });
 * try {
 *   const jm = net.exec('jm', process.execPath, ['bin/weir.js', 'jobmanager'], { stdio: 'inherit' });
 *   // ... tm1 dials net.hosts.jm.address
 * } finally {
 *   net.destroy();
 * }
 */
export function createNetwork<const H extends string>(options: { hosts: readonly H[] }): Network<H> {
  const unavailable = netnsUnavailable();
  if (unavailable) throw new Error(unavailable);
  const { hosts } = options;
  if (hosts.length === 0 || hosts.length > 99) throw new Error('a network has 1 to 99 hosts');
  for (const host of hosts) {
    if (!/^[a-z0-9][a-z0-9-]{0,30}$/i.test(host)) throw new Error(`bad host name "${host}"`);
  }
  if (new Set(hosts).size !== hosts.length) throw new Error('host names must differ');
  sweepStaleNetworks();
  const n = networks++;
  if (n > 99) throw new Error('at most 100 networks per process');
  const tag = `${process.pid}-${n}`;
  const bridge = `wb${tag}`;
  const subnet = freeSubnet(n);
  const gateway = `${subnet}.254`;
  const made: Record<string, NetworkHost> = {};
  const children = new Set<ChildProcess>();
  let destroyed = false;

  const destroy = () => {
    if (destroyed) return;
    destroyed = true;
    for (const child of children)
      if (child.exitCode === null && child.signalCode === null) child.kill('SIGKILL');
    for (const host of hosts) removeNamespace(`weir-${tag}-${host}`);
    for (let i = 0; i < hosts.length; i++) ip(['link', 'del', `wv${tag}-${i}`], true);
    ip(['link', 'del', bridge], true);
  };

  try {
    ip(['link', 'add', bridge, 'type', 'bridge']);
    ip(['addr', 'add', `${gateway}/24`, 'dev', bridge]);
    ip(['link', 'set', bridge, 'up']);
    hosts.forEach((host, i) => {
      const ns = `weir-${tag}-${host}`;
      const veth = `wv${tag}-${i}`;
      const peer = `wp${tag}-${i}`;
      const address = `${subnet}.${i + 1}`;
      ip(['netns', 'add', ns]);
      made[host] = { ns, address, veth };
      ip(['link', 'add', veth, 'type', 'veth', 'peer', 'name', peer]);
      ip(['link', 'set', peer, 'netns', ns]);
      ip(['link', 'set', veth, 'master', bridge]);
      ip(['link', 'set', veth, 'up']);
      ip(['-n', ns, 'link', 'set', 'lo', 'up']);
      ip(['-n', ns, 'link', 'set', peer, 'name', 'eth0']);
      ip(['-n', ns, 'addr', 'add', `${address}/24`, 'dev', 'eth0']);
      ip(['-n', ns, 'link', 'set', 'eth0', 'up']);
    });
  } catch (error) {
    destroy();
    throw error;
  }

  return {
    hosts: made as Record<H, NetworkHost>,
    gateway,
    bridge,
    exec(host, cmd, args, opts = {}) {
      const child = spawn('ip', ['netns', 'exec', hostOf(made, host).ns, cmd, ...args], opts);
      children.add(child);
      child.once('exit', () => children.delete(child));
      return child;
    },
    linkDown(host) {
      ip(['link', 'set', hostOf(made, host).veth, 'down']);
    },
    linkUp(host) {
      ip(['link', 'set', hostOf(made, host).veth, 'up']);
    },
    destroy,
  };
}

function hostOf(hosts: Record<string, NetworkHost>, host: string): NetworkHost {
  const found = hosts[host];
  if (!found) throw new Error(`no host "${host}" in this network`);
  return found;
}

/** Runs `ip args`; with `quiet`, a failure (already gone) is ignored. */
function ip(args: readonly string[], quiet = false): string {
  try {
    return execFileSync('ip', args, { encoding: 'utf8', stdio: ['ignore', 'pipe', 'pipe'] });
  } catch (error) {
    if (quiet) return '';
    const stderr = (error as { stderr?: string }).stderr?.trim();
    throw new Error(`ip ${args.join(' ')} failed: ${stderr || (error as Error).message}`);
  }
}

/** Kills the processes inside namespace `ns` (all ours: the namespace is), then removes it. */
function removeNamespace(ns: string): void {
  for (const pid of ip(['netns', 'pids', ns], true).split(/\s+/).filter(Boolean)) {
    try {
      process.kill(Number(pid), 'SIGKILL');
    } catch {
      // gone already
    }
  }
  ip(['netns', 'del', ns], true);
}

/**
 * A `10.a.b` prefix whose /24 no route of this machine (the real network, or another run's bridge)
 * covers, derived from the pid so that concurrent runs start apart.
 */
function freeSubnet(n: number): string {
  const routes = ip(['-4', 'route', 'show', 'table', 'all'], true)
    .split('\n')
    .map((line) =>
      /^(?:\S+\s+)?(\d+\.\d+\.\d+\.\d+)(?:\/(\d+))?/.exec(line.replace(/^(local|broadcast|unicast)\s+/, '')),
    )
    .filter((m): m is RegExpExecArray => m !== null)
    .map((m) => ({ base: toInt(m[1]), bits: m[2] === undefined ? 32 : Number(m[2]) }));
  const covered = (net: number) =>
    routes.some(({ base, bits }) => {
      // Two prefixes overlap when they agree on the shorter one's bits.
      const common = Math.min(bits, 24);
      const mask = common === 0 ? 0 : (~0 << (32 - common)) >>> 0;
      return (base & mask) >>> 0 === (net & mask) >>> 0 && bits > 0;
    });
  const start = (process.pid * 7 + n * 131) % 65_536;
  for (let k = 0; k < 65_536; k++) {
    const v = (start + k) % 65_536;
    const a = v >> 8;
    const b = v & 0xff;
    if (a === 0 || a === 255) continue;
    if (!covered(toInt(`10.${a}.${b}.0`))) return `10.${a}.${b}`;
  }
  throw new Error('no free 10.x.y.0/24 subnet on this machine');
}

function toInt(address: string): number {
  return address.split('.').reduce((sum, part) => ((sum << 8) | Number(part)) >>> 0, 0);
}

/**
 * Removes namespaces, bridges and veths that earlier runs left (their process is gone: a test
 * killed before its `after`). Returns what it removed.
 */
export function sweepStaleNetworks(): string[] {
  const removed: string[] = [];
  const stale = (pid: string) => Number(pid) !== process.pid && !isProcessAlive(Number(pid));
  for (const line of ip(['netns', 'list'], true).split('\n')) {
    const ns = line.split(/\s+/)[0];
    const match = /^weir-(\d+)-/.exec(ns ?? '');
    if (match && stale(match[1])) {
      removeNamespace(ns);
      removed.push(ns);
    }
  }
  for (const line of ip(['-o', 'link', 'show'], true).split('\n')) {
    // "12: wv1234-0-1@if11: <...>" — the name, without the peer suffix.
    const name = /^\d+:\s+([^:@\s]+)/.exec(line)?.[1];
    const match = /^w[bvp](\d+)-\d+/.exec(name ?? '');
    if (name && match && stale(match[1])) {
      ip(['link', 'del', name], true);
      removed.push(name);
    }
  }
  return removed;
}
