import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { BatchMemory } from './batch-memory.ts';

describe('batch memory', () => {
  it('reuses a block only after the credit of its batch came back, oldest first', () => {
    const memory = new BatchMemory();
    const a = memory.take(64);
    memory.sent();
    const b = memory.take(64);
    memory.sent();
    assert.notEqual(a, b, 'a block in flight is never handed out again');
    memory.returned(1);
    assert.equal(memory.take(64), a, 'the oldest batch was taken first: its block is free');
    memory.sent();
    assert.equal(memory.blocks(), 2);
  });

  it('grows with the batches in flight (a producer may overdraw its credit) and skips batches without a block', () => {
    const memory = new BatchMemory();
    const blocks = new Set<SharedArrayBuffer>();
    for (let i = 0; i < 5; i++) {
      blocks.add(memory.take(32));
      memory.sent();
      memory.sent(); // a batch of msgpackr bytes in between: it took no block
    }
    assert.equal(blocks.size, 5, 'five batches in flight, five blocks');
    memory.returned(2); // the first numeric batch and the msgpackr batch after it
    const again = memory.take(32);
    assert.ok(blocks.has(again), 'the freed block is reused');
    memory.sent();
    assert.equal(memory.blocks(), 5);
  });

  it('replaces a free block that is too small, and sizes new blocks for the largest batch so far', () => {
    const memory = new BatchMemory();
    memory.take(16);
    memory.sent();
    memory.returned(1);
    const big = memory.take(1024);
    assert.equal(big.byteLength, 1024);
    memory.sent();
    const next = memory.take(8);
    assert.equal(next.byteLength, 1024, 'a partial batch gets a full-size block, so that it can be reused');
  });
});
