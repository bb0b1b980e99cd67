/**
 * The network namespaces of the multi-host tests (netns.ts): hosts reach each other over TCP through
 * their veth addresses, each has its own 127.0.0.1, a link taken down loses the traffic and brought
 * up restores it, and nothing is left behind — also of a run that died before cleaning up.
 */
import assert from 'node:assert/strict';
import { type ChildProcess, execFileSync, spawn } from 'node:child_process';
import { once } from 'node:events';
import { connect } from 'node:net';
import { after, describe, it } from 'node:test';
import { createNetwork, type Network, netnsUnavailable, sweepStaleNetworks } from './netns.ts';

const unavailable = netnsUnavailable();

/** An echo server on `host`:`port`; resolves once it listens. */
async function echoServer(net: Network, host: string, bind: string, port: number): Promise<ChildProcess> {
  const server = net.exec(
    host,
    process.execPath,
    [
      '-e',
      `require('node:net').createServer((s) => { s.on('error', () => {}); s.pipe(s); })
         .listen(${port}, ${JSON.stringify(bind)}, () => console.log('listening'));`,
    ],
    { stdio: ['ignore', 'pipe', 'inherit'] },
  );
  await lineMatching(server, /listening/, 10_000);
  return server;
}

/**
 * A client in `host` that connects to `address:port`, then for each line on its stdin sends it and
 * prints the echo; it prints `error <code>` when the connection fails.
 */
function client(net: Network, host: string, address: string, port: number): ChildProcess {
  return net.exec(
    host,
    process.execPath,
    [
      '-e',
      `const s = require('node:net').connect(${port}, ${JSON.stringify(address)}, () => console.log('connected'));
       s.setEncoding('utf8');
       s.on('data', (d) => process.stdout.write('echo ' + d));
       s.on('error', (e) => { console.log('error ' + e.code); process.exit(0); });
       process.stdin.setEncoding('utf8');
       process.stdin.on('data', (d) => s.write(d));
       process.stdin.on('end', () => s.end());`,
    ],
    { stdio: ['pipe', 'pipe', 'inherit'] },
  );
}

/** One TCP connect attempt from `host`, bounded: `connected`, `error <code>` or `timeout`. */
async function tryConnect(net: Network, host: string, address: string, port: number): Promise<string> {
  const probe = net.exec(
    host,
    process.execPath,
    [
      '-e',
      `const s = require('node:net').connect({ port: ${port}, host: ${JSON.stringify(address)} });
       s.setTimeout(1500, () => { console.log('timeout'); process.exit(0); });
       s.on('connect', () => { console.log('connected'); process.exit(0); });
       s.on('error', (e) => { console.log('error ' + e.code); process.exit(0); });`,
    ],
    { stdio: ['ignore', 'pipe', 'inherit'] },
  );
  let out = '';
  probe.stdout!.setEncoding('utf8').on('data', (d: string) => (out += d));
  await once(probe, 'exit');
  return out.trim();
}

/** Waits until `child` prints a line matching `pattern` (bounded). */
function lineMatching(child: ChildProcess, pattern: RegExp, timeoutMs: number): Promise<string> {
  return new Promise((resolve, reject) => {
    let buffer = '';
    const timer = setTimeout(() => {
      cleanup();
      reject(new Error(`no line matching ${pattern} within ${timeoutMs} ms; got: ${JSON.stringify(buffer)}`));
    }, timeoutMs);
    const onData = (chunk: Buffer | string) => {
      buffer += chunk.toString();
      const line = buffer.split('\n').find((l) => pattern.test(l));
      if (line !== undefined) {
        cleanup();
        resolve(line);
      }
    };
    const onExit = () => {
      cleanup();
      reject(
        new Error(`the process ended before a line matching ${pattern}; got: ${JSON.stringify(buffer)}`),
      );
    };
    const cleanup = () => {
      clearTimeout(timer);
      child.stdout!.off('data', onData);
      child.off('exit', onExit);
    };
    child.stdout!.on('data', onData);
    child.once('exit', onExit);
  });
}

/** Names of namespaces and links of this process. */
function leftovers(): string[] {
  const names = [
    ...execFileSync('ip', ['netns', 'list'], { encoding: 'utf8' })
      .split('\n')
      .map((l) => l.split(' ')[0]),
    ...execFileSync('ip', ['-o', 'link', 'show'], { encoding: 'utf8' })
      .split('\n')
      .map((l) => /^\d+:\s+([^:@\s]+)/.exec(l)?.[1] ?? ''),
  ];
  const pid = String(process.pid);
  return names.filter((n) => n.startsWith(`weir-${pid}-`) || new RegExp(`^w[bvp]${pid}-`).test(n));
}

