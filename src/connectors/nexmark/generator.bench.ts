/**
 * Micro benchmark of the Nexmark generator: `node src/connectors/nexmark/generator.bench.ts [events]`.
 * Generates 5,000,000 events five times after a warm-up, in batches of 1024 as a source reader
 * does, and prints the cost per event of each round and the median; then the same through the
 * source reader's `pollNext`, emitting to an output that only reads each event. A checksum over
 * every event keeps the work from being optimized away.
 */
import { NexmarkGenerator } from './generator.ts';
import type { NexmarkEvent } from './model.ts';
import { NexmarkSource } from './nexmark-source.ts';

const events = Number(process.argv[2] ?? 5_000_000);
const batchSize = 1024;
const rounds = 5;

function touch(event: NexmarkEvent): number {
  if (event.kind === 'bid') return event.bid.price + event.bid.extra.length;
  if (event.kind === 'auction') return event.auction.reserve;
  return event.person.id;
}

const generator = new NexmarkGenerator();
const batch: NexmarkEvent[] = [];

function generate(count: number): number {
  let checksum = 0;
  for (let id = 1; id <= count; id += batchSize) {
    generator.fill(batch, id, Math.min(batchSize, count + 1 - id));
    for (let i = 0; i < batch.length; i++) checksum += touch(batch[i]);
  }
  return checksum;
}

function poll(count: number): number {
  const source = new NexmarkSource({ events: count });
  const reader = source.createReader({ subtaskIndex: 0, parallelism: 1, now: () => 0, sourceName: 'bench' });
  reader.addSplits(source.createSplits(1));
  reader.noMoreSplits();
  const output = {
    checksum: 0,
    collect(event: NexmarkEvent, timestamp?: number) {
      this.checksum += touch(event) + (timestamp === undefined ? 0 : 1);
    },
  };
  while (reader.pollNext(output, batchSize) !== 'end') {}
  return output.checksum;
}

function measure(name: string, run: (count: number) => number): void {
  run(1_000_000);
  const results: number[] = [];
  for (let round = 1; round <= rounds; round++) {
    const cpuStart = process.cpuUsage();
    const start = process.hrtime.bigint();
    const checksum = run(events);
    const wallNs = Number(process.hrtime.bigint() - start);
    const cpu = process.cpuUsage(cpuStart);
    results.push(wallNs / events);
    console.log(
      `${name} round ${round}: ${events.toLocaleString('en-US')} events in ${(wallNs / 1e6).toFixed(0)} ms, ` +
        `${(wallNs / events).toFixed(1)} ns/event wall, ` +
        `${(((cpu.user + cpu.system) * 1000) / events).toFixed(1)} ns/event CPU (checksum ${checksum})`,
    );
  }
  const median = results.sort((a, b) => a - b)[rounds >> 1];
  console.log(
    `${name}: median ${median.toFixed(1)} ns/event, ` +
      `${Math.round(1e9 / median).toLocaleString('en-US')} events/s on one core`,
  );
}

console.log(`node ${process.version}, ${process.platform} ${process.arch}`);
measure('generator.fill', generate);
measure('reader.pollNext', poll);
