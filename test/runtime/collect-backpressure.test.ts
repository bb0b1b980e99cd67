/**
 * executeAndCollect holds a bounded backlog: a reader slower than the job pauses the job (the
 * collect operator back-pressures its task, and so the source) instead of buffering the stream.
 */
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { COLLECT_BACKLOG_HIGH, StreamExecutionEnvironment } from '../../src/index.ts';

const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

describe('executeAndCollect back-pressure', () => {
  it('a reader that stops reading stops the job at a bounded backlog; closing the iterator cancels it', async () => {
    const env = StreamExecutionEnvironment.getExecutionEnvironment();
    let produced = 0;
    const iterator = env
      .fromSequence(0, 10_000_000)
      .map((n) => {
        produced++;
        return n;
      })
      .executeAndCollect({ iterator: true });
    for (let i = 0; i < 10; i++) assert.equal((await iterator.next()).value, i);
    await sleep(300);
    const whilePaused = produced;
    await sleep(200);
    assert.equal(produced, whilePaused, 'nothing is produced while the reader does not read');
    // One source batch and one collect batch may go past the mark before the task sees it.
    assert.ok(
      produced <= COLLECT_BACKLOG_HIGH + 10 + 2 * 1024,
      `${produced} records produced for a reader that took 10 (mark ${COLLECT_BACKLOG_HIGH})`,
    );
    await iterator.return?.();
    assert.ok(produced < 100_000, 'the job stopped when the iterator was closed');
  });

  it('a slow reader still gets every record, in order, as the job pauses and resumes', async () => {
    const env = StreamExecutionEnvironment.getExecutionEnvironment();
    const records = 5 * COLLECT_BACKLOG_HIGH;
    let produced = 0;
    let maxAhead = 0;
    const iterator = env
      .fromSequence(0, records - 1)
      .map((n) => {
        produced++;
        return n * 3;
      })
      .executeAndCollect({ iterator: true });
    let read = 0;
    for await (const value of iterator) {
      assert.equal(value, read * 3);
      read++;
      maxAhead = Math.max(maxAhead, produced - read);
      if (read % 4_096 === 0) await sleep(2);
    }
    assert.equal(read, records);
    assert.ok(
      maxAhead <= COLLECT_BACKLOG_HIGH + 2 * 1024,
      `the job ran ${maxAhead} records ahead of the reader`,
    );
  });
});
