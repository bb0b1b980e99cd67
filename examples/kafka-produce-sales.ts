/**
 * Fills the walkthrough's input topic: creates `raw-transactions` (3 partitions), `hourly-spend`
 * and the dead-letter topic `raw-transactions-dlq` if they do not exist, then writes the 2,000
 * sales of examples/data/sales.ts as JSON, plus one line that is not JSON (it ends up in the
 * dead-letter topic). Run it with `node examples/kafka-produce-sales.ts` after
 * `scripts/kafka.sh start`. Topic names and the broker come from KAFKA_BOOTSTRAP, SPEND_INPUT,
 * SPEND_OUTPUT and SPEND_DLQ.
 */
import { Admin, Producer } from '@platformatic/kafka';
import { SALES, sale } from './data/sales.ts';

const servers = process.env.KAFKA_BOOTSTRAP ?? '127.0.0.1:9092';
const input = process.env.SPEND_INPUT ?? 'raw-transactions';
const output = process.env.SPEND_OUTPUT ?? 'hourly-spend';
const dlq = process.env.SPEND_DLQ ?? `${input}-dlq`;

const admin = new Admin({ clientId: 'weir-example-admin', bootstrapBrokers: [servers] });
try {
  const existing = new Set(await admin.listTopics());
  for (const [topic, partitions] of [
    [input, 3],
    [output, 3],
    [dlq, 1],
  ] as const) {
    if (!existing.has(topic)) await admin.createTopics({ topics: [topic], partitions, replicas: 1 });
  }
} finally {
  await admin.close();
}

const producer = new Producer({
  clientId: 'weir-example-sales',
  bootstrapBrokers: [servers],
  idempotent: true,
});
try {
  const messages = [];
  for (let i = 0; i < SALES; i++) {
    const s = sale(i);
    messages.push({ topic: input, key: Buffer.from(s.customerId), value: Buffer.from(JSON.stringify(s)) });
    if (i === 1_000)
      messages.push({
        topic: input,
        key: Buffer.from('bad'),
        value: Buffer.from('{"customerId": "customer-1", amountCents: oops'),
      });
  }
  for (let from = 0; from < messages.length; from += 500) {
    await producer.send({ messages: messages.slice(from, from + 500) });
  }
  console.log(`wrote ${SALES} sales and 1 malformed record to ${input} at ${servers}`);
} finally {
  await producer.close();
}