describe('network namespaces for multi-host tests', { skip: unavailable }, () => {
  const networks: Network[] = [];
  after(() => {
    for (const net of networks) net.destroy();
  });

  it('two hosts talk over TCP through their veth addresses; each has its own 127.0.0.1', async () => {
    const net = createNetwork({ hosts: ['jm', 'tm1'] });
    networks.push(net);
    assert.match(net.hosts.jm.ns, new RegExp(`^weir-${process.pid}-\\d+-jm$`));
    assert.notEqual(net.hosts.jm.address, net.hosts.tm1.address);
    for (const host of Object.values(net.hosts)) assert.ok(host.veth.length <= 15, host.veth);

    const server = await echoServer(net, 'jm', '0.0.0.0', 7000);
    const loopbackOnly = await echoServer(net, 'jm', '127.0.0.1', 7001);
    try {
      assert.equal(await tryConnect(net, 'tm1', net.hosts.jm.address, 7000), 'connected');
      // jm's loopback is jm's alone: tm1's 127.0.0.1 has nothing on 7001.
      assert.equal(await tryConnect(net, 'jm', '127.0.0.1', 7001), 'connected');
      assert.equal(await tryConnect(net, 'tm1', '127.0.0.1', 7001), 'error ECONNREFUSED');
      // The root namespace (this test process) reaches the hosts through the bridge.
      const socket = connect(7000, net.hosts.jm.address);
      await once(socket, 'connect');
      socket.end('hello');
      assert.equal((await once(socket.setEncoding('utf8'), 'data'))[0], 'hello');
      socket.destroy();
    } finally {
      server.kill();
      loopbackOnly.kill();
    }
  });

  it('linkDown loses the traffic of an open connection and new connects; linkUp restores both', async () => {
    const net = createNetwork({ hosts: ['a', 'b'] });
    networks.push(net);
    const server = await echoServer(net, 'a', '0.0.0.0', 7100);
    const talker = client(net, 'b', net.hosts.a.address, 7100);
    try {
      await lineMatching(talker, /^connected$/, 5_000);
      talker.stdin!.write('one\n');
      await lineMatching(talker, /^echo one$/, 5_000);

      net.linkDown('a');
      talker.stdin!.write('two\n');
      // The cable is out: no echo within a second (the bounded wait is what is tested).
      await assert.rejects(lineMatching(talker, /^echo two$/, 1_000), /no line matching/);
      const attempt = await tryConnect(net, 'b', net.hosts.a.address, 7100);
      assert.match(attempt, /^(timeout|error E(HOSTUNREACH|TIMEDOUT|NETUNREACH))$/);

      net.linkUp('a');
      // TCP retransmits: the held-back line arrives over the restored link.
      await lineMatching(talker, /^echo two$/, 15_000);
      assert.equal(await tryConnect(net, 'b', net.hosts.a.address, 7100), 'connected');
    } finally {
      talker.kill();
      server.kill();
    }
  });

  it('processes in a namespace run this node and the repository (same file system)', async () => {
    const net = createNetwork({ hosts: ['solo'] });
    networks.push(net);
    const child = net.exec(
      'solo',
      process.execPath,
      ['-e', 'console.log(require("node:fs").existsSync(process.argv[1]))', import.meta.filename],
      {
        stdio: ['ignore', 'pipe', 'inherit'],
      },
    );
    assert.equal(await lineMatching(child, /^(true|false)$/, 10_000), 'true');
  });

  it('destroy removes the namespaces, veths and bridge, and kills what still runs inside', async () => {
    const net = createNetwork({ hosts: ['x', 'y', 'z'] });
    const names = [...Object.values(net.hosts).flatMap((h) => [h.ns, h.veth]), net.bridge];
    for (const name of names) assert.ok(leftovers().includes(name), `${name} exists`);
    const sleeper = net.exec('x', 'sleep', ['600'], { stdio: 'ignore' });
    await once(sleeper, 'spawn');
    net.destroy();
    net.destroy(); // idempotent
    await once(sleeper, 'exit');
    const left = leftovers().filter((n) => names.includes(n));
    assert.deepEqual(left, []);
  });

  it('a run that died without cleaning up is swept by the next', async () => {
    // A pid that no process has any more: a child that has exited.
    const gone = spawn(process.execPath, ['-e', '0']);
    await once(gone, 'exit');
    const dead = gone.pid!;
    const ns = `weir-${dead}-0-old`;
    const bridge = `wb${dead}-0`;
    execFileSync('ip', ['netns', 'add', ns]);
    execFileSync('ip', ['link', 'add', bridge, 'type', 'bridge']);
    try {
      const removed = sweepStaleNetworks();
      assert.ok(removed.includes(ns), `removed: ${removed.join(', ')}`);
      assert.ok(removed.includes(bridge), `removed: ${removed.join(', ')}`);
      assert.ok(!execFileSync('ip', ['netns', 'list'], { encoding: 'utf8' }).includes(ns));
      // A live process's network is left alone.
      const live = createNetwork({ hosts: ['kept'] });
      networks.push(live);
      assert.equal(sweepStaleNetworks().includes(live.hosts.kept.ns), false);
    } finally {
      // Only when the sweep failed to.
      for (const args of [
        ['netns', 'del', ns],
        ['link', 'del', bridge],
      ]) {
        try {
          execFileSync('ip', args, { stdio: 'ignore' });
        } catch {
          // removed by the sweep
        }
      }
    }
  });
});
