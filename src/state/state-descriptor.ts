import { WeirError } from '../core/errors.ts';
import type { AggregateFunction, ReduceFunction } from './state.ts';
import type { StateTtlConfig } from './state-ttl-config.ts';

/**
 * State descriptors name a piece of state and say what kind it is. Operators declare state through
 * them, so snapshots and savepoint checks know every piece of state by name and kind.
 */
export type StateKind = 'value' | 'list' | 'map' | 'reducing' | 'aggregating';

abstract class BaseStateDescriptor {
  abstract readonly kind: StateKind;
  readonly name: string;
  ttl: StateTtlConfig | undefined = undefined;

  constructor(name: string) {
    if (typeof name !== 'string' || name.length === 0) {
      throw new WeirError('INVALID_ARGUMENT', 'a state descriptor needs a non-empty name');
    }
    this.name = name;
  }

  /** Expires values of this state after the configured time to live. */
  enableTimeToLive(config: StateTtlConfig): this {
    this.ttl = config;
    return this;
  }
}

class ValueStateDescriptorImpl<T, V> extends BaseStateDescriptor {
  readonly kind = 'value' as const;
  readonly defaultValue: T | undefined;
  declare readonly __value?: V;

  constructor(name: string, defaultValue?: T) {
    super(name);
    this.defaultValue = defaultValue;
  }
}

/** Describes a {@link ValueState}; `V` is what `value()` returns. */
export type ValueStateDescriptor<T, V = T | undefined> = ValueStateDescriptorImpl<T, V>;

interface ValueStateDescriptorConstructor {
  /** With a default: `value()` returns the default for a key that has none. */
  new <T>(name: string, defaultValue: T): ValueStateDescriptor<T, T>;
  /** Without a default: `value()` returns `undefined` for a key that has none. */
  new <T>(name: string): ValueStateDescriptor<T, T | undefined>;
}

/**
 * @example
 * const total = new ValueStateDescriptor('totalSum', 0);      // ValueState<number, number>
 * const last = new ValueStateDescriptor<string>('lastSeen');  // value(): string | undefined
 */
export const ValueStateDescriptor = ValueStateDescriptorImpl as unknown as ValueStateDescriptorConstructor;

export class ListStateDescriptor<T> extends BaseStateDescriptor {
  readonly kind = 'list' as const;
  declare readonly __element?: T;
}

export class MapStateDescriptor<UK, UV> extends BaseStateDescriptor {
  readonly kind = 'map' as const;
  declare readonly __entry?: [UK, UV];
}

export class ReducingStateDescriptor<T> extends BaseStateDescriptor {
  readonly kind = 'reducing' as const;
  readonly reduce: (a: T, b: T) => T;

  constructor(name: string, reducer: ReduceFunction<T> | ((a: T, b: T) => T)) {
    super(name);
    this.reduce = typeof reducer === 'function' ? reducer : (a, b) => reducer.reduce(a, b);
  }
}

export class AggregatingStateDescriptor<IN, ACC, OUT> extends BaseStateDescriptor {
  readonly kind = 'aggregating' as const;
  readonly aggregate: AggregateFunction<IN, ACC, OUT>;

  constructor(name: string, aggregate: AggregateFunction<IN, ACC, OUT>) {
    super(name);
    this.aggregate = aggregate;
  }
}

export type AnyStateDescriptor =
  | ValueStateDescriptor<any, any>
  | ListStateDescriptor<any>
  | MapStateDescriptor<any, any>
  | ReducingStateDescriptor<any>
  | AggregatingStateDescriptor<any, any, any>;
