/**
 * The standalone cluster on real processes (`npm run test:cluster`): one `weir jobmanager` and two
 * `weir taskmanager`s with two slots each.
 *
 * - On three hosts, each a network namespace of its own (netns.ts), so that RPC and the data plane
 *   cross real interfaces: examples submitted at -p 4 print, on the TaskManagers, what
 *   `weir run -p 4` prints locally; then a keyed running count through the exactly-once file sink
 *   survives five `kill -9`s of a TaskManager that runs its slots and one unplugged link, with
 *   nothing lost or duplicated in its committed output.
 * - On 127.0.0.1 (the namespaces cannot reach the Kafka broker on the host's loopback): the Kafka
 *   exactly-once job at -p 4, with a `kill -9` of a TaskManager, checked by a read_committed reader.
 *
 * Every fault comes at a random moment after a checkpoint completed since the last recovery (the
 * seed is printed; WEIR_CLUSTER_SEED repeats a run). Waits are on log lines and REST answers, with
 * deadlines. Without root or `ip`, the multi-host part is skipped, or fails when CI is set.
 */
import assert from 'node:assert/strict';
import { execFile } from 'node:child_process';
import { existsSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, describe, it } from 'node:test';
import { auditRunningCounts, restoredCheckpointIds } from '../faults/support.ts';
import { createTopic, KAFKA_BOOTSTRAP, kafkaBroker, uniqueTopic } from '../kafka/broker.ts';
import { audit, produceNumbers } from '../kafka/eos-audit.ts';
import { readCommitted } from '../kafka/read-committed.ts';
import { lines, multiset, ROOT, StandaloneCluster, seededRandom } from './cluster-support.ts';
import { createNetwork, type Network, netnsUnavailable } from './netns.ts';

const unavailable = netnsUnavailable();
const SLOTS = 2;
const PARALLELISM = 4;
/** Short heartbeats: a TaskManager behind an unplugged link is lost after 4 s. */
const HEARTBEAT = { intervalMs: 500, timeoutMs: 4_000 };
const TOKEN = `token-${process.pid}-${Math.random().toString(36).slice(2)}`;
const SECRET = `secret-${process.pid}-${Math.random().toString(36).slice(2)}`;
const SEED = Number(process.env.WEIR_CLUSTER_SEED ?? Math.floor(Math.random() * 2 ** 31));
const random = seededRandom(SEED);
/** Bounded examples whose output at -p 4 is the same multiset of lines in every run. */
const EXAMPLES = ['fraud-detection', 'product-sales', 'fraud-sliding-window', 'sensor-average'];

/** `weir run <args>` here, as a user runs a job locally; its stdout. */
function weirRun(args: readonly string[]): Promise<string> {
  return new Promise((resolve, reject) => {
    execFile(
      process.execPath,
      [join(ROOT, 'bin/weir.js'), 'run', ...args],
      { cwd: ROOT, timeout: 120_000, maxBuffer: 16 * 1024 * 1024 },
      (error, stdout, stderr) => (error ? reject(new Error(`${error.message}\n${stderr}`)) : resolve(stdout)),
    );
  });
}

/** A pause that places a fault at a random moment in [0, maxMs): the fault's timing, not a wait. */
function randomPause(maxMs: number): Promise<void> {
  return new Promise((resolve) => setTimeout(resolve, Math.floor(random() * maxMs)));
}

