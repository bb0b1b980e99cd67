/**
 * Micro benchmark of the Nexmark generator: `node src/connectors/nexmark/generator.bench.ts [events]`.
 * Generates 5,000,000 events in batches, as a source reader does, five times after a warm-up, and
 * prints the cost per event of each round and the median. A checksum over every event keeps the work from being optimized away.
 */
import { NexmarkGenerator } from './generator.ts';
import type { NexmarkEvent } from './model.ts';

const events = Number(process.argv[2] ?? 5_000_000);
const batchSize = 1024;
const generator = new NexmarkGenerator();
const batch: NexmarkEvent[] = [];

function run(firstId: number, count: number): number {
  let checksum = 0;
  for (let id = firstId; id < firstId + count; id += batchSize) {
    generator.fill(batch, id, Math.min(batchSize, firstId + count - id));
    for (const event of batch) {
      if (event.kind === 'bid') checksum += event.bid.price + event.bid.extra.length;
      else if (event.kind === 'auction') checksum += event.auction.reserve;
      else checksum += event.person.id;
    }
  }
  return checksum;
}

run(1, 1_000_000);
const rounds = 5;
const results: number[] = [];
for (let round = 0; round < rounds; round++) {
  const cpuStart = process.cpuUsage();
  const start = process.hrtime.bigint();
  const checksum = run(1, events);
  const wallNs = Number(process.hrtime.bigint() - start);
  const cpu = process.cpuUsage(cpuStart);
  const cpuNs = (cpu.user + cpu.system) * 1000;
  results.push(wallNs / events);
  console.log(
    `round ${round + 1}: ${events.toLocaleString('en-US')} events in ${(wallNs / 1e6).toFixed(0)} ms, ` +
      `${(wallNs / events).toFixed(1)} ns/event wall, ${(cpuNs / events).toFixed(1)} ns/event CPU ` +
      `(checksum ${checksum})`,
  );
}
const median = results.sort((a, b) => a - b)[rounds >> 1];
console.log(
  `nexmark generator: median ${median.toFixed(1)} ns/event, ` +
    `${Math.round(1e9 / median).toLocaleString('en-US')} events/s on one core ` +
    `(node ${process.version}, ${process.platform} ${process.arch})`,
);
