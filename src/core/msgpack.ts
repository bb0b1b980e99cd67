import { createRequire } from 'node:module';

type Msgpackr = typeof import('msgpackr');
/** A class with its own msgpack encoding (msgpackr's extension). */
export type MsgpackExtension = Parameters<Msgpackr['addExtension']>[0];

let loaded: Msgpackr | undefined;
const extensions: MsgpackExtension[] = [];

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
    for (const extension of extensions) loaded.addExtension(extension);
  }
  return loaded;
}

/** Registers a class's encoding for every msgpack codec, now or when msgpackr loads. */
export function registerMsgpackExtension(extension: MsgpackExtension): void {
  extensions.push(extension);
  loaded?.addExtension(extension);
}
