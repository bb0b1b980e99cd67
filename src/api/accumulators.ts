export { type Accumulator, Counter, DoubleCounter, IntCounter, LongCounter } from '../core/accumulators.ts';
