/**
 * Helpers for fault tests: child processes of `weir run`, the checkpoints they leave, and failures
 * injected only after a completed checkpoint, with the restores they cause.
 */
import assert from 'node:assert/strict';
import { type ChildProcess, type SpawnOptions, spawn } from 'node:child_process';
import { appendFileSync, existsSync, readdirSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import {
  type Boundedness,
  type Collector,
  type InputStatus,
  type KeyedProcessContext,
  KeyedProcessFunction,
  type ReaderOutput,
  type Source,
  type SourceReader,
  type SourceReaderContext,
  type SourceSplit,
  type ValueState,
  ValueStateDescriptor,
} from 'weir';

/** The exit code of a child process (null when a signal ended it), also when it has exited already. */
export function exited(child: ChildProcess): Promise<number | null> {
  if (child.exitCode !== null || child.signalCode !== null) return Promise.resolve(child.exitCode);
  return new Promise((resolve) => child.once('exit', (code) => resolve(code)));
}

/** A child process started by {@link Children.spawn}, with what it has written so far. */
export interface Run {
  readonly child: ChildProcess;
  stdout(): string;
  stderr(): string;
  /** Resolves once the process has exited and its output is read to the end. */
  readonly done: Promise<{
    code: number | null;
    signal: NodeJS.Signals | null;
    stdout: string;
    stderr: string;
  }>;
}

/**
 * The child processes a test starts. `killAll()` (in a `finally` or `t.after`) sends SIGKILL to
 * every one still running and waits for it to exit, so a failing test never leaves a process behind
 * (one would keep the test file, and `npm test`, from ever ending).
 */
export class Children {
  private readonly live = new Set<ChildProcess>();

  spawn(command: string, args: readonly string[], options: SpawnOptions): Run {
    const child = spawn(command, args, { ...options, stdio: ['ignore', 'pipe', 'pipe'] });
    this.live.add(child);
    child.once('exit', () => this.live.delete(child));
    let stdout = '';
    let stderr = '';
    child.stdout!.on('data', (d) => (stdout += d));
    child.stderr!.on('data', (d) => (stderr += d));
    const done = new Promise<Awaited<Run['done']>>((resolve, reject) => {
      child.once('error', reject);
      child.once('close', (code, signal) => resolve({ code, signal, stdout, stderr }));
    });
    done.catch(() => {}); // reported to whoever awaits it; never an unhandled rejection
    return { child, stdout: () => stdout, stderr: () => stderr, done };
  }

  /** SIGKILL to every child still running; resolves when each has exited. */
  async killAll(): Promise<void> {
    const running = [...this.live];
    for (const child of running) child.kill('SIGKILL');
    await Promise.all(
      running.map(async (child) => {
        await exited(child);
        child.stdout?.destroy();
        child.stderr?.destroy();
      }),
    );
  }
}

/**
 * Waits for an event: polls `condition` (which may be asynchronous) every 20 ms until it holds, and
 * rejects after `timeoutMs`, a deadline generous enough for a loaded machine. Never a pause.
 */
export async function until(
  condition: () => boolean | Promise<boolean>,
  timeoutMs: number,
  what = 'a condition',
): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (!(await condition())) {
    if (Date.now() > deadline) throw new Error(`timed out after ${timeoutMs} ms waiting for ${what}`);
    await new Promise((r) => setTimeout(r, 20));
  }
}

/** The checkpoint ids that `restored from checkpoint <id>` lines (printed by the test jobs) name. */
export function restoredCheckpointIds(output: string): number[] {
  return [...output.matchAll(/restored from checkpoint (\d+)/g)].map((m) => Number(m[1]));
}

/** Complete checkpoints (`<job>/chk-<n>` with a `_metadata`) under a storage root. */
export function completedCheckpoints(root: string): string[] {
  if (!existsSync(root)) return [];
  const found: string[] = [];
  for (const job of readdirSync(root)) {
    const dir = join(root, job);
    for (const chk of existsSync(dir) ? readdirSync(dir) : []) {
      if (existsSync(join(dir, chk, '_metadata'))) found.push(join(job, chk));
    }
  }
  return found;
}

/** Ids of the complete checkpoints under a storage root, by job directory. */
export function checkpointsByJob(root: string): Map<string, number[]> {
  const jobs = new Map<string, number[]>();
  for (const path of completedCheckpoints(root)) {
    const [job, chk] = path.split('/');
    jobs.set(job, [...(jobs.get(job) ?? []), Number(/chk-(\d+)$/.exec(chk)?.[1])]);
  }
  return jobs;
}

