/**
 * A job that runs out of heap fails with OUT_OF_MEMORY naming the subtasks of the slot that ran out
 * and what to do about it, at every parallelism: each slot thread has a heap limit
 * (`resourceLimits`, `-D taskmanager.memory.slot.heap.size`), and the process itself survives it.
 *
 * Before: at -p 1 the process died of V8's `FATAL ERROR ... heap out of memory` with a native stack
 * dump (exit 134); at -p 2 the same job failed with TASK_FAILED.
 */
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { Workspace } from './support.ts';

/**
 * A map that keeps every record it sees, with 10 KB each, on the heap: in its first subtask only, so
 * that one slot runs out at a time. (Two slot threads reaching their limits in the same moment can
 * still end the process with V8's fatal error: Node's heap limit of a worker is best effort.)
 */
const HOG = `
import { DataGeneratorSource, RichMapFunction, StreamExecutionEnvironment, WatermarkStrategy } from 'weir';
const kept = [];
class Hoard extends RichMapFunction {
  map(i) {
    if (this.getRuntimeContext().getIndexOfThisSubtask() === 0) kept.push(new Array(1_250).fill(i));
    return i;
  }
}
const env = StreamExecutionEnvironment.getExecutionEnvironment();
env
  .fromSource(new DataGeneratorSource((i) => i, 100_000_000), WatermarkStrategy.noWatermarks(), 'numbers')
  .map(new Hoard())
  .name('hoard')
  .filter(() => false)
  .print();
await env.execute('hoarder');
`;

describe('reliability: out of memory', () => {
  for (const parallelism of [1, 2]) {
    it(`-p ${parallelism}: OUT_OF_MEMORY naming the subtask, with the advice to use lmdb`, async (t) => {
      const ws = new Workspace(`oom-p${parallelism}`);
      t.after(() => ws.dispose());
      ws.job('hog.ts', HOG);
      const run = await ws.run(
        ['run', 'hog.ts', '-p', String(parallelism), '-D', 'taskmanager.memory.slot.heap.size=96'],
        { XDG_RUNTIME_DIR: '' },
      );
      assert.equal(run.code, 1, run.stderr);
      assert.doesNotMatch(run.stderr, /FATAL ERROR|TASK_FAILED|Native stack/);
      assert.match(
        run.stderr,
        new RegExp(
          `error: OUT_OF_MEMORY: slot thread 1 running "numbers -> hoard -> .* 1/${parallelism}" ran out of memory \\(heap limit 96 MB\\)`,
        ),
      );
      assert.match(run.stderr, /lmdb state backend/);
      assert.match(run.stderr, /-D taskmanager\.memory\.slot\.heap\.size=<MB>/);
      ws.assertNothingLeftInTmp();
    });
  }
});
