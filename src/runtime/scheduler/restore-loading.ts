import type { RestoreSettings } from '../../api/executor.ts';
import type { CompletedCheckpoint } from '../../checkpoint/checkpoint-coordinator.ts';
import { selectRestore } from '../../checkpoint/checkpoint-selection.ts';
import { readCheckpoint } from '../../checkpoint/checkpoint-storage.ts';
import {
  checkRestorable,
  loadCheckpointState,
  type RestoredJobState,
} from '../../checkpoint/restored-state.ts';
import { DEFAULT_EXPONENTIAL_DELAY, type RestartStrategySpec } from '../../core/checkpointing.ts';
import type { JobConfig, JobGraph } from '../../graph/job-graph.ts';

/**
 * Finds and reads what a job starts from (`--from-checkpoint`, `--from-savepoint`): for a
 * checkpoint path, the latest completed checkpoint of this job (by name and completion time, see
 * `selectRestore`; a damaged one is reported and the one completed before it is used); then checks
 * that the job can take its state.
 */
export async function loadInitialRestore(
  settings: RestoreSettings,
  graph: JobGraph,
  warn: (message: string) => void,
): Promise<{ restored: RestoredJobState; from: CompletedCheckpoint }> {
  let restored: RestoredJobState;
  let from: CompletedCheckpoint;
  if (settings.kind === 'savepoint') {
    const stored = await readCheckpoint(settings.path);
    restored = await loadCheckpointState(stored.directory, stored.metadata);
    from = {
      id: stored.metadata.checkpointId,
      kind: stored.metadata.kind,
      location: stored.directory,
      metadata: stored.metadata,
    };
  } else {
    const uids = new Set(graph.vertices.flatMap((v) => v.operators.map((o) => o.uid)));
    const selected = await selectRestore(settings.path, graph.jobName, warn, uids);
    restored = selected.state;
    const { metadata, directory } = selected.checkpoint;
    from = { id: metadata.checkpointId, kind: metadata.kind, location: directory, metadata };
  }
  checkRestorable(restored, graph, settings.allowNonRestoredState);
  return { restored, from };
}

/** The job's restart strategy: its own, or exponential delay with checkpointing and none without. */
export function restartStrategyOf(config: JobConfig): RestartStrategySpec {
  if (config.restartStrategy) return config.restartStrategy;
  return config.checkpointing ? DEFAULT_EXPONENTIAL_DELAY : { kind: 'none' };
}
