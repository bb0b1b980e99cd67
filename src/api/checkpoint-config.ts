import {
  type CheckpointingMode,
  type CheckpointRetention,
  type CheckpointSettings,
  DEFAULT_CHECKPOINT_SETTINGS,
} from '../core/checkpointing.ts';
import type { Duration } from '../core/duration.ts';
import { WeirError } from '../core/errors.ts';

/**
 * Checkpointing configuration of a job, as `env.getCheckpointConfig()` in Flink.
 *
 * @example
 * env.enableCheckpointing(1_000, 'EXACTLY_ONCE');
 * env.getCheckpointConfig()
 *   .setCheckpointStorage('file:///var/lib/weir/checkpoints')
 *   .setMinPauseBetweenCheckpoints(500)
 *   .setTolerableCheckpointFailureNumber(3);
 */
export class CheckpointConfig {
  private settings: CheckpointSettings | undefined;
  private pending: Omit<CheckpointSettings, 'interval'> = { ...DEFAULT_CHECKPOINT_SETTINGS };

  /** @internal Called by `env.enableCheckpointing`. */
  enable(interval: Duration, mode: CheckpointingMode): void {
    const ms = toMs(interval);
    if (!(ms >= 1)) {
      throw new WeirError('INVALID_ARGUMENT', `the checkpoint interval must be at least 1 ms, got ${ms}`);
    }
    this.setCheckpointingMode(mode);
    this.settings = { ...this.pending, interval: ms };
  }

  isCheckpointingEnabled(): boolean {
    return this.settings !== undefined;
  }

  getCheckpointInterval(): number {
    return this.settings?.interval ?? -1;
  }

  setCheckpointingMode(mode: CheckpointingMode): this {
    if (mode !== 'EXACTLY_ONCE' && mode !== 'AT_LEAST_ONCE') {
      throw new WeirError(
        'INVALID_ARGUMENT',
        `checkpointing mode must be EXACTLY_ONCE or AT_LEAST_ONCE, got ${mode}`,
      );
    }
    return this.set('mode', mode);
  }
  getCheckpointingMode(): CheckpointingMode {
    return this.current().mode;
  }

  setCheckpointTimeout(timeout: Duration): this {
    return this.set('timeout', positive('checkpoint timeout', toMs(timeout)));
  }
  getCheckpointTimeout(): number {
    return this.current().timeout;
  }

  setMinPauseBetweenCheckpoints(pause: Duration): this {
    const ms = toMs(pause);
    if (!(ms >= 0)) throw new WeirError('INVALID_ARGUMENT', `the minimum pause must be >= 0, got ${ms}`);
    return this.set('minPause', ms);
  }
  getMinPauseBetweenCheckpoints(): number {
    return this.current().minPause;
  }

  setMaxConcurrentCheckpoints(n: number): this {
    if (!Number.isInteger(n) || n < 1) {
      throw new WeirError(
        'INVALID_ARGUMENT',
        `max concurrent checkpoints must be a positive integer, got ${n}`,
      );
    }
    return this.set('maxConcurrent', n);
  }
  getMaxConcurrentCheckpoints(): number {
    return this.current().maxConcurrent;
  }

  setTolerableCheckpointFailureNumber(n: number): this {
    if (!Number.isInteger(n) || n < 0) {
      throw new WeirError(
        'INVALID_ARGUMENT',
        `tolerable checkpoint failures must be an integer >= 0, got ${n}`,
      );
    }
    return this.set('tolerableFailures', n);
  }
  getTolerableCheckpointFailureNumber(): number {
    return this.current().tolerableFailures;
  }

  setExternalizedCheckpointRetention(retention: CheckpointRetention): this {
    return this.set('retention', retention);
  }
  getExternalizedCheckpointRetention(): CheckpointRetention {
    return this.current().retention;
  }

  /** A `file://` URL or a directory path. Without storage, checkpoints are kept in memory only. */
  setCheckpointStorage(url: string): this {
    if (typeof url !== 'string' || url.length === 0) {
      throw new WeirError('INVALID_ARGUMENT', 'checkpoint storage must be a file:// URL or a directory');
    }
    return this.set('storage', url);
  }
  getCheckpointStorage(): string | null {
    return this.current().storage;
  }

  /** How many completed checkpoints are kept (default 1). */
  setNumRetainedCheckpoints(n: number): this {
    if (!Number.isInteger(n) || n < 1) {
      throw new WeirError('INVALID_ARGUMENT', `retained checkpoints must be a positive integer, got ${n}`);
    }
    return this.set('retained', n);
  }
  getNumRetainedCheckpoints(): number {
    return this.current().retained;
  }

  /**
   * Incremental checkpoints (Flink's `execution.checkpointing.incremental`, default off): each
   * checkpoint writes only the keyed state and timers of the key groups that changed since the last
   * completed checkpoint, and references the files of earlier checkpoints for the others. Files
   * shared between checkpoints stay while a retained checkpoint uses them. Savepoints are always
   * full (self-contained). Both state backends (docs/checkpoints.md, "Incremental checkpoints").
   *
   * @example
   * env.getCheckpointConfig().setCheckpointStorage('/var/lib/weir/checkpoints').enableIncrementalCheckpointing();
   */
  enableIncrementalCheckpointing(enabled = true): this {
    if (typeof enabled !== 'boolean') {
      throw new WeirError(
        'INVALID_ARGUMENT',
        `incremental checkpointing takes a boolean, got ${String(enabled)}`,
      );
    }
    return this.set('incremental', enabled);
  }
  isIncrementalCheckpointingEnabled(): boolean {
    return this.current().incremental === true;
  }

  /**
   * A retention rule for whole runs. Each run of a job writes its checkpoints into a directory of its
   * own (`<storage>/<job id>/`), and nothing deletes the directories of runs that were killed,
   * suspended or failed, or retained their checkpoints on cancel. With this set, a run of the job
   * deletes, when it starts, the directories of its earlier runs (same job name, same storage) but
   * the `n` whose checkpoints completed last. Never deleted: the run's own directory, the one it
   * restores from, a running job's, and a directory holding files Weir did not write. Each deletion
   * is logged. Unset (the default), no directory is deleted: `npx weir checkpoints delete` prunes by
   * hand.
   *
   * @example
   * env.getCheckpointConfig()
   *   .setCheckpointStorage('/var/lib/weir/checkpoints')
   *   .setMaxRetainedJobs(2); // this run, plus the two earlier runs that checkpointed last
   */
  setMaxRetainedJobs(n: number): this {
    if (!Number.isInteger(n) || n < 0) {
      throw new WeirError('INVALID_ARGUMENT', `retained jobs must be a whole number, got ${n}`);
    }
    return this.set('retainedJobs', n);
  }
  getMaxRetainedJobs(): number | undefined {
    return this.current().retainedJobs;
  }

  /** @internal The settings for the job graph, or null when checkpointing is off. */
  toSettings(): CheckpointSettings | null {
    return this.settings ? { ...this.settings } : null;
  }

  private current(): Omit<CheckpointSettings, 'interval'> {
    return this.settings ?? this.pending;
  }

  private set<K extends keyof Omit<CheckpointSettings, 'interval'>>(
    key: K,
    value: CheckpointSettings[K],
  ): this {
    this.pending[key] = value;
    if (this.settings) this.settings[key] = value;
    return this;
  }
}

function toMs(d: Duration): number {
  return d;
}

function positive(what: string, ms: number): number {
  if (!(ms > 0)) throw new WeirError('INVALID_ARGUMENT', `${what} must be positive, got ${ms}`);
  return ms;
}