/**
 * The id of the newest complete checkpoint under a storage root (0 when there is none). Progress is
 * measured by id, not by count: only the latest N are kept, so the count stops growing.
 */
export function latestCheckpoint(root: string): number {
  let latest = 0;
  for (const path of completedCheckpoints(root)) {
    latest = Math.max(latest, Number(/chk-(\d+)$/.exec(path)?.[1] ?? 0));
  }
  return latest;
}

/**
 * A source that cannot end before the test says so: it reads `inner`, and when `inner` has ended it
 * waits (emitting nothing, taking part in checkpoints) until the file `release` exists, and only
 * then ends. A test can then stop or kill the job at any point without the job finishing first.
 * Should the test's process (`owner`, a pid) die without killing the job, the job ends as if
 * released, instead of waiting forever as an orphan.
 */
export class EndOnReleaseSource<T, S extends SourceSplit> implements Source<T, S> {
  readonly boundedness: Boundedness;
  private readonly inner: Source<T, S>;
  private readonly release: string;
  private readonly owner: number | undefined;

  constructor(inner: Source<T, S>, release: string, owner?: number) {
    this.inner = inner;
    this.boundedness = inner.boundedness;
    this.release = release;
    this.owner = owner;
  }

  createSplits(parallelism: number): S[] | Promise<S[]> {
    return this.inner.createSplits(parallelism);
  }

  createReader(context: SourceReaderContext): SourceReader<T, S> {
    const reader = this.inner.createReader(context);
    const release = this.release;
    const owner = this.owner;
    const released = () => existsSync(release) || (owner !== undefined && !alive(owner));
    let ended = false;
    return wrapReader(reader, {
      pollNext(output: ReaderOutput<T>, maxRecords: number): InputStatus {
        if (!ended) {
          const status = reader.pollNext(output, maxRecords);
          if (status !== 'end') return status;
          ended = true;
        }
        return released() ? 'end' : 'nothing-available';
      },
      // While held, the task looks for the release file again every 20 ms.
      isAvailable: () => (ended ? new Promise<void>((r) => setTimeout(r, 20)) : reader.isAvailable()),
    });
  }
}

function alive(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch (error) {
    return (error as NodeJS.ErrnoException).code === 'EPERM';
  }
}

/** A range of record indices `[next, end)`, as the generator source's splits are. */
export interface RangeSplit extends SourceSplit {
  readonly next: number;
  readonly end: number;
}

/** `reader` with some of its methods replaced; the others pass through to it. */
export function wrapReader<T, S extends SourceSplit>(
  reader: SourceReader<T, S>,
  overrides: Partial<SourceReader<T, S>>,
): SourceReader<T, S> {
  return {
    start: () => reader.start?.(),
    pollNext: (output, maxRecords) => reader.pollNext(output, maxRecords),
    isAvailable: () => reader.isAvailable(),
    addSplits: (splits) => reader.addSplits(splits),
    noMoreSplits: () => reader.noMoreSplits(),
    snapshotState: (checkpointId) => reader.snapshotState(checkpointId),
    notifyCheckpointComplete: (checkpointId) => reader.notifyCheckpointComplete?.(checkpointId),
    currentPosition: () => reader.currentPosition?.(),
    close: () => reader.close?.(),
    ...overrides,
  };
}

/**
 * Failures that can only be survived by a restore. Wraps a generator source whose record i is i (a
 * `DataGeneratorSource((i) => i, ...)`) and fails the job once at each index of `faults`, but never
 * before a checkpoint has completed: a reader that reaches a fault index waits there (emitting
 * nothing, so the job cannot end first) until it has heard of a checkpoint completed since it
 * started, then throws. The marker file `<dir>/fault-<index>` makes each fault fire once, across
 * restarts, threads and processes, and holds the id of that checkpoint: a restore must use it or a
 * newer one ({@link checkRestores}). The records between that checkpoint and the fault are replayed.
 */
export class FaultAfterCheckpointSource implements Source<number, RangeSplit> {
  readonly boundedness: Boundedness;
  private readonly inner: Source<number, RangeSplit>;
  private readonly faults: readonly number[];
  private readonly dir: string;

  constructor(inner: Source<number, RangeSplit>, faults: readonly number[], dir: string) {
    this.inner = inner;
    this.boundedness = inner.boundedness;
    this.faults = [...faults].sort((a, b) => a - b);
    this.dir = dir;
  }

  createSplits(parallelism: number): RangeSplit[] | Promise<RangeSplit[]> {
    return this.inner.createSplits(parallelism);
  }

