import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { isRecoverable, isWeirError } from '../core/errors.ts';
import { msgpackr, strictPackrOptions } from '../core/msgpack.ts';
import { registerRecordType } from '../core/type-registry.ts';
import { decodeTaskState, encodeTaskState, type TaskStateSnapshot } from './task-state.ts';

class Temperature {
  celsius: number;
  constructor(celsius: number) {
    this.celsius = celsius;
  }
}
registerRecordType(Temperature, {
  encode: (t) => new Uint8Array(new Float64Array([t.celsius]).buffer),
  decode: (bytes) => new Temperature(new Float64Array(bytes.slice().buffer)[0]),
});

const snapshot = (value: unknown): TaskStateSnapshot => ({
  vertex: 'v',
  subtask: 0,
  parallelism: 1,
  operators: {
    op: {
      keyed: {
        maxParallelism: 128,
        keyGroupRange: { start: 0, end: 127 },
        states: [
          { name: 's', kind: 'value', ttl: false, keyGroups: [{ keyGroup: 3, entries: [['k', value]] }] },
        ],
      },
    },
  },
});

describe('checkpoint state files', () => {
  it('keep registered types, bigints of any size, Maps, Sets and Dates', () => {
    const value = {
      last: new Temperature(21.5),
      history: [new Temperature(-3), new Temperature(40)],
      total: 2n ** 70n,
      debt: -(2n ** 70n),
      none: 0n,
      seen: new Set(['a']),
      byDay: new Map([[new Date(0).toISOString(), new Date(86_400_000)]]),
    };
    const back = decodeTaskState(encodeTaskState(snapshot(value)));
    const restored = back.operators.op.keyed!.states[0].keyGroups[0].entries[0][1] as typeof value;
    assert.deepEqual(restored, value);
    assert.ok(restored.last instanceof Temperature);
    assert.ok(restored.history[1] instanceof Temperature);
  });

  it('refuse an instance of an unregistered class instead of restoring it as a plain object (a failure no restart fixes)', () => {
    class Reading {}
    assert.throws(
      () => encodeTaskState(snapshot({ r: new Reading() })),
      (e) =>
        isWeirError(e, 'STATE_ERROR') &&
        !isRecoverable(e) &&
        /state "s" of operator uid "op" for key "k" .*value\.r is an instance of class Reading, which is not registered/.test(
          e.message,
        ),
    );
    assert.throws(() => encodeTaskState(snapshot({ f: () => 1 })), /value\.f is a function/);
  });

  it('refuse a cycle with STATE_ERROR naming it (written without structured clone, as records)', () => {
    const value: { name: string; self?: unknown } = { name: 'loop' };
    value.self = value;
    assert.throws(
      () => encodeTaskState(snapshot(value)),
      (e) => isWeirError(e, 'STATE_ERROR') && /for key "k" .*value\.self is a cycle/.test(e.message),
    );
  });

  it('read files written with structured clone (shared references, as before)', () => {
    const shared = { n: 1 };
    const { Packr } = msgpackr();
    const old = new Packr(strictPackrOptions({ structuredClone: true })).pack(snapshot([shared, shared]));
    const restored = decodeTaskState(old).operators.op.keyed!.states[0].keyGroups[0].entries[0][1];
    assert.deepEqual(restored, [shared, shared]);
    assert.equal((restored as unknown[])[0], (restored as unknown[])[1]);
    // Written now: the same value, as two equal objects.
    assert.deepEqual(
      decodeTaskState(encodeTaskState(snapshot([shared, shared]))).operators.op.keyed!.states[0].keyGroups[0]
        .entries[0][1],
      [shared, shared],
    );
  });
});
