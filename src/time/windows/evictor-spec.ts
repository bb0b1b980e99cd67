/**
 * Evictors as plan data: the count and time evictors are rebuilt from their spec in every slot; the
 * delta evictor (its delta is a user function) and the user's own evictors travel as objects in the
 * operator's functions (found by the operator's uid).
 */
import { WeirError } from '../../core/errors.ts';
import { CountEvictor } from './count-evictor.ts';
import { DeltaEvictor } from './delta-evictor.ts';
import type { Evictor } from './evictor.ts';
import { TimeEvictor } from './time-evictor.ts';
import type { Window } from './window.ts';

export type EvictorSpec =
  | { kind: 'count'; maxCount: number; doEvictAfter: boolean }
  | { kind: 'time'; windowLength: number; doEvictAfter: boolean }
  /** The delta function is the user's: the evictor object travels with the job module. */
  | { kind: 'delta'; threshold: number; doEvictAfter: boolean }
  | { kind: 'custom' };

/** The spec of an evictor: its data for the built-in ones, `custom` for any other. */
export function evictorToSpec(evictor: Evictor<any, any>): EvictorSpec {
  const e = evictor as unknown;
  if (e instanceof CountEvictor) return { kind: 'count', maxCount: e.maxCount, doEvictAfter: e.doEvictAfter };
  if (e instanceof TimeEvictor)
    return { kind: 'time', windowLength: e.windowLength, doEvictAfter: e.doEvictAfter };
  if (e instanceof DeltaEvictor)
    return { kind: 'delta', threshold: e.threshold, doEvictAfter: e.doEvictAfter };
  return { kind: 'custom' };
}

/** True when the evictor of `spec` cannot be built from the spec alone. */
export function evictorNeedsObject(spec: EvictorSpec): boolean {
  return spec.kind === 'custom' || spec.kind === 'delta';
}

/**
 * The evictor a spec describes; `custom`, when given, is the job module's object and is used as it is.
 * @throws WeirError INVALID_GRAPH when the spec needs the object and there is none.
 */
export function evictorFromSpec(spec: EvictorSpec, custom?: unknown): Evictor<unknown, Window> {
  if (custom !== undefined) return custom as Evictor<unknown, Window>;
  switch (spec.kind) {
    case 'count':
      return CountEvictor.of(spec.maxCount, spec.doEvictAfter) as Evictor<unknown, Window>;
    case 'time':
      return TimeEvictor.of(spec.windowLength, spec.doEvictAfter) as Evictor<unknown, Window>;
    case 'delta':
    case 'custom':
      throw new WeirError(
        'INVALID_GRAPH',
        `a ${spec.kind} evictor needs its object from the job module, and there is none`,
      );
  }
}
