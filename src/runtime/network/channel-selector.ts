import { WeirError } from '../../core/errors.ts';
import type { Key } from '../../core/key.ts';
import type { PartitionerSpec } from '../../graph/job-graph.ts';
import { checkMaxParallelism, keyGroupOf, operatorIndexOf } from '../../state/key-groups.ts';

/**
 * Picks the downstream channel of each record. Channels are indexed by consumer subtask. Hash
 * partitioning goes through key groups (docs/state.md): key → key group → owning subtask; a tuple
 * key hashes by its fields (`hashKey`), so equal tuples from different records go to one subtask.
 * `-1` means every channel (broadcast).
 */
export interface ChannelSelector {
  select(value: unknown): number;
}

export const BROADCAST = -1;

export interface ChannelSelectorOptions {
  spec: PartitionerSpec;
  producerIndex: number;
  producerParallelism: number;
  consumerParallelism: number;
  maxParallelism: number;
  keySelector?: (value: any) => unknown;
  customPartitioner?: (key: any, numPartitions: number) => number;
  edgeName: string;
}

export function createChannelSelector(o: ChannelSelectorOptions): ChannelSelector {
  const n = o.consumerParallelism;
  switch (o.spec.kind) {
    case 'forward':
      return { select: () => 0 };
    case 'global':
      return { select: () => 0 };
    case 'broadcast':
      return { select: () => BROADCAST };
    case 'rebalance': {
      // Start at the producer's index so that producers do not all hit consumer 0 first.
      let next = o.producerIndex % n;
      return {
        select: () => {
          const c = next;
          next = next + 1 === n ? 0 : next + 1;
          return c;
        },
      };
    }
    case 'rescale': {
      // Each producer round-robins over its own contiguous share of the consumers.
      const p = o.producerParallelism;
      let from: number;
      let to: number;
      if (p >= n) {
        from = Math.floor((o.producerIndex * n) / p);
        to = from + 1;
      } else {
        from = Math.floor((o.producerIndex * n) / p);
        to = Math.floor(((o.producerIndex + 1) * n) / p);
      }
      let next = from;
      return {
        select: () => {
          const c = next;
          next = next + 1 === to ? from : next + 1;
          return c;
        },
      };
    }
    case 'shuffle': {
      // Deterministic xorshift per producer: reproducible runs.
      let s = (o.producerIndex + 1) * 0x9e3779b1;
      return {
        select: () => {
          s ^= s << 13;
          s ^= s >>> 17;
          s ^= s << 5;
          return (s >>> 0) % n;
        },
      };
    }
    case 'hash': {
      const keyOf = o.keySelector;
      if (!keyOf) throw new WeirError('INTERNAL', `hash edge ${o.edgeName} has no key selector`);
      const maxP = o.maxParallelism;
      checkMaxParallelism(maxP);
      // The channel of each key group, computed once: no division per record.
      const channelOf = new Int32Array(maxP);
      for (let g = 0; g < maxP; g++) channelOf[g] = operatorIndexOf(maxP, n, g);
      return { select: (value) => channelOf[keyGroupOf(keyOf(value) as Key, maxP)] };
    }
    case 'custom': {
      const keyOf = o.keySelector;
      const partition = o.customPartitioner;
      if (!keyOf || !partition)
        throw new WeirError('INTERNAL', `custom edge ${o.edgeName} has no partitioner`);
      return {
        select: (value) => {
          const c = partition(keyOf(value), n);
          if (!Number.isInteger(c) || c < 0 || c >= n) {
            throw new WeirError(
              'USER_FUNCTION_FAILED',
              `custom partitioner of ${o.edgeName} returned ${c}, expected an integer in [0, ${n})`,
            );
          }
          return c;
        },
      };
    }
  }
}
