/**
 * The reference of bench/kafka-latency.ts (`--relay`): the same keyed running count as the Weir job,
 * written directly against the Kafka client on a worker thread, without Weir. A consumer stream
 * reads the input topic; each record's count is appended with the wall time at which it ran, and the
 * records go to the output topic with one produce request in flight at a time (those arriving
 * meanwhile form the next request), acknowledged by the leader. What separates the job's latency from
 * this relay's is Weir's own. Messages from the parent: `{ kind: 'stop' }`.
 */
import { parentPort, workerData } from 'node:worker_threads';
import {
  Consumer,
  type MessageToProduce,
  ProduceAcks,
  Producer,
  stringDeserializers,
} from '@platformatic/kafka';

export interface RelaySettings {
  servers: string;
  input: string;
  output: string;
  fetchWaitMs: number;
}

const { servers, input, output, fetchWaitMs } = workerData as RelaySettings;
const consumer = new Consumer({
  clientId: 'weir-bench-relay',
  groupId: `${input}-relay`,
  bootstrapBrokers: [servers],
  deserializers: stringDeserializers,
  maxWaitTime: fetchWaitMs,
});
const producer = new Producer({
  clientId: 'weir-bench-relay',
  bootstrapBrokers: [servers],
  acks: ProduceAcks.LEADER,
});
const counts = new Map<string, number>();
let buffer: MessageToProduce[] = [];
let sending = false;

async function pump(): Promise<void> {
  if (sending) return;
  sending = true;
  while (buffer.length > 0) {
    const batch = buffer;
    buffer = [];
    await producer.send({ messages: batch });
  }
  sending = false;
}

const stream = await consumer.consume({ topics: [input], mode: 'earliest', autocommit: false });
stream.on('data', (message) => {
  const line = message.value as string;
  const key = line.slice(0, line.indexOf(','));
  const n = (counts.get(key) ?? 0) + 1;
  counts.set(key, n);
  buffer.push({
    topic: output,
    value: Buffer.from(
      `${line},${n},${Number(message.timestamp)},${performance.timeOrigin + performance.now()}`,
    ),
  });
  if (!sending) setImmediate(pump);
});

parentPort!.on('message', async () => {
  await stream.close();
  await consumer.close(true);
  await producer.close();
  parentPort!.close();
});