  createReader(context: SourceReaderContext): SourceReader<number, RangeSplit> {
    const reader = this.inner.createReader(context);
    const marker = (index: number) => join(this.dir, `fault-${index}`);
    const faults = this.faults;
    let completed: number | undefined;
    let waiting: { promise: Promise<void>; resolve: () => void } | undefined;
    /** Records the reader may emit before the next pending fault in its splits (Infinity: none). */
    const distanceToFault = (): { index: number; distance: number } | undefined => {
      let before = 0;
      for (const s of reader.snapshotState(0)) {
        const index = faults.find((f) => f >= s.next && f < s.end && !existsSync(marker(f)));
        if (index !== undefined) return { index, distance: before + index - s.next };
        before += s.end - s.next;
      }
      return undefined;
    };
    return wrapReader(reader, {
      pollNext(output: ReaderOutput<number>, maxRecords: number): InputStatus {
        const due = distanceToFault();
        if (due === undefined || due.distance > 0) {
          return reader.pollNext(output, Math.min(maxRecords, due?.distance ?? maxRecords));
        }
        if (completed === undefined) {
          if (waiting === undefined) {
            let resolve!: () => void;
            const promise = new Promise<void>((r) => (resolve = r));
            waiting = { promise, resolve };
          }
          return 'nothing-available';
        }
        writeFileSync(marker(due.index), String(completed), { flag: 'wx' });
        throw new Error(`injected fault at record ${due.index}, after checkpoint ${completed}`);
      },
      isAvailable: () => waiting?.promise ?? reader.isAvailable(),
      notifyCheckpointComplete(checkpointId: number): void {
        completed = checkpointId;
        reader.notifyCheckpointComplete?.(checkpointId);
        waiting?.resolve();
        waiting = undefined;
      },
    });
  }
}

/** Appends the checkpoint a subtask restored from to `<dir>/restores` (call it in `open()`). */
export function recordRestore(dir: string, restoredCheckpointId: number | undefined): void {
  if (restoredCheckpointId !== undefined) appendFileSync(join(dir, 'restores'), `${restoredCheckpointId}\n`);
}

/** What {@link killRounds} needs: how to start a run, where its checkpoints go, the randomness. */
export interface KillRounds {
  kills: number;
  /** The checkpoint storage root the runs write. */
  checkpoints: string;
  /** Uniform in [0, 1): seeded by the test, so that a failing run can be repeated. */
  random: () => number;
  /** How long a run may take to complete the checkpoints it is killed after. */
  deadlineMs: number;
  /** Starts round `round`'s `weir run`, from the latest checkpoint when `resume`. */
  start(round: number, resume: boolean): Run;
  /** Called once the run started, before waiting for its checkpoints (to feed it input, say). */
  started?(round: number, run: Run): Promise<void> | void;
  /** Called after the kill; `before` was the latest complete checkpoint when the run started. */
  killed?(round: number, before: number, target: number, run: Run): void;
}

/**
 * Kills `weir run` with `kill -9` `kills` times, each at a random moment: once the run has completed
 * 1 to 3 checkpoints of its own (so that it restored, and made progress past the restore), then
 * anywhere in the next 100 ms (mid-checkpoint, mid-commit or between: the pause only spreads the
 * kills, the assertions read what is on disk). Each round resumes from the latest complete
 * checkpoint. Fails if a run ends before it is killed, or dies of anything but the kill. Returns the
 * number of kills.
 */
export async function killRounds(o: KillRounds): Promise<number> {
  let kills = 0;
  let latestAtKill = 0;
  for (let round = 0; round < o.kills; round++) {
    const before = latestCheckpoint(o.checkpoints);
    assert.equal(before, latestAtKill, 'no checkpoint completed after the kill');
    const run = o.start(round, before > 0);
    await o.started?.(round, run);
    const target = before + 1 + Math.floor(o.random() * 3);
    await until(
      () => {
        if (run.child.exitCode !== null) {
          throw new Error(`weir run ended (${run.child.exitCode}) before it was killed: ${run.stderr()}`);
        }
        return latestCheckpoint(o.checkpoints) >= target;
      },
      o.deadlineMs,
      `checkpoint ${target} in round ${round}`,
    );
    await new Promise((r) => setTimeout(r, Math.floor(o.random() * 100)));
    run.child.kill('SIGKILL');
    const killed = await run.done;
    assert.equal(killed.signal, 'SIGKILL', `round ${round} died of the kill: ${killed.stderr}`);
    kills++;
    // The process is gone: what is on disk now is what was complete at the moment it died.
    latestAtKill = latestCheckpoint(o.checkpoints);
    assert.ok(latestAtKill >= target, `checkpoint ${latestAtKill} after the kill, waited for ${target}`);
    o.killed?.(round, before, target, run);
  }
  return kills;
}

