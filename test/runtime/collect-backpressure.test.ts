/**
 * executeAndCollect holds a bounded backlog: a reader slower than the job pauses the job (the
 * collect operator back-pressures its task, and so the source) instead of buffering the stream.
 */
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { COLLECT_BACKLOG_HIGH, StreamExecutionEnvironment } from '../../src/index.ts';
import { waitFor } from './helpers.ts';

/** One source batch and one collect batch may go past the mark before the task sees it. */
const BOUND = COLLECT_BACKLOG_HIGH + 2 * 1024;

describe('executeAndCollect back-pressure', () => {
  it('a reader that stops reading stops the job at a bounded backlog; closing the iterator cancels it', async () => {
    const env = StreamExecutionEnvironment.getExecutionEnvironment();
    let produced = 0;
    let read = 0;
    // Checked at every record, so the bound holds for the whole pause, however long it lasts.
    let maxAhead = 0;
    const iterator = env
      .fromSequence(0, 10_000_000)
      .map((n) => {
        produced++;
        maxAhead = Math.max(maxAhead, produced - read);
        return n;
      })
      .executeAndCollect({ iterator: true });
    for (; read < 10; read++) assert.equal((await iterator.next()).value, read);
    // The event: the job has filled the backlog up to the mark, where it must stop.
    await waitFor(() => produced >= COLLECT_BACKLOG_HIGH + read, 'the backlog to reach the mark', 60_000);
    // The next read comes after the backlog was full: the job had to pause for it, not run on.
    assert.equal((await iterator.next()).value, read++);
    assert.ok(
      maxAhead <= BOUND,
      `the job ran ${maxAhead} records ahead of a paused reader (mark ${COLLECT_BACKLOG_HIGH})`,
    );
    await iterator.return?.();
    assert.ok(
      maxAhead <= BOUND,
      `the job ran ${maxAhead} records ahead of a paused reader (mark ${COLLECT_BACKLOG_HIGH})`,
    );
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
    let pauses = 0;
    for await (const value of iterator) {
      assert.equal(value, read * 3);
      read++;
      maxAhead = Math.max(maxAhead, produced - read);
      if (produced - read <= 4_096 && produced < records) {
        // A slow reader: once it has caught up to the low mark (where the job is released), it waits
        // until the job is a full backlog ahead (where it pauses again), or done.
        await waitFor(
          () => produced - read >= COLLECT_BACKLOG_HIGH || produced === records,
          'the job to run a backlog ahead',
          60_000,
        );
        pauses++;
      }
    }
    assert.equal(read, records);
    assert.ok(pauses >= 3, `the reader paused ${pauses} times`);
    assert.ok(maxAhead <= BOUND, `the job ran ${maxAhead} records ahead of the reader`);
  });
});
