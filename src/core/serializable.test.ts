import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { findUnserializable, isSerializable } from './serializable.ts';
import { registerRecordType } from './type-registry.ts';

class Point {
  x: number;
  constructor(x: number) {
    this.x = x;
  }
}
class Unregistered {}
registerRecordType(Point, { encode: (p) => new Uint8Array([p.x]), decode: (b) => new Point(b[0]) });

describe('isSerializable and findUnserializable', () => {
  it('accepts plain data, the supported built-ins, bigints of any size and registered types', () => {
    for (const [i, value] of [
      null,
      undefined,
      'text',
      -0,
      2n ** 70n,
      -(2n ** 70n),
      0n,
      { a: [1, { b: new Map<unknown, unknown>([['k', new Set([1, new Date(0)])]]) }] },
      Object.assign(Object.create(null), { a: 1 }),
      new Float32Array(2),
      new Uint8Array(1),
      new ArrayBuffer(4),
      /re/g,
      new Error('e'),
      new Point(3),
      { shared: [{ s: 1 }, { s: 1 }] },
      { constructor: 'a field, not a class', nested: { constructor: 1 } },
    ].entries()) {
      assert.equal(isSerializable(value), true, `value ${i}`);
      assert.equal(findUnserializable(value), undefined);
    }
    const shared = { n: 1 };
    assert.equal(isSerializable({ a: shared, b: shared }), true, 'a shared (acyclic) reference is fine');
  });

  it('names the field path and the type of a function, a symbol, a cycle and an unregistered class', () => {
    const cyclic: Record<string, unknown> = { child: {} };
    (cyclic.child as Record<string, unknown>).parent = cyclic;
    class MyMap extends Map {}
    const cases: Array<[unknown, string, RegExp]> = [
      [{ payload: { callback: function onDone() {} } }, 'record.payload.callback', /^a function \(onDone\)$/],
      [{ items: [1, 2, Symbol('s')] }, 'record.items[2]', /^a symbol/],
      [cyclic, 'record.child.parent', /^a cycle \(a reference back to record\)$/],
      [{ at: new Unregistered() }, 'record.at', /class Unregistered, which is not registered/],
      [{ m: new MyMap() }, 'record.m', /class MyMap/],
      [{ 'odd key': new Map([['k', () => 1]]) }, 'record["odd key"]<value of key "k">', /function/],
      [{ s: new Set([Promise.resolve()]) }, 'record.s<element 0>', /a Promise .*AsyncDataStream/],
      [{ constructor: 'x', f: () => 1 }, 'record.f', /function/],
    ];
    for (const [value, path, found] of cases) {
      assert.equal(isSerializable(value), false, path);
      const where = findUnserializable(value);
      assert.equal(where?.path, path);
      assert.match(where?.found ?? '', found);
    }
  });

  it('tells a deep value (accepted) from a cycle', () => {
    let deep: Record<string, unknown> = { leaf: 1 };
    for (let i = 0; i < 200; i++) deep = { next: deep };
    assert.equal(isSerializable(deep), true);
  });
});
