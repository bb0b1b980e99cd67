import { WeirError } from '../../core/errors.ts';
import type { Key } from '../../core/key.ts';
import type { KeyedStateBackend } from '../../state/keyed-state-backend.ts';
import type { ValueState } from '../../state/state.ts';
import { ValueStateDescriptor } from '../../state/state-descriptor.ts';
import type { InternalTimerService } from '../../time/timer-service.ts';
import type { TimestampedValue } from '../../time/windows/evictor.ts';
import { TimeWindow, type Window } from '../../time/windows/window.ts';

/**
 * Savepoints of the general window operator, restored into the operators that now run its common
 * cases. Before them, every keyed window, session window, window join or coGroup and windowAll ran
 * in the general WindowOperator (window-operator.ts), which keeps per key one ValueState named
 * `_windows`: the key's window slots, a Map by window identity (its start for a time window) or,
 * for merging (session) windows, an array sorted by start (a Map in savepoints from before the
 * merging-window set). A slot holds the window, its contents (a list of `{ value, timestamp }`, the
 * reduced value or the accumulator), its trigger's state, its window function's `windowState()` and
 * the times of the timers it registered. The timers themselves are the key's keyed timers, with no
 * namespace: a timer snapshot says key and time only, and the slots say which window asked for
 * which time.
 *
 * The time-window, session-window and window-co-group operators call
 * {@link adoptLegacyWindowSlots} when they open on restored state: each key's slots are handed to
 * the operator, which writes them in its own layout and registers its own timers for them; the old
 * timers and `_windows` are removed, so the next snapshot holds only the new layout. What cannot be
 * carried over exactly fails the restore with STATE_NOT_RESTORABLE naming the operator's uid and
 * the reason (a custom trigger's state, a window the new operator cannot hold, contents of another
 * shape), rather than dropping it: state is never lost silently. The states these operators write
 * are all backend-independent, so the savepoint may come from either backend and restore into
 * either, at any parallelism.
 */

/** The name of the general window operator's keyed state. */
const LEGACY_WINDOWS_STATE = '_windows';

/** A window slot of the general window operator, as its savepoints hold it. */
export interface LegacySlot {
  readonly window: Window;
  /** Elements (`{ value, timestamp }` list), the reduced value, or the accumulator. */
  readonly contents: unknown;
  readonly hasContents: boolean;
  readonly triggerState: Map<string, unknown> | undefined;
  readonly windowState: Map<string, unknown> | undefined;
  readonly eventTimers: ReadonlySet<number>;
  readonly processingTimers: ReadonlySet<number>;
}

/** The operator a savepoint's windows are restored into, for messages. */
export interface LegacyWindowsTarget {
  readonly uid: string;
  readonly kind: string;
}

/**
 * Hands each key's general-window-operator slots in `backend` to `adopt`, with the key current
 * and the key's old timers already deleted, then clears `_windows`. Returns the number of keys
 * adopted (0 when the restored state has none). `adopt` throws {@link legacyWindowsError} for what
 * it cannot carry over.
 *
 * @example
 * adoptLegacyWindowSlots(backend, timers, { uid: this.uid, kind: 'session-window' }, (slots) => {
 *   for (const slot of slots) this.adoptSession(slot);
 * });
 */
export function adoptLegacyWindowSlots(
  backend: KeyedStateBackend,
  timers: InternalTimerService,
  target: LegacyWindowsTarget,
  adopt: (slots: LegacySlot[], key: Key) => void,
): number {
  // Collected first: adopting writes the backend (LMDB reads keys through a cursor).
  const keys = [...backend.keys(LEGACY_WINDOWS_STATE)];
  if (keys.length === 0) return 0;
  const state: ValueState<unknown> = backend.getState(
    new ValueStateDescriptor<unknown>(LEGACY_WINDOWS_STATE),
  );
  for (const key of keys) {
    backend.setCurrentKey(key);
    const slots = slotsOf(state.value(), target);
    state.clear();
    for (const slot of slots) {
      for (const time of slot.eventTimers) timers.deleteEventTimeTimer(time);
      for (const time of slot.processingTimers) timers.deleteProcessingTimeTimer(time);
    }
    adopt(slots, key);
  }
  return keys.length;
}

/**
 * Fails when the restored state is the sliced window operator's (`_slices`): processing-time
 * sliding windows with a reduce or a mergeable aggregate ran there before the time window operator
 * took them over. Carrying them over is not implemented (it would be: the windows whose end − 1 is
 * at or after the key's pending timer, each the merge of its slices); until it is, the restore
 * fails rather than start those windows empty.
 */
