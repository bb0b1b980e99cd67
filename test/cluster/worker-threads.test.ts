import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { describe, it } from 'node:test';
import { fileURLToPath } from 'node:url';
import { runJob, WeirError } from 'weir';

const job = (name: string) => new URL(`../jobs/${name}.ts`, import.meta.url);
type KeyedTimers = typeof import('../jobs/keyed-timers.ts');

/** The job's output computed directly from its input, without Weir. */
async function expectedTotals(): Promise<{ totals: string[]; large: number[] }> {
  // Importing the data module only (not the job) to recompute the expectation.
  const orders = Array.from({ length: 5_000 }, (_, i) => ({
    id: i,
    customer: `c${(i * 7) % 13}`,
    amount: (i * 31) % 97,
  }));
  const byKey = new Map<string, { count: number; sum: number }>();
  for (const o of orders) {
    const t = byKey.get(o.customer) ?? { count: 0, sum: 0 };
    t.count++;
    t.sum += o.amount;
    byKey.set(o.customer, t);
  }
  return {
    totals: [...byKey].map(([k, t]) => `${k} count=${t.count} sum=${t.sum} at=2000000000`).sort(),
    large: orders
      .filter((o) => o.amount > 90)
      .map((o) => o.id)
      .sort((a, b) => a - b),
  };
}

