/**
 * Operator state: non-keyed state of one operator instance, used by sources and sinks (split
 * offsets, pending transactions). As in Flink it is a list, so that it can be redistributed when
 * the parallelism changes: a *split* list (`getListState`) is cut into parts, one per new subtask;
 * a *union* list (`getUnionListState`) is given whole to every new subtask, which picks what it
 * needs. Snapshots are plain data; {@link redistributeOperatorState} maps the snapshots of the old
 * subtasks to those of the new ones.
 */
import { WeirError } from '../core/errors.ts';
import type { ListState } from './state.ts';
import type { ListStateDescriptor } from './state-descriptor.ts';

/** How a list is redistributed on restore: split into parts, or the union given to every subtask. */
export type OperatorStateMode = 'split' | 'union';

export interface OperatorStateSnapshot {
  readonly states: OperatorListSnapshot[];
}

export interface OperatorListSnapshot {
  readonly name: string;
  readonly mode: OperatorStateMode;
  readonly elements: unknown[];
}

const EMPTY: readonly never[] = Object.freeze([]);

class OperatorListState<T> implements ListState<T> {
  readonly name: string;
  readonly mode: OperatorStateMode;
  elements: T[] = [];

  constructor(name: string, mode: OperatorStateMode) {
    this.name = name;
    this.mode = mode;
  }

  /** The list itself (no copy; do not mutate). */
  get(): Iterable<T> {
    return this.elements.length === 0 ? EMPTY : this.elements;
  }

  add(value: T): void {
    if (value === undefined) throw undefinedElement(this.name);
    this.elements.push(value);
  }

  addAll(values: Iterable<T>): void {
    const source = values === this.elements ? this.elements.slice() : values;
    for (const value of source) this.add(value);
  }

  update(values: Iterable<T>): void {
    const next: T[] = [];
    for (const value of values) {
      if (value === undefined) throw undefinedElement(this.name);
      next.push(value);
    }
    this.elements = next;
  }

  clear(): void {
    this.elements = [];
  }
}

/** The operator state of one operator instance. */
export class OperatorStateStore {
  private readonly states = new Map<string, OperatorListState<unknown>>();

  /** A list redistributed in parts on rescale (Flink's split-distribute list state). */
  getListState<T>(descriptor: ListStateDescriptor<T>): ListState<T> {
    return this.stateFor(descriptor, 'split') as ListState<T>;
  }

  /** A list whose union is given to every subtask on restore (Flink's union list state). */
  getUnionListState<T>(descriptor: ListStateDescriptor<T>): ListState<T> {
    return this.stateFor(descriptor, 'union') as ListState<T>;
  }

  /** Names of the states held, registered or restored. */
  stateNames(): string[] {
    return [...this.states.keys()];
  }

  /** Every list as plain data (copies: later writes do not change the snapshot). */
  snapshot(): OperatorStateSnapshot {
    const states: OperatorListSnapshot[] = [];
    for (const state of this.states.values()) {
      states.push({ name: state.name, mode: state.mode, elements: state.elements.slice() });
    }
    return { states };
  }

  /**
   * Replaces all state with the given snapshots; lists of the same name are concatenated in order.
   * To restore at another parallelism, pass the output of {@link redistributeOperatorState}.
   */
  restore(snapshots: readonly OperatorStateSnapshot[]): void {
    for (const state of this.states.values()) state.elements = [];
    for (const snapshot of snapshots) {
      for (const list of snapshot.states) {
        let state = this.states.get(list.name);
        if (state === undefined) {
          state = new OperatorListState(list.name, list.mode);
          this.states.set(list.name, state);
        } else if (state.mode !== list.mode) {
          throw modeMismatch(list.name, state.mode, list.mode);
        }
        for (const element of list.elements) state.elements.push(element);
      }
    }
  }

  private stateFor(
    descriptor: ListStateDescriptor<unknown>,
    mode: OperatorStateMode,
  ): OperatorListState<unknown> {
    if (descriptor.kind !== 'list') {
      throw new WeirError(
        'INVALID_ARGUMENT',
        `operator state "${descriptor.name}" must be described by a ListStateDescriptor, got ${descriptor.kind} state`,
      );
    }
    if (descriptor.ttl !== undefined) {
      throw new WeirError(
        'NOT_SUPPORTED',
        `operator state "${descriptor.name}" has a time to live: TTL applies to keyed state only`,
      );
    }
    let state = this.states.get(descriptor.name);
    if (state === undefined) {
      state = new OperatorListState(descriptor.name, mode);
      this.states.set(descriptor.name, state);
    } else if (state.mode !== mode) {
      throw modeMismatch(descriptor.name, state.mode, mode);
    }
    return state;
  }
}

/**
 * Maps the operator state snapshots of the old subtasks (in subtask order) to `parallelism` new
 * ones: each split list is concatenated and cut into contiguous parts whose sizes differ by at most
 * one; each union list is concatenated and given whole to every new subtask.
 */
export function redistributeOperatorState(
  snapshots: readonly OperatorStateSnapshot[],
  parallelism: number,
): OperatorStateSnapshot[] {
  if (!Number.isInteger(parallelism) || parallelism < 1) {
    throw new WeirError('INVALID_ARGUMENT', `parallelism must be a positive integer, got ${parallelism}`);
  }
  const merged = new Map<string, OperatorListSnapshot>();
  for (const snapshot of snapshots) {
    for (const list of snapshot.states) {
      const seen = merged.get(list.name);
      if (seen === undefined)
        merged.set(list.name, { name: list.name, mode: list.mode, elements: [...list.elements] });
      else if (seen.mode !== list.mode) throw modeMismatch(list.name, seen.mode, list.mode);
      else for (const element of list.elements) seen.elements.push(element);
    }
  }
  const result: Array<{ states: OperatorListSnapshot[] }> = Array.from({ length: parallelism }, () => ({
    states: [],
  }));
  for (const list of merged.values()) {
    const n = list.elements.length;
    for (let i = 0; i < parallelism; i++) {
      const elements =
        list.mode === 'union'
          ? list.elements.slice()
          : list.elements.slice(Math.floor((i * n) / parallelism), Math.floor(((i + 1) * n) / parallelism));
      result[i].states.push({ name: list.name, mode: list.mode, elements });
    }
  }
  return result;
}

function modeMismatch(name: string, registered: OperatorStateMode, requested: OperatorStateMode): WeirError {
  const label = (m: OperatorStateMode) => (m === 'union' ? 'a union list state' : 'a list state');
  return new WeirError(
    'STATE_ERROR',
    `operator state "${name}" is ${label(registered)} and cannot be used as ${label(requested)}`,
  );
}

function undefinedElement(name: string): WeirError {
  return new WeirError('STATE_ERROR', `operator list state "${name}" cannot hold undefined elements`);
}
