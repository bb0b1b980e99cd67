/**
 * Accumulators merge one way, by `Accumulator.merge`, whether the subtasks run in this thread or on
 * worker threads: a custom accumulator gives the same job result at any parallelism.
 */
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { runJob } from 'weir';

const job = new URL('../jobs/custom-accumulators.ts', import.meta.url);

describe('accumulators', () => {
  it('a custom accumulator (maximum, set union) gives the same result at parallelism 1 (one slot thread) and at parallelism 2 (two)', async () => {
    const results = [];
    for (const parallelism of [1, 2]) {
      const run = await runJob(job, { parallelism, taskSlots: 2 });
      results.push(run.results[0].getAllAccumulatorResults());
    }
    const expected = { max: 1_000, residues: [0, 1, 2, 3, 4] };
    assert.deepEqual(results[0], { ...expected, 'max-of-subtask-0': 1_000 }, 'parallelism 1');
    const { 'max-of-subtask-0': ofFirst, ...rest } = results[1];
    assert.deepEqual(rest, expected, 'parallelism 2');
    // Registered in one subtask only: its value is that subtask's maximum, as it is.
    assert.ok(
      typeof ofFirst === 'number' && ofFirst > 1 && ofFirst <= 1_000,
      `max of subtask 0 at parallelism 2: ${JSON.stringify(ofFirst)}`,
    );
  });
});