describe('task slots on worker threads', () => {
  it('a job module gives the same results at parallelism 1, 2 and 3 on worker threads (one slot at parallelism 1)', async () => {
    const expected = await expectedTotals();
    for (const parallelism of [1, 2, 3]) {
      const { module, results } = await runJob<KeyedTimers>(job('keyed-timers'), {
        parallelism,
        taskSlots: 2,
      });
      assert.deepEqual(
        [...module.totals.values].sort(),
        expected.totals,
        `totals at parallelism ${parallelism}`,
      );
      assert.deepEqual(
        [...module.large.values].sort((a, b) => a - b),
        expected.large,
        `side output at parallelism ${parallelism}`,
      );
      assert.equal(results.length, 1);
      if (parallelism > 1) {
        // Records reached the client from both worker threads' subtasks.
        assert.ok(module.totals.bySubtask.size > 1, 'output came from several subtasks');
      }
    }
  });

  it('executeAndCollect with a slow reader pauses the slots and still delivers every record', async () => {
    const { module, clients } = await runJob<typeof import('../jobs/slow-collect.ts')>(job('slow-collect'), {
      parallelism: 2,
    });
    const expected = Array.from({ length: module.RECORDS }, (_, n) => n * 2);
    assert.deepEqual(
      [...module.received].sort((a, b) => a - b),
      expected,
    );
    // The collect operators were held back while the reader was behind, in both slots.
    for (const m of clients[0].getMetrics()) {
      assert.ok(m.backPressuredMs > 0, `subtask ${m.subtask} waited for the reader`);
    }
  });

  it('reports metrics per subtask from every worker: records in and out, busy, idle and back-pressured time', async () => {
    const { clients } = await runJob<KeyedTimers>(job('keyed-timers'), { parallelism: 2, taskSlots: 2 });
    const metrics = clients[0].getMetrics();
    const sources = metrics.filter((m) => m.vertex === 'orders');
    const keyed = metrics.filter((m) => m.vertex.startsWith('totals'));
    assert.deepEqual(sources.map((m) => m.subtask).sort(), [0, 1]);
    assert.deepEqual(keyed.map((m) => m.subtask).sort(), [0, 1]);
    assert.equal(
      sources.reduce((a, m) => a + m.recordsIn, 0),
      5_000,
      'records read by the sources',
    );
    assert.equal(
      sources.reduce((a, m) => a + m.recordsOut, 0),
      5_000,
      'records sent over the keyBy',
    );
    assert.equal(
      keyed.reduce((a, m) => a + m.recordsIn, 0),
      5_000,
      'records received by the keyed operator',
    );
    for (const m of metrics) {
      assert.equal(m.state, 'finished');
      for (const t of [m.busyMs, m.idleMs, m.backPressuredMs]) assert.ok(t >= 0 && Number.isFinite(t));
    }
  });

  it('a function failing in a worker fails the job with the operator, subtask, record and cause', async () => {
    await assert.rejects(runJob(job('failing'), { parallelism: 2, taskSlots: 2 }), (error: WeirError) => {
      assert.equal(error.code, 'USER_FUNCTION_FAILED');
      assert.match(error.message, /operator "picky-map"/);
      assert.match(error.message, /subtask [12]\/2/);
      assert.match(error.message, /on record 4242/);
      assert.match(error.message, /cannot handle 4242/);
      return true;
    });
  });

  it('a failure reads the same at parallelism 1 (one slot) as at 2: each cause once, with its own name', async () => {
    const describe = async (parallelism: number) => {
      const error = await runJob(job('failing'), { parallelism, taskSlots: parallelism }).then(
        () => undefined,
        (e: unknown) => e,
      );
      assert.ok(error instanceof WeirError, String(error));
      // The subtask differs between the runs; the rest must not.
      return error.describe().replace(/subtask \d\/\d/g, 'subtask i/n');
    };
    const oneSlot = await describe(1);
    const inWorker = await describe(2);
    assert.equal(inWorker, oneSlot);
    assert.match(inWorker, /^ {2}caused by Error: cannot handle 4242$/m);
    assert.doesNotMatch(inWorker, /Error: \w*Error:/, 'no doubled cause');
  });

  it('a worker thread that exits fails the job, naming the thread and its subtasks', async () => {
    await assert.rejects(runJob(job('crashing'), { parallelism: 2, taskSlots: 2 }), (error: WeirError) => {
      assert.equal(error.code, 'TASK_FAILED');
      assert.match(error.message, /worker thread [12]/);
      assert.match(error.message, /crashing-map/);
      assert.match(error.message, /exited unexpectedly with code 3/);
      return true;
    });
  });

  it('an uncaught error in a worker thread fails the job', async () => {
    await assert.rejects(runJob(job('uncaught'), { parallelism: 2, taskSlots: 2 }), (error: WeirError) => {
      assert.equal(error.code, 'TASK_FAILED');
      assert.match(error.message, /uncaught error: stray async failure/);
      return true;
    });
  });

  it('slots live across jobs, but each job sees the environment variables of its own start', async () => {
    for (const value of ['first', 'second']) {
      process.env.WEIR_TEST_VALUE = value;
      const { module } = await runJob<{ seen: { values: string[] } }>(job('env-echo'), {
        parallelism: 2,
        taskSlots: 2,
      });
      assert.deepEqual(module.seen.values, [value, value, value, value]);
    }
    delete process.env.WEIR_TEST_VALUE;
  });

  it('a job module that builds another graph in the workers fails fast with GRAPH_MISMATCH', async () => {
    await assert.rejects(runJob(job('mismatch'), { parallelism: 2, taskSlots: 2 }), {
      code: 'GRAPH_MISMATCH',
      message: /different job graph/,
    });
  });

  it('after a failed job the process exits by itself: no thread outlives its job', () => {
    const script = `
      import { runJob } from 'weir';
      try { await runJob(new URL(${JSON.stringify(job('failing').href)}), { parallelism: 2, taskSlots: 2 }); }
      catch (e) { console.log('failed as expected:', e.code); }
      await runJob(new URL(${JSON.stringify(job('keyed-timers').href)}), { parallelism: 2, taskSlots: 2 });
      console.log('second job done');
    `;
    const result = spawnSync(process.execPath, ['--input-type=module', '-e', script], {
      cwd: fileURLToPath(new URL('../..', import.meta.url)),
      encoding: 'utf8',
      timeout: 30_000,
    });
    assert.equal(result.status, 0, result.stderr);
    assert.match(result.stdout, /failed as expected: USER_FUNCTION_FAILED/);
    assert.match(result.stdout, /second job done/);
  });
});
