/**
 * The REST API's resource shapes, as the server declares them (src/server/dispatcher.ts: Flink's
 * shapes, hyphenated keys as sent). Imported as types only: nothing of the server is bundled, and a
 * change to a resource fails the dashboard's typecheck instead of its pages.
 */
import type {
  CheckpointingStatistics,
  ClusterOverview,
  JobDetails,
  JobExceptions,
  JobPlanResponse,
  JobSummary,
  TaskManagerInfo,
  VertexWatermarks,
} from '../../../src/server/dispatcher.ts';

export type {
  BackPressureLevel,
  ChannelWatermark,
  CheckpointingStatistics,
  ClusterOverview,
  JobDetails,
  JobExceptions,
  JobState,
  JobSummary,
  SavepointOperation,
  SubtaskDetails,
  TaskManagerInfo,
  VertexDetails,
  VertexMetrics,
  VertexWatermarks,
} from '../../../src/server/dispatcher.ts';

export type JobVertex = JobDetails['vertices'][number];
export type JobPlan = JobPlanResponse;
export type PlanNode = JobPlanResponse['plan']['nodes'][number];
export type CheckpointEntry = CheckpointingStatistics['history'][number];
export type ExceptionEntry = JobExceptions['all-exceptions'][number];
export type SubtaskWatermarks = VertexWatermarks['subtasks'][number];
/** A TaskManager's machine and process memory, side by side. */
export type TaskManagerMemory = Partial<TaskManagerInfo['hardware'] & TaskManagerInfo['memory']>;

/** The `overview` event of `GET /events`. */
export interface OverviewEvent {
  overview: ClusterOverview;
  jobs: JobSummary[];
  taskmanagers: TaskManagerInfo[];
}

/** The `job` event of `GET /jobs/:jobid/events` (src/server/routes/events.ts). */
export interface JobEvent {
  job: JobDetails;
  plan: JobPlan | null;
  checkpoints: CheckpointingStatistics | null;
  exceptions: JobExceptions | null;
  watermarks: Record<string, VertexWatermarks>;
}
