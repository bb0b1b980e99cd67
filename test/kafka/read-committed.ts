/**
 * Reads a whole topic as a `read_committed` consumer sees it, independently of Weir's KafkaSource,
 * to check what sinks wrote: every partition from offset 0 to its last stable offset, with the
 * records of aborted transactions dropped (the Java consumer's rule: a producer's batches are
 * aborted from the first offset the broker lists for it until its abort marker).
 */
import { Consumer, FetchIsolationLevels, IS_CONTROL, ListOffsetTimestamps } from '@platformatic/kafka';
import { KAFKA_BOOTSTRAP } from './broker.ts';

export interface CommittedRecord {
  partition: number;
  offset: number;
  key: string | null;
  value: string | null;
  headers: Map<string, string>;
}

const IS_TRANSACTIONAL = 0x10;

export async function readCommitted(topic: string, servers = KAFKA_BOOTSTRAP): Promise<CommittedRecord[]> {
  const consumer = new Consumer({
    clientId: 'weir-test-read-committed',
    groupId: `weir-test-read-committed-${process.pid}`,
    bootstrapBrokers: [servers],
  });
  try {
    const metadata = await consumer.metadata({ topics: [topic], forceUpdate: true });
    const info = metadata.topics.get(topic);
    if (info === undefined) throw new Error(`no topic ${topic}`);
    const ends = await consumer.listOffsets({
      topics: [topic],
      timestamp: ListOffsetTimestamps.LATEST,
      isolationLevel: FetchIsolationLevels.READ_COMMITTED,
    });
    const out: CommittedRecord[] = [];
    for (let partition = 0; partition < info.partitionsCount; partition++) {
      const end = Number(ends.get(topic)?.[partition] ?? 0n);
      const leader = info.partitions[partition].leader;
      const aborted = new Set<bigint>();
      let pendingAborts: Array<{ producerId: bigint; firstOffset: bigint }> = [];
      for (let offset = 0; offset < end; ) {
        const response = await consumer.fetch({
          node: leader,
          topics: [
            {
              topicId: info.id,
              partitions: [
                {
                  partition,
                  fetchOffset: BigInt(offset),
                  partitionMaxBytes: 4 * 1024 * 1024,
                  currentLeaderEpoch: -1,
                  lastFetchedEpoch: -1,
                },
              ],
            },
          ],
          maxWaitTime: 100,
          minBytes: 1,
          maxBytes: 8 * 1024 * 1024,
          isolationLevel: FetchIsolationLevels.READ_COMMITTED,
        });
        const p = response.responses[0]?.partitions[0];
        if (p === undefined) throw new Error(`no fetch answer for ${topic}/${partition}`);
        for (const a of p.abortedTransactions ?? []) pendingAborts.push(a);
        pendingAborts.sort((x, y) => (x.firstOffset < y.firstOffset ? -1 : 1));
        let next = offset;
        for (const batch of p.records ?? []) {
          const last = Number(batch.firstOffset) + batch.lastOffsetDelta;
          if (last < offset) continue;
          next = last + 1;
          while (pendingAborts.length > 0 && pendingAborts[0].firstOffset <= BigInt(last)) {
            aborted.add(pendingAborts[0].producerId);
            pendingAborts = pendingAborts.slice(1);
          }
          if ((batch.attributes & IS_CONTROL) !== 0) {
            // A marker: type 0 aborts, 1 commits; either way the producer's transaction is over.
            if (batch.records[0]?.key?.readInt16BE(2) === 0) aborted.delete(batch.producerId);
            continue;
          }
          if ((batch.attributes & IS_TRANSACTIONAL) !== 0 && aborted.has(batch.producerId)) continue;
          for (const r of batch.records) {
            const recordOffset = Number(batch.firstOffset) + r.offsetDelta;
            if (recordOffset < offset || recordOffset >= end) continue;
            const headers = new Map<string, string>();
            for (const [k, v] of r.headers) headers.set(k?.toString() ?? '', v?.toString() ?? '');
            out.push({
              partition,
              offset: recordOffset,
              key: r.key?.length ? r.key.toString() : null,
              value: r.value?.toString() ?? null,
              headers,
            });
          }
        }
        if (next === offset) break;
        offset = next;
      }
    }
    return out;
  } finally {
    await consumer.close();
  }
}