describe('standalone cluster, JobManager and TaskManagers on hosts of their own', {
  skip: unavailable !== undefined && !process.env.CI ? unavailable : false,
}, () => {
  let net: Network<'jm' | 'tm1' | 'tm2'> | undefined;
  let cluster: StandaloneCluster | undefined;
  let work = '';

  before(async () => {
    if (unavailable)
      throw new Error(`${unavailable} (CI is set, so the multi-host tests fail instead of skipping)`);
    console.log(`cluster test seed: ${SEED} (WEIR_CLUSTER_SEED=${SEED} repeats the faults' timing)`);
    work = mkdtempSync(join(tmpdir(), 'weir-cluster-'));
    net = createNetwork({ hosts: ['jm', 'tm1', 'tm2'] });
    cluster = await StandaloneCluster.start({
      placement: { kind: 'network', net, jobManager: 'jm', taskManagers: ['tm1', 'tm2'] },
      slots: SLOTS,
      work,
      token: TOKEN,
      secret: SECRET,
      heartbeat: HEARTBEAT,
      slotRequestTimeoutMs: 60_000,
    });
  });

  after(async () => {
    await cluster?.stop();
    net?.destroy();
    if (work) rmSync(work, { recursive: true, force: true });
  });

  it('registers both TaskManagers from their own addresses, with two slots each', async () => {
    const { taskmanagers } = await cluster!.client.taskManagers();
    assert.deepEqual(
      taskmanagers.map((tm) => [tm.address, tm.slotsNumber]).sort(),
      [
        [net!.hosts.tm1.address, SLOTS],
        [net!.hosts.tm2.address, SLOTS],
      ].sort(),
    );
  });

  it(`examples at -p ${PARALLELISM} print on the TaskManagers what weir run -p ${PARALLELISM} prints`, {
    timeout: 300_000,
  }, async () => {
    const c = cluster!;
    const expected = await Promise.all(
      EXAMPLES.map((e) => weirRun([`examples/${e}.ts`, '-p', String(PARALLELISM)])),
    );
    const printedBy = new Set<number>();
    for (const [i, example] of EXAMPLES.entries()) {
      const want = multiset(expected[i]);
      assert.ok(want.length > 0, `${example} prints something locally`);
      // What each TaskManager has printed before this job: its output is what comes after.
      const marks = c.taskManagers.map((tm) => tm.stdout().length);
      const printed = () => c.taskManagers.map((tm, k) => tm.stdout().slice(marks[k]));
      const printedLines = () => printed().flatMap(lines);
      const jobId = await c.submit(`examples/${example}.ts`, { parallelism: PARALLELISM });
      await c.waitForJob(jobId, (job) => job.state === 'FINISHED', `${example} to finish`);
      // The job has ended; its last lines may still be on their way from the slot threads.
      await c.until(() => printedLines().length >= want.length, 30_000, `${example}'s output`);
      assert.deepEqual(printedLines().sort(), want, `${example}: the TaskManagers' output`);
      printed().forEach((out, k) => {
        if (out.length > 0) printedBy.add(k);
      });
    }
    // The 4 subtasks of each job run in the 4 slots of both hosts: records crossed the network.
    assert.deepEqual([...printedBy].sort(), [0, 1], 'both TaskManagers printed');
  });

  it('a keyed count to exactly-once files survives 5 kill -9s of a TaskManager and 1 unplugged link', {
    timeout: 420_000,
  }, async () => {
    const c = cluster!;
    const KILLS = 5;
    const EVENTS = 45_000;
    const KEYS = 7;
    const output = join(work, 'count-out');
    const release = join(work, 'count-release');
    const jobId = await c.submit('test/cluster/jobs/cluster-count.ts', {
      parallelism: PARALLELISM,
      env: {
        WEIR_CLUSTER_EVENTS: String(EVENTS),
        WEIR_CLUSTER_KEYS: String(KEYS),
        // 30 s of input at least: the faults fall while records flow.
        WEIR_CLUSTER_RATE: '1500',
        WEIR_CLUSTER_RELEASE: release,
        WEIR_CLUSTER_OWNER: String(process.pid),
        WEIR_CLUSTER_DIR: work,
        WEIR_CLUSTER_CHECKPOINTS: join(work, 'checkpoints', 'count'),
        WEIR_CLUSTER_OUTPUT: output,
      },
    });
    // The unplugged link comes at a random place among the kills.
    const faults: Array<'kill -9' | 'link down'> = Array.from({ length: KILLS }, () => 'kill -9' as const);
    faults.splice(Math.floor(random() * (KILLS + 1)), 0, 'link down');

    /** Waits until the job runs after `restarts` restarts and has completed a checkpoint since. */
    const recovered = async (restarts: number, what: string): Promise<number> => {
      await c.waitForJob(
        jobId,
        (job) => job.state === 'RUNNING' && job.restarts >= restarts,
        `${what}: running`,
      );
      const since = await c.latestCheckpoint(jobId);
      await c.waitForJob(
        jobId,
        async () => (await c.latestCheckpoint(jobId)) > since,
        `${what}: a checkpoint after checkpoint ${since}`,
      );
      return since;
    };

    await recovered(0, 'the job');
    /** Checkpoint ids the counting subtasks restored from, in order (4 lines per restart). */
    const restores = () =>
      existsSync(join(work, 'restores'))
        ? lines(readFileSync(join(work, 'restores'), 'utf8')).map(Number)
        : [];
    const log: string[] = [];
    let injected = 0;
    for (const [k, fault] of faults.entries()) {
      const { restarts } = await c.client.job(jobId);
      // A TaskManager that runs slots of the job (the only job: its busy slots are the job's).
      const { taskmanagers } = await c.client.taskManagers();
      const busy = taskmanagers.filter((tm) => tm.freeSlots < tm.slotsNumber).map((tm) => tm.id);
      const candidates = c.taskManagers.filter(
        (tm) => tm.running() && tm.registrations().some((id) => busy.includes(id)),
      );
      assert.ok(
        candidates.length > 0,
        `fault ${k + 1}: no TaskManager runs the job's slots (${JSON.stringify(taskmanagers)})`,
      );
      const victim = candidates[Math.floor(random() * candidates.length)].index;
      const started = Date.now();
      await randomPause(1_000);
      const known = await c.latestCheckpoint(jobId);
      const restoredBefore = restores().length;
      if (fault === 'kill -9') {
        const oldIds = c.allTaskManagers.flatMap((tm) => tm.registrations());
        await c.killTaskManager(victim);
        injected++;
        // A new process on the same host: its slots come back (the job may already run elsewhere).
        const fresh = await c.restartTaskManager(victim);
        assert.ok(
          !oldIds.includes(fresh.registrations()[0]),
          'a restarted TaskManager registers under a new id',
        );
        await recovered(restarts + 1, `fault ${k + 1} (kill -9 of taskmanager-${victim})`);
      } else {
        const tm = c.taskManagers[victim];
        const registered = tm.registrations().length;
        c.linkDown(victim);
        injected++;
        try {
          // Lost after the heartbeat timeout; the job recovers on the other host while the cable is out.
          await recovered(restarts + 1, `fault ${k + 1} (link of taskmanager-${victim} down)`);
          const listed = (await c.client.taskManagers()).taskmanagers;
          const cutOff = tm.registrations();
          assert.ok(
            listed.every((info) => !cutOff.includes(info.id)),
            `the cut-off TaskManager is no longer listed: ${JSON.stringify(listed)}`,
          );
          assert.ok(
            listed.some((info) => info.freeSlots < info.slotsNumber),
            `the job runs on the other TaskManager: ${JSON.stringify(listed)}`,
          );
        } finally {
          c.linkUp(victim);
        }
        // The TaskManager finds the JobManager again and registers anew, without its old slots.
        await c.waitForRegistration(tm, registered + 1);
        await c.waitForTaskManagers(2);
      }
      // Each restart restores every counting subtask from the latest checkpoint when it restarted.
      const restored = [...new Set(restores().slice(restoredBefore))];
      assert.ok(restored.length > 0, `fault ${k + 1}: no subtask restored from a checkpoint`);
      assert.ok(
        Math.min(...restored) >= known,
        `fault ${k + 1}: restored from checkpoint ${restored.join(', ')}, but checkpoint ${known} was complete before it`,
      );
      log.push(
        `${fault} taskmanager-${victim}: restored from ${restored.join(', ')} (>= ${known}), recovered in ${Date.now() - started} ms`,
      );
    }
    console.log(`cluster faults, seed ${SEED}:\n  ${log.join('\n  ')}`);

    writeFileSync(release, '');
    const finished = await c.waitForJob(
      jobId,
      (job) => job.state === 'FINISHED',
      'the job to finish',
      240_000,
    );
    const { lost, duplicated } = auditRunningCounts(output, EVENTS, KEYS);
    console.log(`cluster faults: ${injected} injected, ${lost} lost, ${duplicated} duplicated`);
    console.log(`  ${finished.restarts} restarts, ${new Set(restores()).size} distinct checkpoints restored`);
    assert.ok(injected >= 5, `${injected} faults injected`);
    assert.ok(finished.restarts >= injected, `${finished.restarts} restarts for ${injected} faults`);
    assert.equal(lost, 0, 'lost');
    assert.equal(duplicated, 0, 'duplicated');
  });
});

