import './datagen-table-source.ts';

export { type DataGeneratorOptions, DataGeneratorSource } from './data-generator-source.ts';
export { RateLimiter } from './rate-limiter.ts';
