import {
  ValueStateDescriptor as Descriptor,
  type ValueStateDescriptor,
} from '../../../state/state-descriptor.ts';
import { StateTtlConfig } from '../../../state/state-ttl-config.ts';

/**
 * The state of a SQL operator, with Flink's `table.exec.state.ttl` when set: a key's state not
 * written for `ttl` ms (processing time) is dropped and never read again, so unbounded queries
 * (group aggregates, joins, Top-N) keep bounded state at the price of forgetting idle keys.
 */
export function sqlStateDescriptor<T>(name: string, ttl: number | undefined): ValueStateDescriptor<T> {
  const descriptor = new Descriptor<T>(name);
  if (ttl !== undefined && ttl > 0) {
    descriptor.enableTimeToLive(
      StateTtlConfig.newBuilder(ttl).updateTtlOnCreateAndWrite().neverReturnExpired().build(),
    );
  }
  return descriptor;
}
