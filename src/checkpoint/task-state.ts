import { addExtension, Packr } from 'msgpackr';
import type { HeapKeyedStateSnapshot } from '../state/heap-keyed-state-snapshot.ts';
import type { OperatorStateSnapshot } from '../state/operator-state-store.ts';
import type { TimerServiceSnapshot } from '../time/internal-timer-service.ts';
import { GlobalWindow, TimeWindow } from '../time/windows/window.ts';

/**
 * What one subtask contributes to a checkpoint: per operator of its chain (by uid), its keyed
 * state per key group, its timers per key group and its operator (list) state. Everything is
 * backend-independent plain data, so the same snapshot restores into any state backend and, key
 * group by key group, at any parallelism. Sources keep their split positions and sinks their
 * pending transactions in operator state.
 */
export interface OperatorSubtaskState {
  keyed?: HeapKeyedStateSnapshot;
  timers?: TimerServiceSnapshot;
  operator?: OperatorStateSnapshot;
}

export interface TaskStateSnapshot {
  /** Vertex (chain head uid) and subtask that took the snapshot. */
  vertex: string;
  subtask: number;
  parallelism: number;
  operators: Record<string, OperatorSubtaskState>;
}

// Window objects live in window operator state: keep their class across a snapshot.
addExtension({
  Class: TimeWindow,
  type: 41,
  write: (w: TimeWindow) => [w.start, w.end],
  read: (data: [number, number]) => new TimeWindow(data[0], data[1]),
});
addExtension({
  Class: GlobalWindow,
  type: 42,
  write: () => 0,
  read: () => GlobalWindow.INSTANCE,
});

/**
 * State files are msgpack with structured clone (Maps, Sets, Dates, cycles survive). Values must
 * be plain data or one of the registered classes: a class instance comes back as a plain object.
 */
const packr = new Packr({ structuredClone: true, useRecords: true, mapsAsObjects: false, moreTypes: true });

export function encodeTaskState(state: TaskStateSnapshot): Uint8Array {
  return packr.pack(state);
}

export function decodeTaskState(bytes: Uint8Array): TaskStateSnapshot {
  return packr.unpack(bytes) as TaskStateSnapshot;
}
