/**
 * Choosing the keyed state backend. A job names its backend as plain data in its configuration
 * (`env.setStateBackend`), so the choice travels in the job graph; each subtask then builds one
 * backend per keyed operator from it. With LMDB every such backend gets a directory of its own:
 * `<path>/job-<jobId>/<operator uid>-<subtask>-<attempt>` under a configured path (removed when
 * the backend is disposed), or a fresh temporary directory.
 */
import path from 'node:path';
import { WeirError } from '../core/errors.ts';
import { HeapKeyedStateBackend, type HeapKeyedStateBackendOptions } from './heap-keyed-state-backend.ts';
import type { SnapshottableKeyedStateBackend } from './keyed-state-snapshot.ts';
import { LmdbKeyedStateBackend } from './lmdb-keyed-state-backend.ts';

/** Keyed state in Maps on the V8 heap: the fastest, for state that fits in memory. The default. */
export interface HeapStateBackendSpec {
  readonly kind: 'heap';
}

/** Keyed state in an embedded LMDB environment per operator and subtask, off the V8 heap. */
export interface LmdbStateBackendSpec {
  readonly kind: 'lmdb';
  /** Base directory of the environments; a temporary directory per backend when absent. */
  readonly path?: string;
  /** Cached writes gathered per LMDB transaction (default 32768). */
  readonly writeBatchSize?: number;
  /**
   * The largest each environment (one per keyed operator and subtask) may grow to, in bytes; a
   * write beyond it fails the job with STATE_ERROR. Without it the map grows as needed. See
   * docs/state.md on LMDB's mapped memory.
   *
   * @example
   * env.setStateBackend({ kind: 'lmdb', mapSize: 8 * 1024 ** 3 }); // at most 8 GiB per subtask and operator
   */
  readonly mapSize?: number;
}

export type StateBackendSpec = HeapStateBackendSpec | LmdbStateBackendSpec;

/** What a subtask's backend is for: names its LMDB directory. */
export interface KeyedStateBackendOwner {
  readonly jobId: string;
  readonly operatorUid: string;
  readonly subtaskIndex: number;
  readonly attemptNumber: number;
}

/** Validates a backend choice (`'heap'`, `'lmdb'` or a spec) and returns it as a plain-data spec. */
export function toStateBackendSpec(choice: 'heap' | 'lmdb' | StateBackendSpec): StateBackendSpec {
  const spec = typeof choice === 'string' ? { kind: choice } : choice;
  if (spec?.kind === 'heap') return { kind: 'heap' };
  if (spec?.kind === 'lmdb') {
    const lmdb = spec as LmdbStateBackendSpec;
    if (lmdb.path !== undefined && (typeof lmdb.path !== 'string' || lmdb.path.length === 0)) {
      throw new WeirError(
        'INVALID_ARGUMENT',
        `the LMDB state backend path must be a non-empty string, got ${String(lmdb.path)}`,
      );
    }
    const batch = lmdb.writeBatchSize;
    if (batch !== undefined && (!Number.isInteger(batch) || batch < 1)) {
      throw new WeirError('INVALID_ARGUMENT', `writeBatchSize must be a positive integer, got ${batch}`);
    }
    const mapSize = lmdb.mapSize;
    if (mapSize !== undefined && (!Number.isSafeInteger(mapSize) || mapSize < 1 << 20)) {
      throw new WeirError(
        'INVALID_ARGUMENT',
        `the LMDB mapSize must be a whole number of bytes of at least 1 MiB, got ${mapSize}`,
      );
    }
    return {
      kind: 'lmdb',
      ...(lmdb.path !== undefined && { path: lmdb.path }),
      ...(batch !== undefined && { writeBatchSize: batch }),
      ...(mapSize !== undefined && { mapSize }),
    };
  }
  throw new WeirError(
    'INVALID_ARGUMENT',
    `unknown state backend ${JSON.stringify(choice)}: use 'heap', 'lmdb' or { kind: 'lmdb', path?: string, mapSize?: number }`,
  );
}

/** The keyed state backend `spec` asks for (the heap when none is given). */
export function createKeyedStateBackend(
  spec: StateBackendSpec | null | undefined,
  options: HeapKeyedStateBackendOptions,
  owner: KeyedStateBackendOwner,
): SnapshottableKeyedStateBackend {
  if (spec === undefined || spec === null || spec.kind === 'heap') return new HeapKeyedStateBackend(options);
  const dir =
    spec.path === undefined
      ? undefined
      : path.join(
          path.resolve(spec.path),
          `job-${pathSegment(owner.jobId)}`,
          `${pathSegment(owner.operatorUid)}-${owner.subtaskIndex}-${owner.attemptNumber}`,
        );
  return new LmdbKeyedStateBackend({
    ...options,
    path: dir,
    removeEmptyParent: dir !== undefined,
    writeBatchSize: spec.writeBatchSize,
    mapSize: spec.mapSize,
  });
}

/** A file name for an id: distinct ids stay distinct, and none climbs out of its directory. */
function pathSegment(id: string): string {
  return encodeURIComponent(id).replace(/\./g, '%2E');
}
