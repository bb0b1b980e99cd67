import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { confluentHeader, confluentSchemaId } from './confluent-wire-format.ts';

describe('Confluent wire format', () => {
  it('writes the magic byte and a big-endian schema id, and reads the id back', () => {
    assert.deepEqual([...confluentHeader(0x01020304)], [0, 1, 2, 3, 4]);
    assert.equal(confluentSchemaId(Buffer.concat([confluentHeader(42), Buffer.from('payload')])), 42);
  });

  it('rejects a wrong magic byte and values shorter than the header', () => {
    assert.throws(() => confluentSchemaId(Buffer.from('{"id":1}')), {
      message: 'not in the Confluent wire format: the first byte is 0x7b, not the magic byte 0x00',
    });
    assert.throws(() => confluentSchemaId(Buffer.from([0, 0, 1])), {
      message:
        'not in the Confluent wire format: 3 bytes, fewer than the 5-byte header (magic byte and schema id)',
    });
  });
});