/**
 * The fault jobs' keyed running count: each number becomes [its key, how many numbers of that key
 * came so far], from keyed ValueState, so that an audit sees a lost or repeated record as a gap or a
 * repeated count. When opened from a checkpoint it records the restore in `restoresDir` (see
 * {@link recordRestore}) and, with `announce`, prints `restored from checkpoint <id>` on stderr.
 */
export class RunningCount extends KeyedProcessFunction<number, number, [number, number]> {
  private count!: ValueState<number, number>;
  private readonly restoresDir: string | undefined;
  private readonly announce: boolean;

  constructor(options: { restoresDir?: string; announce?: boolean } = {}) {
    super();
    this.restoresDir = options.restoresDir;
    this.announce = options.announce ?? false;
  }

  override open(): void {
    this.count = this.getRuntimeContext().getState(new ValueStateDescriptor('count', 0));
    const restored = this.getRuntimeContext().getRestoredCheckpointId();
    if (this.restoresDir) recordRestore(this.restoresDir, restored);
    if (this.announce && restored !== undefined) console.error(`restored from checkpoint ${restored}`);
  }

  processElement(_v: number, ctx: KeyedProcessContext<number>, out: Collector<[number, number]>): void {
    const n = this.count.value() + 1;
    this.count.update(n);
    out.collect([ctx.getCurrentKey(), n]);
  }
}

/**
 * Asserts that every fault of a {@link FaultAfterCheckpointSource} was followed by a restore from
 * the checkpoint known complete when it fired, or a newer one, and older than the next fault's:
 * with faults ordered by that checkpoint id, the k-th restart restored from an id in
 * [known(k), known(k+1)). Subtasks restored together log the same id; each restart logs a new one.
 * Returns the restored ids.
 */
export function checkRestores(dir: string, faults: number): number[] {
  const known = readdirSync(dir)
    .filter((f) => f.startsWith('fault-'))
    .map((f) => Number(readFileSync(join(dir, f), 'utf8')))
    .sort((a, b) => a - b);
  const restores = existsSync(join(dir, 'restores'))
    ? [...new Set(readFileSync(join(dir, 'restores'), 'utf8').split('\n').filter(Boolean).map(Number))]
    : [];
  restores.sort((a, b) => a - b);
  assert.equal(known.length, faults, `faults fired: ${known.length}`);
  assert.ok(known[0] >= 1, 'the first fault came after a completed checkpoint');
  assert.equal(restores.length, faults, `restored from checkpoints ${restores.join(', ')}`);
  for (let k = 0; k < faults; k++) {
    assert.ok(
      restores[k] >= known[k] && (k + 1 === faults || restores[k] < known[k + 1]),
      `restart ${k + 1} restored from checkpoint ${restores[k]}; checkpoint ${known[k]} was complete before its fault (all: known ${known.join(', ')}, restored ${restores.join(', ')})`,
    );
  }
  return restores;
}

/**
 * Audits the committed output of test/faults/jobs/exactly-once-file.ts: every `[key, n]` of a keyed
 * running count over `events` numbers and `keys` keys must appear exactly once. Files still in
 * progress or pending are not output. Returns the lines missing and the lines seen too often (or
 * that should not exist at all).
 */
export function auditRunningCounts(
  output: string,
  events: number,
  keys: number,
): { lost: number; duplicated: number } {
  const seen = new Map<string, number>();
  for (const file of existsSync(output) ? readdirSync(output) : []) {
    if (/\.(inprogress|pending)$/.test(file)) continue;
    for (const line of readFileSync(join(output, file), 'utf8').split('\n')) {
      if (line) seen.set(line, (seen.get(line) ?? 0) + 1);
    }
  }
  let lost = 0;
  let duplicated = 0;
  const perKey = new Array<number>(keys).fill(0);
  for (let i = 0; i < events; i++) perKey[i % keys]++;
  for (let k = 0; k < keys; k++) {
    for (let n = 1; n <= perKey[k]; n++) {
      const line = JSON.stringify([k, n]);
      const times = seen.get(line) ?? 0;
      if (times === 0) lost++;
      else duplicated += times - 1;
      seen.delete(line);
    }
  }
  for (const times of seen.values()) duplicated += times;
  return { lost, duplicated };
}
