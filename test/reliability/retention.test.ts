/**
 * Old job checkpoint directories accumulated: each run writes into a directory of its own, and
 * nothing deleted those of earlier runs. With `setMaxRetainedJobs(n)` a run deletes, at its start,
 * the directories of its earlier runs but the n that checkpointed last; never another job's, nor the
 * one it restores from.
 *
 * Before: no such rule (only `weir checkpoints delete` by hand, itself new); every run's directory
 * stayed.
 */
import assert from 'node:assert/strict';
import { existsSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, it } from 'node:test';
import { checkpointsByJob, until } from '../faults/support.ts';
import { repo, Workspace } from './support.ts';

const DEADLINE = 180_000;

const JOB = `
import { DataGeneratorSource, StreamExecutionEnvironment, WatermarkStrategy } from 'weir';
import { EndOnReleaseSource } from ${JSON.stringify(join(repo, 'test/faults/support.ts'))};

const env = StreamExecutionEnvironment.getExecutionEnvironment();
env.enableCheckpointing(50);
env
  .getCheckpointConfig()
  .setCheckpointStorage(process.env.CHECKPOINTS!)
  .setExternalizedCheckpointRetention('RETAIN_ON_CANCELLATION')
  .setMaxRetainedJobs(Number(process.env.KEEP));
const numbers = new DataGeneratorSource((i) => i, 100);
env
  .fromSource(new EndOnReleaseSource(numbers, process.env.RELEASE!, ${process.pid}), WatermarkStrategy.noWatermarks(), 'numbers')
  .uid('numbers')
  .filter(() => false)
  .print();
await env.execute(process.env.JOB_NAME);
`;

describe('reliability: a retention rule for the directories of earlier runs', () => {
  it('setMaxRetainedJobs(1) keeps the latest earlier run, deletes older ones, never another job or the restore source', async (t) => {
    const ws = new Workspace('retention');
    t.after(() => ws.dispose());
    const job = ws.job('job.ts', JOB);
    const checkpoints = ws.path('checkpoints');
    let round = 0;
    /** One run to its end, released once it has a complete checkpoint; its directory and stderr. */
    const run = async (name: string, keep: number, args: string[] = []) => {
      const release = ws.path(`release-${round++}`);
      const before = new Set(checkpointsByJob(checkpoints).keys());
      const started = ws.start(['run', job, ...args], {
        CHECKPOINTS: checkpoints,
        KEEP: String(keep),
        RELEASE: release,
        JOB_NAME: name,
      });
      let dir: string | undefined;
      await until(
        () => {
          if (started.child.exitCode !== null) throw new Error(`the run ended early: ${started.stderr()}`);
          dir = [...checkpointsByJob(checkpoints).keys()].find((d) => !before.has(d));
          return dir !== undefined;
        },
        DEADLINE,
        `a complete checkpoint of run ${round}`,
      );
      writeFileSync(release, '');
      const end = await started.done;
      assert.equal(end.code, 0, end.stderr);
      return { dir: join(checkpoints, dir!), stderr: end.stderr };
    };

    const other = await run('another job', 1);
    const first = await run('counting', 1);
    const second = await run('counting', 1);
    assert.ok(existsSync(first.dir), 'one earlier run is kept');
    const third = await run('counting', 1);
    assert.ok(!existsSync(first.dir), 'the oldest run was deleted');
    assert.match(
      third.stderr,
      new RegExp(`deleted ${first.dir.replaceAll('/', '\\/')}, checkpoints of an earlier run of "counting"`),
    );
    assert.ok(existsSync(second.dir) && existsSync(third.dir), 'the latest earlier run and its own stay');
    assert.ok(existsSync(other.dir), "another job's directory is never touched");

    // Keeping none: the earlier runs go, except the one this run restores from.
    const resumed = await run('counting', 0, ['--from-checkpoint', second.dir]);
    assert.ok(existsSync(second.dir), 'the directory restored from stays');
    assert.ok(!existsSync(third.dir), 'the other earlier run was deleted');
    assert.ok(existsSync(resumed.dir) && existsSync(other.dir));
    ws.assertNothingLeftInTmp();
  });
});