export function rejectSlicedWindows(backend: KeyedStateBackend, target: LegacyWindowsTarget): void {
  for (const _ of backend.keys(LEGACY_SLICES_STATE)) {
    throw new WeirError(
      'STATE_NOT_RESTORABLE',
      `operator uid "${target.uid}" (${target.kind}): the restored state was written by the sliced window operator ("${LEGACY_SLICES_STATE}"), which ran processing-time sliding windows before this operator; carrying its slices over into windows is not supported. ` +
        'Give the operator a new uid and pass --allow-non-restored-state to start its windows empty',
    );
  }
}

/** The name of the sliced window operator's keyed state (sliced-window-operator.ts). */
const LEGACY_SLICES_STATE = '_slices';

/** A key's slots from either layout (Map by window identity, or the merging set's array), by start. */
function slotsOf(stored: unknown, target: LegacyWindowsTarget): LegacySlot[] {
  let slots: unknown[];
  if (stored instanceof Map) slots = [...stored.values()];
  else if (Array.isArray(stored)) slots = stored.slice();
  else throw legacyWindowsError(target, `holds a value of another shape (${describe(stored)})`);
  for (const slot of slots) checkSlot(slot, target);
  const checked = slots as LegacySlot[];
  return checked.sort((a, b) => (a.window as TimeWindow).start - (b.window as TimeWindow).start);
}

function checkSlot(slot: unknown, target: LegacyWindowsTarget): void {
  const s = slot as Partial<LegacySlot> | null;
  if (
    s === null ||
    typeof s !== 'object' ||
    !(s.eventTimers instanceof Set) ||
    !(s.processingTimers instanceof Set) ||
    typeof s.hasContents !== 'boolean'
  )
    throw legacyWindowsError(target, `holds a window slot of another shape (${describe(slot)})`);
  if (!(s.window instanceof TimeWindow)) {
    throw legacyWindowsError(
      target,
      `holds a window that is not a time window (${describe(s.window)}): only the general window operator keeps such windows`,
    );
  }
  if (s.triggerState !== undefined && s.triggerState.size > 0) {
    throw legacyWindowsError(
      target,
      `holds the state of a custom trigger (${[...s.triggerState.keys()].join(', ')}) for window ${windowText(s.window)}, which this operator (default trigger) cannot keep: set the same trigger on the window again`,
    );
  }
}

/**
 * The elements of a list window's slot, as the general operator kept them (`{ value, timestamp }`),
 * or a STATE_NOT_RESTORABLE error when the slot holds something else (a reduced value or an
 * accumulator, when the restored job's window keeps a list).
 */
export function legacyElements(slot: LegacySlot, target: LegacyWindowsTarget): TimestampedValue<unknown>[] {
  const list = slot.contents;
  if (Array.isArray(list) && list.every((e) => e !== null && typeof e === 'object' && 'value' in e))
    return list as TimestampedValue<unknown>[];
  throw legacyWindowsError(
    target,
    `holds for window ${windowText(slot.window)} contents that are no list of elements (${describe(list)}): the window function changed from reduce or aggregate to a list of elements`,
  );
}

/**
 * The timer the restored window is next due at, from the timers its slot had: its end − 1 while
 * the trigger has not fired (the trigger's timer is still there), else its clean-up time.
 * `undefined` for a fired window the new operator keeps no longer (no allowed lateness left).
 */
export function legacyDueTime(slot: LegacySlot, eventTime: boolean, lateness: number): number | undefined {
  const max = slot.window.maxTimestamp();
  const pending = eventTime ? slot.eventTimers : slot.processingTimers;
  if (pending.has(max)) return max;
  return eventTime && lateness > 0 ? max + lateness : undefined;
}

/** STATE_NOT_RESTORABLE: the general window operator's state that `target` cannot carry over. */
export function legacyWindowsError(target: LegacyWindowsTarget, reason: string): WeirError {
  return new WeirError(
    'STATE_NOT_RESTORABLE',
    `operator uid "${target.uid}" (${target.kind}): the restored state was written by the general window operator ("${LEGACY_WINDOWS_STATE}") and ${reason}. ` +
      'Keep the general window operator for this window (give it its trigger explicitly, e.g. EventTimeTrigger.create()), or give the operator a new uid and pass --allow-non-restored-state to drop this state',
  );
}

export function windowText(window: unknown): string {
  return window instanceof TimeWindow ? `[${window.start}, ${window.end})` : describe(window);
}

function describe(value: unknown): string {
  if (value === null || value === undefined) return String(value);
  if (Array.isArray(value)) return `an array of ${value.length}`;
  if (typeof value === 'object') return (value as object).constructor?.name ?? 'an object';
  return typeof value;
}
