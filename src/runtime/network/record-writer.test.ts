import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { isWeirError } from '../../core/errors.ts';
import { NO_TIMESTAMP, type StreamElement } from '../../core/stream-element.ts';
import { BatchCodec } from './batch-codec.ts';
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

  describe('one serialization boundary', () => {
    const origin = { producer: 'operator "Enrich" (uid enrich) in subtask 1/2', consumer: 'Window' };
    /** A channel to another thread: it encodes each batch, as a RemoteOutputChannel does. */
    const encoding = (): OutputChannel & { got: StreamElement[] } => {
      const codec = new BatchCodec();
      const got: StreamElement[] = [];
      return {
        got,
        encodes: true,
        hasCapacity: () => true,
        push: (e: StreamElement) => {
          got.push(e.kind === 'records' ? codec.decode(codec.encode(e)) : e);
        },
      };
    };
    const bad = { id: 2, payload: { callback: () => 1 } };

    it('fails a batch to a channel in this thread as encoding would fail it across threads, with the same error', () => {
      const messages: string[] = [];
      for (const out of [channel(), encoding()]) {
        const writer = new RecordWriter([out], { select: () => 0 }, 8, origin);
        writer.emit({ id: 1 }, NO_TIMESTAMP);
        writer.emit(bad, NO_TIMESTAMP);
        assert.throws(
          () => writer.flush(),
          (e) => {
            assert.ok(isWeirError(e, 'UNSERIALIZABLE_RECORD'));
            messages.push(e.message);
            return true;
          },
        );
        assert.deepEqual(out.got, [], 'nothing of the failed batch is sent');
      }
      assert.equal(messages[0], messages[1]);
      assert.match(
        messages[0],
        /^operator "Enrich" \(uid enrich\) in subtask 1\/2 emitted a record that cannot be sent to "Window": record\.payload\.callback is a function/,
      );
      assert.match(messages[0], /record \{"id":2,"payload":\{\}\}/);
    });

    it('names a symbol, a cycle and an unregistered class the same way in and across threads', () => {
      class Sensor {}
      const cyclic: Record<string, unknown> = { id: 3 };
      cyclic.self = cyclic;
      for (const [record, expected] of [
        [{ kind: Symbol('k') }, /record\.kind is a symbol/],
        [cyclic, /record\.self is a cycle \(a reference back to record\)/],
        [
          { sensors: [new Sensor()] },
          /record\.sensors\[0\] is an instance of class Sensor, which is not registered/,
        ],
      ] as const) {
        const messages = [channel(), encoding()].map((out) => {
          const writer = new RecordWriter([out], { select: () => 0 }, 8, origin);
          writer.emit(record, NO_TIMESTAMP);
          try {
            writer.flush();
          } catch (e) {
            assert.ok(isWeirError(e, 'UNSERIALIZABLE_RECORD'));
            return e.message;
          }
          return assert.fail('the batch is refused');
        });
        assert.equal(messages[0], messages[1]);
        assert.match(messages[0], expected);
      }
    });

    it('passes records by reference in this thread, checked; without the check, anything passes', () => {
      const record = { at: new Date(0), tags: new Map([['a', 1]]) };
      const checked = channel();
      new RecordWriter([checked], { select: () => 0 }, 8, origin).emit(record, NO_TIMESTAMP);
      const writer = new RecordWriter([checked], { select: () => 0 }, 8, origin);
      writer.emit(record, NO_TIMESTAMP);
      writer.flush();
      assert.equal((checked.got[0] as { values: unknown[] }).values[0], record);
      const unchecked = channel();
      const off = new RecordWriter([unchecked], { select: () => 0 }, 8, { ...origin, check: false });
      off.emit(bad, NO_TIMESTAMP);
      off.flush();
      assert.equal((unchecked.got[0] as { values: unknown[] }).values[0], bad);
    });
  });
});
