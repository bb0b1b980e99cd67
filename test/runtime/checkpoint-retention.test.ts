/**
 * What happens to a job's checkpoints when it ends: with the default retention
 * (DELETE_ON_CANCELLATION) they go when it finishes, is cancelled or stops with a savepoint (the
 * savepoint stays); with RETAIN_ON_CANCELLATION the latest one stays for a resume. A suspended job
 * (SIGTERM to weir run) keeps its latest checkpoint under either retention.
 */
import assert from 'node:assert/strict';
import { existsSync, mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, it } from 'node:test';
import {
  DataGeneratorSource,
  type JobClient,
  StreamExecutionEnvironment,
  WatermarkStrategy,
} from '../../src/index.ts';
import { CollectSink } from '../../src/testing/index.ts';
import { completedCheckpoints, until } from '../faults/support.ts';

function job(root: string, retain: boolean, events: number): StreamExecutionEnvironment {
  const env = StreamExecutionEnvironment.getExecutionEnvironment();
  env.enableCheckpointing(30);
  const config = env.getCheckpointConfig().setCheckpointStorage(root);
  if (retain) config.setExternalizedCheckpointRetention('RETAIN_ON_CANCELLATION');
  env
    .fromSource(
      new DataGeneratorSource((i) => i, events, { rateLimit: 2_000 }),
      WatermarkStrategy.noWatermarks(),
      'n',
    )
    .uid('n')
    .sinkTo(new CollectSink<number>());
  return env;
}

/** Waits for the event that a checkpoint completed while the job runs (generous deadline). */
function whenCheckpointed(root: string): Promise<void> {
  return until(() => completedCheckpoints(root).length > 0, 60_000, 'a completed checkpoint');
}

describe('checkpoint retention when a job ends', () => {
  const cases: Array<{
    end: string;
    retain: boolean;
    run: (env: StreamExecutionEnvironment, root: string, savepoints: string) => Promise<void>;
    kept: boolean;
  }> = [
    {
      end: 'finishes',
      retain: false,
      kept: false,
      run: async (env) => {
        await env.execute('finishes');
      },
    },
    {
      end: 'is cancelled',
      retain: false,
      kept: false,
      run: async (env, root) => {
        const client = await env.executeAsync('cancelled');
        await whenCheckpointed(root);
        await client.cancel();
        await client.getJobExecutionResult().catch(() => {});
      },
    },
    {
      end: 'stops with a savepoint',
      retain: false,
      kept: false,
      run: async (env, root, savepoints) => {
        const client: JobClient = await env.executeAsync('stopped');
        await whenCheckpointed(root);
        const path = await client.stopWithSavepoint!(savepoints);
        await client.getJobExecutionResult();
        assert.ok(existsSync(join(path, '_metadata')), 'the savepoint stays');
      },
    },
    {
      // SIGTERM or Ctrl-C to weir run: a suspend is not a cancel, whatever the retention.
      end: 'is suspended',
      retain: false,
      kept: true,
      run: async (env, root) => {
        const client = await env.executeAsync('suspended');
        await whenCheckpointed(root);
        const suspension = await client.suspend!();
        assert.equal(client.getJobStatus(), 'suspended');
        await assert.rejects(client.getJobExecutionResult(), { code: 'JOB_SUSPENDED' });
        assert.ok(suspension.checkpoint?.startsWith(root), String(suspension.checkpoint));
        assert.equal(suspension.storage, root);
      },
    },
    {
      end: 'is cancelled',
      retain: true,
      kept: true,
      run: async (env, root) => {
        const client = await env.executeAsync('cancelled, retained');
        await whenCheckpointed(root);
        await client.cancel();
        await client.getJobExecutionResult().catch(() => {});
      },
    },
    {
      end: 'stops with a savepoint',
      retain: true,
      kept: true,
      run: async (env, root, savepoints) => {
        const client = await env.executeAsync('stopped, retained');
        await whenCheckpointed(root);
        await client.stopWithSavepoint!(savepoints);
        await client.getJobExecutionResult();
      },
    },
  ];
  for (const c of cases) {
    const retention = c.retain ? 'RETAIN_ON_CANCELLATION' : 'the default retention';
    it(`with ${retention}, the checkpoints ${c.kept ? 'stay' : 'go'} when the job ${c.end}`, async () => {
      const work = mkdtempSync(join(tmpdir(), 'weir-retention-'));
      const root = join(work, 'checkpoints');
      try {
        await c.run(
          job(root, c.retain, c.end === 'finishes' ? 300 : 100_000),
          root,
          join(work, 'savepoints'),
        );
        if (c.kept) assert.equal(completedCheckpoints(root).length, 1, 'the latest checkpoint stays');
        else assert.deepEqual(completedCheckpoints(root), []);
      } finally {
        rmSync(work, { recursive: true, force: true });
      }
    });
  }
});
