import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { KeySelectors } from '../../graph/key-selector-spec.ts';
import { assignKeyToParallelOperator } from '../../state/key-groups.ts';
import { createChannelSelector } from './channel-selector.ts';

interface Sale {
  region: string;
  day: number;
  shop: string | null;
}

const hashSelector = (keySelector: (value: Sale) => unknown, consumerParallelism: number) =>
  createChannelSelector({
    spec: { kind: 'hash' },
    producerIndex: 0,
    producerParallelism: 1,
    consumerParallelism,
    maxParallelism: 128,
    keySelector,
    edgeName: 'sales -> totals',
  });

describe('hash channel selector', () => {
  it('routes a tuple key to the subtask that owns its key group, as the state backend computes it', () => {
    const select = hashSelector((s) => [s.region, s.day, s.shop], 4);
    const used = new Set<number>();
    for (let i = 0; i < 200; i++) {
      const sale: Sale = { region: `r${i % 7}`, day: i % 11, shop: i % 3 === 0 ? null : `s${i % 5}` };
      const channel = select.select(sale);
      used.add(channel);
      assert.equal(channel, assignKeyToParallelOperator([sale.region, sale.day, sale.shop], 128, 4));
      // A new, equal tuple goes the same way.
      assert.equal(select.select({ ...sale }), channel);
    }
    assert.equal(used.size, 4, 'tuples spread over every subtask');
  });

  it('routes KeySelectors.fields (a tuple of fields) through the same hash', () => {
    const select = hashSelector(KeySelectors.fields<Sale>('region', 'day'), 3);
    const sale: Sale = { region: 'eu', day: 4, shop: null };
    assert.equal(select.select(sale), assignKeyToParallelOperator(['eu', 4], 128, 3));
  });
});
