import { WeirError } from '../core/errors.ts';
import type { Transformation } from '../graph/transformation.ts';
import type { MapStateDescriptor } from '../state/state-descriptor.ts';
import type { StreamExecutionEnvironment } from './stream-execution-environment.ts';

/**
 * A stream whose every record goes to every subtask of the operator it is connected to, together
 * with the broadcast state that operator keeps (`stream.broadcast(descriptor)`). Connect another
 * stream to it and process both with a (Keyed)BroadcastProcessFunction.
 *
 * @example
 * const rules = new MapStateDescriptor<string, Rule>('rules');
 * const ruleStream = ruleUpdates.broadcast(rules);          // BroadcastStream<Rule>
 * txs.keyBy((t) => t.user).connect(ruleStream).process(new MatchRules());
 */
export class BroadcastStream<T> {
  readonly environment: StreamExecutionEnvironment;
  /** @internal The broadcast-partitioned input. */
  readonly transformation: Transformation;
  private readonly descriptors: readonly MapStateDescriptor<unknown, unknown>[];
  declare readonly __type?: T;

  /** @internal Created by `DataStream.broadcast(...descriptors)`. */
  constructor(
    environment: StreamExecutionEnvironment,
    transformation: Transformation,
    descriptors: readonly MapStateDescriptor<unknown, unknown>[],
  ) {
    const names = new Set<string>();
    for (const d of descriptors) {
      if (d === null || typeof d !== 'object' || (d as { kind?: unknown }).kind !== 'map') {
        throw new WeirError(
          'INVALID_ARGUMENT',
          'broadcast(...) expects MapStateDescriptors: broadcast state is a map per descriptor',
        );
      }
      if (names.has(d.name)) {
        throw new WeirError('INVALID_ARGUMENT', `broadcast(...) got two state descriptors named "${d.name}"`);
      }
      if (d.ttl !== undefined) {
        throw new WeirError(
          'NOT_SUPPORTED',
          `broadcast state "${d.name}" has a time to live: TTL applies to keyed state only`,
        );
      }
      names.add(d.name);
    }
    this.environment = environment;
    this.transformation = transformation;
    this.descriptors = [...descriptors];
  }

  getExecutionEnvironment(): StreamExecutionEnvironment {
    return this.environment;
  }

  /** The descriptors of the broadcast state the connected operator keeps. */
  getBroadcastStateDescriptors(): readonly MapStateDescriptor<unknown, unknown>[] {
    return this.descriptors;
  }
}
