/** Metrics of one subtask, as plain data (they cross threads). Times are totals in ms. */
export interface TaskMetrics {
  /** The vertex's name (its chain of operators). */
  vertex: string;
  /** The vertex's id in the job graph (names need not be unique). */
  vertexId: string;
  subtask: number;
  parallelism: number;
  state: string;
  recordsIn: number;
  recordsOut: number;
  busyMs: number;
  idleMs: number;
  backPressuredMs: number;
  /** Elements waiting in the input channels. */
  inputQueue: number;
  /** Source tasks whose reader counts them: records it could not read (skipped or dead-lettered). */
  recordsInErrors?: number;
}
