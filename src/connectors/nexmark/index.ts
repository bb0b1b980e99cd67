import './nexmark-connector.ts';
import './nexmark-table-source.ts';

export {
  DEFAULT_NEXMARK_CONFIG,
  MAX_AVG_BYTE_SIZE,
  type NexmarkConfig,
  resolveNexmarkConfig,
  UNBOUNDED_EVENTS,
} from './config.ts';
export { type EventBlock, eventBlock, totalEvents } from './event-blocks.ts';
export { NexmarkGenerator } from './generator.ts';
export {
  type Auction,
  type AuctionEvent,
  type Bid,
  type BidEvent,
  eventDateTime,
  type NexmarkEvent,
  type NexmarkEventKind,
  type Person,
  type PersonEvent,
} from './model.ts';
export { NexmarkSource } from './nexmark-source.ts';
export { NexmarkSourceReader } from './nexmark-source-reader.ts';
export type { NexmarkSplit } from './nexmark-split.ts';
