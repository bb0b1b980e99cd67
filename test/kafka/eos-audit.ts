import { Producer } from '@platformatic/kafka';

/** Writes from..count-1 (0..count-1 by default) round-robin over the partitions: n goes to n % partitions. */
export async function produceNumbers(
  servers: string,
  topic: string,
  count: number,
  partitions: number,
  from = 0,
): Promise<void> {
  const producer = new Producer({
    clientId: 'weir-test-numbers',
    bootstrapBrokers: [servers],
    idempotent: true,
  });
  try {
    for (let batch = from; batch < count; batch += 5_000) {
      const messages = [];
      for (let n = batch; n < Math.min(count, batch + 5_000); n++) {
        messages.push({ topic, partition: n % partitions, value: Buffer.from(String(n)) });
      }
      await producer.send({ messages });
    }
  } finally {
    await producer.close();
  }
}

/** Lost and duplicated `<key>:<count>` records against a run without failures. */
export function audit(
  values: Array<string | null>,
  records: number,
  keys: number,
): { lost: number; duplicated: number } {
  const seen = new Map<string, number>();
  for (const v of values) seen.set(String(v), (seen.get(String(v)) ?? 0) + 1);
  const perKey = new Array<number>(keys).fill(0);
  for (let n = 0; n < records; n++) perKey[n % keys]++;
  let lost = 0;
  let duplicated = 0;
  for (let k = 0; k < keys; k++) {
    for (let c = 1; c <= perKey[k]; c++) {
      const line = `${k}:${c}`;
      const times = seen.get(line) ?? 0;
      if (times === 0) lost++;
      else duplicated += times - 1;
      seen.delete(line);
    }
  }
  for (const times of seen.values()) duplicated += times; // records that should not exist at all
  return { lost, duplicated };
}
