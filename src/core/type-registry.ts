import type { Codec } from './codec.ts';
import { WeirError } from './errors.ts';

/**
 * Types registered for records and state (`env.registerType`). A registered class crosses every
 * serialization boundary — exchanges between tasks, in the same thread or not, LMDB values and
 * checkpoints — through its own {@link Codec}, and comes back as an instance of the class.
 *
 * A type is identified on the wire by its name (the class name, or the name given at registration),
 * not by a number: every thread evaluates the same job module and registers the same names, and a
 * checkpoint restores into a job version that registers its types in another order. A value whose
 * name this thread does not know fails to decode with a clear error instead of becoming something
 * else. The registry is per thread; a thread that runs one job after another (a task slot) replaces
 * a name's class when the next job's module registers it again.
 */
export interface RegisteredType<T = unknown> {
  readonly name: string;
  readonly type: abstract new (...args: never[]) => T;
  readonly codec: Codec<T>;
}

const byClass = new Map<unknown, RegisteredType>();
const byName = new Map<string, RegisteredType>();

/** Registers `type` for this thread; see {@link RegisteredType}. Returns the name it travels under. */
export function registerRecordType<T>(
  type: abstract new (...args: never[]) => T,
  codec: Codec<T>,
  name: string = type.name,
): string {
  if (typeof type !== 'function' || type.prototype === undefined) {
    throw new WeirError('INVALID_ARGUMENT', 'registerType expects a class (a constructor function)');
  }
  if (typeof codec?.encode !== 'function' || typeof codec.decode !== 'function') {
    throw new WeirError(
      'INVALID_ARGUMENT',
      `registerType(${name || 'anonymous class'}): the codec must have encode(value) and decode(bytes)`,
    );
  }
  if (typeof name !== 'string' || name.length === 0) {
    throw new WeirError(
      'INVALID_ARGUMENT',
      'registerType: an anonymous class needs a name: registerType(Class, codec, "Name")',
    );
  }
  const previous = byName.get(name);
  if (previous !== undefined) byClass.delete(previous.type);
  const entry: RegisteredType = { name, type, codec: codec as Codec<unknown> };
  byName.set(name, entry);
  byClass.set(type, entry);
  return name;
}

/** The registration of `value`'s exact class (subclasses are registered on their own), if any. */
export function registeredTypeOf(value: object): RegisteredType | undefined {
  return byClass.get(value.constructor);
}

/** True when `type` (a constructor) is registered. */
export function isRegisteredType(type: unknown): boolean {
  return byClass.has(type);
}

export function registeredTypeNamed(name: string): RegisteredType | undefined {
  return byName.get(name);
}
