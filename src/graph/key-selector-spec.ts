/**
 * Key selectors as plan data. `keyBy` takes a function, which a plan cannot hold; a key that is a
 * record's field (or a tuple of fields, as SQL's GROUP BY a, b) or a constant (`windowAll`) has a
 * data form, so that a planner can key a stream without a job module. The selectors made here carry
 * their spec (`keySelectorToSpec`); any other function is `custom` in the plan.
 */
import { WeirError } from '../core/errors.ts';
import type { Key } from '../core/key.ts';

export type KeySelectorSpec =
  /** A top-level field of the record. */
  | { kind: 'field'; name: string }
  /** A tuple of top-level fields: a composite key. */
  | { kind: 'fields'; names: string[] }
  /**
   * Fields of a SQL row (`row.values[i]`): one index is the field's value, several a tuple of them
   * (SQL's GROUP BY a, b).
   */
  | { kind: 'row-fields'; indices: number[] }
  /** The same key for every record (a non-keyed window over the whole stream). */
  | { kind: 'constant'; value: string | number | boolean }
  | { kind: 'custom' };

/** The key of a SQL row whose single key field is NULL. */
export const NULL_KEY: Key = Object.freeze([null]) as unknown as Key;

const specs = new WeakMap<(value: any) => unknown, KeySelectorSpec>();

/** The plan form of a key selector: its spec when it was made from one, else custom. */
export function keySelectorToSpec(selector: ((value: any) => unknown) | undefined): KeySelectorSpec {
  return (selector && specs.get(selector)) ?? { kind: 'custom' };
}

/** The key selector a spec describes; a selector made here is recognised by `keySelectorToSpec`. */
export function keySelectorFromSpec(spec: KeySelectorSpec): (value: any) => Key {
  let selector: (value: any) => Key;
  switch (spec.kind) {
    case 'field': {
      const name = spec.name;
      selector = (value) => value[name];
      break;
    }
    case 'fields': {
      const names = spec.names.slice();
      selector = (value) => names.map((n) => value[n]);
      break;
    }
    case 'row-fields': {
      const indices = spec.indices.slice();
      if (indices.length === 1) {
        // NULL is a group of its own: a one-element tuple, since a key is never null.
        const i = indices[0];
        selector = (row) => {
          const v = row.values[i];
          return v === null || v === undefined ? NULL_KEY : v;
        };
      } else {
        selector = (row) => {
          const values = row.values;
          const key = new Array(indices.length);
          for (let k = 0; k < indices.length; k++) key[k] = values[indices[k]];
          return key;
        };
      }
      break;
    }
    case 'constant': {
      const constant = spec.value;
      selector = () => constant;
      break;
    }
    case 'custom':
      throw new WeirError(
        'INVALID_GRAPH',
        'a custom key selector needs its function from the job module, and there is none',
      );
  }
  specs.set(selector, spec);
  return selector;
}

/**
 * Key selectors with a data form, for `keyBy`: the plan then records the key, and needs no job
 * module for it.
 *
 * @example
 * bids.keyBy(KeySelectors.field<Bid, 'auction'>('auction'));
 */
export const KeySelectors = {
  /** The record's field `name`. */
  field<T, F extends keyof T & string>(name: F): (value: T) => T[F] & Key {
    return keySelectorFromSpec({ kind: 'field', name }) as (value: T) => T[F] & Key;
  },
  /** The tuple of the record's fields `names` (a composite key). */
  fields<T>(...names: (keyof T & string)[]): (value: T) => Key {
    return keySelectorFromSpec({ kind: 'fields', names });
  },
  /** Fields of a SQL row by position: the value of one, or the tuple of several. */
  rowFields(...indices: number[]): (row: { values: unknown[] }) => Key {
    return keySelectorFromSpec({ kind: 'row-fields', indices });
  },
  /** The same key for every record. */
  constant<V extends string | number | boolean>(value: V): (record: unknown) => V {
    return keySelectorFromSpec({ kind: 'constant', value }) as (record: unknown) => V;
  },
};
