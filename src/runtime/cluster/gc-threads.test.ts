import assert from 'node:assert/strict';
import { test } from 'node:test';
import { gcFlagsForSlots, hasSingleThreadedGc, SINGLE_THREADED_GC, SLOT_SEMI_SPACE } from './gc-threads.ts';

test('the single-threaded collector and a capped young generation when the slots take every core, not before', () => {
  assert.deepEqual(gcFlagsForSlots(2, 2), [SINGLE_THREADED_GC, SLOT_SEMI_SPACE]);
  assert.deepEqual(gcFlagsForSlots(4, 2), [SINGLE_THREADED_GC, SLOT_SEMI_SPACE]);
  assert.deepEqual(gcFlagsForSlots(1, 2), []);
  assert.deepEqual(gcFlagsForSlots(3, 8), []);
});

test('reads the flag from a process argument list', () => {
  assert.equal(hasSingleThreadedGc(['--conditions=weir-source', SINGLE_THREADED_GC]), true);
  assert.equal(hasSingleThreadedGc(['--conditions=weir-source']), false);
});
