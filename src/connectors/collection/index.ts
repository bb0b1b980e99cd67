import './collection-connectors.ts';

export { CollectionSource } from './collection-source.ts';
export type { IndexRangeSplit } from './index-range-split.ts';
export { NumberSequenceSource } from './sequence-source.ts';