describe('standalone cluster on 127.0.0.1, Kafka exactly-once', () => {
  it(`a keyed count from Kafka to Kafka at -p ${PARALLELISM} survives a kill -9 of a TaskManager: read_committed sees each count once`, {
    timeout: 300_000,
  }, async (t) => {
    if (!(await kafkaBroker(t))) return;
    const RECORDS = 40_000;
    const KEYS = 13;
    const input = uniqueTopic('cluster-in');
    const output = uniqueTopic('cluster-out');
    await createTopic(input, 4);
    await createTopic(output, 3);
    await produceNumbers(KAFKA_BOOTSTRAP, input, RECORDS, 4);
    const work = mkdtempSync(join(tmpdir(), 'weir-cluster-kafka-'));
    let cluster: StandaloneCluster | undefined;
    t.after(async () => {
      await cluster?.stop();
      rmSync(work, { recursive: true, force: true });
    });
    cluster = await StandaloneCluster.start({
      placement: { kind: 'loopback', taskManagers: 2 },
      slots: SLOTS,
      work,
      token: TOKEN,
      secret: SECRET,
      heartbeat: HEARTBEAT,
      slotRequestTimeoutMs: 60_000,
    });
    const c = cluster;
    const jobId = await c.submit('test/kafka/jobs/kafka-count.ts', {
      parallelism: PARALLELISM,
      env: {
        WEIR_KAFKA_SERVERS: KAFKA_BOOTSTRAP,
        WEIR_KAFKA_INPUT: input,
        WEIR_KAFKA_OUTPUT: output,
        WEIR_KAFKA_KEYS: String(KEYS),
        // Reads without end, so it cannot finish before the kill; the test cancels it.
        WEIR_KAFKA_UNBOUNDED: '1',
        WEIR_KAFKA_OWNER: String(process.pid),
        // 2,000 records per second per subtask: a few seconds of input.
        WEIR_KAFKA_RATE: '2000',
        WEIR_KAFKA_RESTARTS: '20',
        WEIR_KAFKA_MARKERS: work,
        WEIR_KAFKA_CHECKPOINTS: join(work, 'checkpoints', 'kafka'),
      },
    });
    await c.waitForJob(
      jobId,
      async (job) => job.state === 'RUNNING' && (await c.latestCheckpoint(jobId)) > 0,
      'a checkpoint',
    );
    const { taskmanagers } = await c.client.taskManagers();
    const busy = taskmanagers.filter((tm) => tm.freeSlots < tm.slotsNumber).map((tm) => tm.id);
    const victim = c.taskManagers.find((tm) => tm.registrations().some((id) => busy.includes(id)));
    assert.ok(victim, `a TaskManager runs the job's slots (${JSON.stringify(taskmanagers)})`);
    await randomPause(500);
    const known = await c.latestCheckpoint(jobId);
    await c.killTaskManager(victim.index);
    await c.restartTaskManager(victim.index);
    await c.waitForJob(jobId, (job) => job.state === 'RUNNING' && job.restarts >= 1, 'the job to recover');
    let values: Array<string | null> = [];
    await c.waitForJob(
      jobId,
      async () => {
        values = (await readCommitted(output)).map((r) => r.value);
        return audit(values, RECORDS, KEYS).lost === 0;
      },
      `all ${RECORDS} counts committed`,
      240_000,
    );
    // The counting subtasks say on stderr which checkpoint they restored from.
    let restored: number[] = [];
    await c.until(
      () => (restored = restoredCheckpointIds(c.taskManagerStderr())).length > 0,
      30_000,
      'the restored subtasks to say from which checkpoint',
    );
    await c.client.cancel(jobId);
    const ended = await c.waitForJob(
      jobId,
      (job) => job.state === 'CANCELED',
      'the job to be cancelled',
      60_000,
      ['FAILED'],
    );
    values = (await readCommitted(output)).map((r) => r.value);
    const { lost, duplicated } = audit(values, RECORDS, KEYS);
    console.log(
      `cluster kafka exactly-once: 1 kill -9, ${ended.restarts} restarts (restored from checkpoint ${[...new Set(restored)].join(', ')}), ${lost} lost, ${duplicated} duplicated (${values.length} committed records)`,
    );
    assert.ok(
      Math.min(...restored) >= known,
      `restored from checkpoint ${restored.join(', ')}; ${known} was complete before the kill`,
    );
    assert.equal(lost, 0, 'lost');
    assert.equal(duplicated, 0, 'duplicated');
  });
});
