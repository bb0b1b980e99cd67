import { createRequire } from 'node:module';
import type { Options } from 'msgpackr';
import { WeirError } from './errors.ts';
import { addEncodedClass, isUnsupportedInstance } from './serializable.ts';
import { registeredTypeNamed, registeredTypeOf } from './type-registry.ts';

type Msgpackr = typeof import('msgpackr');
/** A class with its own msgpack encoding (msgpackr's extension). */
export type MsgpackExtension = Parameters<Msgpackr['addExtension']>[0];

let loaded: Msgpackr | undefined;
const extensions: MsgpackExtension[] = [];

/** msgpack extension type of a registered type's value: `[name, bytes of its codec]`. */
const REGISTERED_TYPE = 43;

/**
 * Thrown inside a strict packer when it meets what must not be serialized; the codec that called
 * the packer catches it and says where, with {@link findUnserializable}.
 */
export class UnserializableValue extends Error {}

/**
 * msgpackr, loaded on first use: by the first batch that crosses threads, the first checkpoint, or
 * the first LMDB backend. A job that needs none of these (a local run at parallelism 1 without
 * checkpoints, `weir --version`) does not pay for loading it and its native extension at start-up.
 * Every user goes through this one instance, so the registered extensions apply to all of them:
 * checkpoints, exchanges and LMDB values alike.
 */
export function msgpackr(): Msgpackr {
  if (loaded === undefined) {
    loaded = createRequire(import.meta.url)('msgpackr') as Msgpackr;
    // msgpackr tries the last added extension first: these two come after every class of Weir's.
    loaded.addExtension(unsupportedInstances);
    loaded.addExtension(registeredTypes);
    for (const extension of extensions) loaded.addExtension(extension);
  }
  return loaded;
}

/** Registers a class's encoding for every msgpack codec, now or when msgpackr loads. */
export function registerMsgpackExtension(extension: MsgpackExtension): void {
  addEncodedClass(extension.Class);
  extensions.push(extension);
  loaded?.addExtension(extension);
}

/**
 * The options of every packer of records and state values (exchanges, LMDB values, checkpoints):
 * one configuration, so a value that crosses one boundary crosses them all, unchanged. Maps, Sets,
 * Dates, typed arrays and bigints of any size keep their type; registered types go through their
 * codec; a function, a symbol or an instance of an unregistered class throws
 * {@link UnserializableValue} (a cycle overflows the stack, unless `structuredClone` is set).
 */
export function strictPackrOptions(options: Options = {}): Options {
  return {
    useRecords: true,
    moreTypes: true,
    mapsAsObjects: false,
    useBigIntExtension: true,
    writeFunction: rejectFunction,
    ...options,
    // Read by the `unsupportedInstances` extension through `this`.
    weirStrict: true,
  } as Options;
}

function rejectFunction(): never {
  throw new UnserializableValue('a function');
}

/**
 * Instances of classes that are neither supported built-ins nor registered: a strict packer
 * rejects them; any other packer writes them as before (their toJSON, or their fields).
 */
const unsupportedInstances: MsgpackExtension = {
  Class: {
    [Symbol.hasInstance]: (value: unknown) =>
      typeof value === 'object' && value !== null && isUnsupportedInstance(value),
  } as never,
  write(this: { weirStrict?: boolean }, value: { toJSON?: () => unknown }) {
    if (this.weirStrict) throw new UnserializableValue('an instance of an unregistered class');
    return typeof value.toJSON === 'function' ? value.toJSON() : value;
  },
} as MsgpackExtension;

const registeredTypes: MsgpackExtension = {
  Class: {
    [Symbol.hasInstance]: (value: unknown) =>
      typeof value === 'object' && value !== null && registeredTypeOf(value) !== undefined,
  } as never,
  type: REGISTERED_TYPE,
  write(value: object) {
    const registered = registeredTypeOf(value)!;
    return [registered.name, registered.codec.encode(value)];
  },
  read([name, bytes]: [string, Uint8Array]) {
    const registered = registeredTypeNamed(name);
    if (registered === undefined) {
      throw new WeirError(
        'UNSERIALIZABLE_RECORD',
        `cannot decode a value of type "${name}": no type of that name is registered in this thread` +
          ' (call env.registerType for it in the job module, before execute(), so that every thread registers it)',
      );
    }
    return registered.codec.decode(bytes);
  },
} as MsgpackExtension;
