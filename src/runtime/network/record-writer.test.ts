import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { NO_TIMESTAMP, type StreamElement } from '../../core/stream-element.ts';
import type { OutputChannel } from './channel.ts';
import { RecordWriter } from './record-writer.ts';

function channel(): OutputChannel & { got: StreamElement[] } {
  const got: StreamElement[] = [];
  return { got, push: (e: StreamElement) => got.push(e), hasCapacity: () => true } as OutputChannel & {
    got: StreamElement[];
  };
}

describe('RecordWriter', () => {
  it('batches without timestamps carry none; a timestamp makes the batch carry all of them', () => {
    const out = channel();
    const writer = new RecordWriter([out], { select: () => 0 }, 3);
    writer.emit('a', NO_TIMESTAMP);
    writer.emit('b', NO_TIMESTAMP);
    writer.emit('c', NO_TIMESTAMP);
    writer.emit('d', NO_TIMESTAMP);
    writer.emit('e', 7);
    writer.flush();
    assert.deepEqual(out.got, [
      { kind: 'records', values: ['a', 'b', 'c'], timestamps: null },
      { kind: 'records', values: ['d', 'e'], timestamps: [NO_TIMESTAMP, 7] },
    ]);
  });
});
