import type { RestoreSettings } from '../../api/executor.ts';
import type { CompletedCheckpoint } from '../../checkpoint/checkpoint-coordinator.ts';
import { findLatestCheckpoint, readCheckpoint } from '../../checkpoint/checkpoint-storage.ts';
import {
  checkRestorable,
  loadCheckpointState,
  type RestoredJobState,
} from '../../checkpoint/restored-state.ts';
import { DEFAULT_EXPONENTIAL_DELAY, type RestartStrategySpec } from '../../core/checkpointing.ts';
import type { JobConfig, JobGraph } from '../../graph/job-graph.ts';

/**
 * Finds and reads what a job starts from (`--from-checkpoint`, `--from-savepoint`): for a
 * checkpoint directory, the latest complete checkpoint in it (a corrupted latest one is reported
 * and the one before is used); then checks that the job can take its state.
 */
export async function loadInitialRestore(
  settings: RestoreSettings,
  graph: JobGraph,
  warn: (message: string) => void,
): Promise<{ restored: RestoredJobState; from: CompletedCheckpoint }> {
  const stored =
    settings.kind === 'savepoint'
      ? await readCheckpoint(settings.path)
      : await findLatestCheckpoint(settings.path, (dir, error) =>
          warn(`skipping checkpoint ${dir}: ${error.message}; falling back to an earlier one`),
        );
  const restored = await loadCheckpointState(stored.directory, stored.metadata);
  checkRestorable(restored, graph, settings.allowNonRestoredState);
  return {
    restored,
    from: {
      id: stored.metadata.checkpointId,
      kind: stored.metadata.kind,
      location: stored.directory,
      metadata: stored.metadata,
    },
  };
}

/** Reads a checkpoint this job completed (in memory or on disk), to restart from it. */
export function loadCompleted(checkpoint: CompletedCheckpoint): Promise<RestoredJobState> {
  return loadCheckpointState(checkpoint.location, checkpoint.metadata);
}

/** The job's restart strategy: its own, or exponential delay with checkpointing and none without. */
export function restartStrategyOf(config: JobConfig): RestartStrategySpec {
  if (config.restartStrategy) return config.restartStrategy;
  return config.checkpointing ? DEFAULT_EXPONENTIAL_DELAY : { kind: 'none' };
}
