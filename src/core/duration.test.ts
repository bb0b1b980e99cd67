import assert from 'node:assert/strict';
import { test } from 'node:test';
import { parseDuration } from './duration.ts';

test("durations are read as Flink's options write them", () => {
  assert.equal(parseDuration('1500'), 1500);
  assert.equal(parseDuration('500 ms'), 500);
  assert.equal(parseDuration('2 milliseconds'), 2);
  assert.equal(parseDuration('30 s'), 30_000);
  assert.equal(parseDuration('1.5 seconds'), 1_500);
  assert.equal(parseDuration('10 min'), 600_000);
  assert.equal(parseDuration('1 H'), 3_600_000);
  assert.equal(parseDuration(' 2 days '), 172_800_000);
  assert.equal(parseDuration('soon'), undefined);
  assert.equal(parseDuration('-1 s'), undefined);
  assert.equal(parseDuration('10 weeks'), undefined);
});
