import type { MessageToProduce } from '@platformatic/kafka';

/**
 * Records on their way to one producer. `push` is synchronous; a pump sends what has gathered as
 * one request at a time, so records keep their order (a second request in flight could overtake
 * the first when it waits for partitions to join a transaction) and batches grow while a request
 * is out, as a Kafka producer's linger does. `blocked` is the back-pressure signal.
 */
export class KafkaSendQueue {
  private buffer: MessageToProduce[] = [];
  private sending = false;
  private scheduled = false;
  private failure: unknown;
  private idleWaiters: Array<{ resolve: () => void; reject: (error: unknown) => void }> = [];
  private spaceWaiters: Array<() => void> = [];
  private readonly send: (messages: MessageToProduce[]) => Promise<unknown>;
  private readonly maxBatch: number;
  private readonly maxBuffered: number;
  /** Records acknowledged by the broker. */
  sent = 0;
  /** Records of the request under way. */
  private inFlight = 0;

  constructor(
    send: (messages: MessageToProduce[]) => Promise<unknown>,
    maxBatch: number,
    maxBuffered: number,
  ) {
    this.send = send;
    this.maxBatch = maxBatch;
    this.maxBuffered = maxBuffered;
    this.pump = this.pump.bind(this);
  }

  get buffered(): number {
    return this.buffer.length;
  }

  /** Records pushed and not acknowledged yet: buffered, or in the request under way (metrics). */
  get pending(): number {
    return this.buffer.length + this.inFlight;
  }

  /** The first send failure, rethrown to the caller (the sink then fails the job). */
  push(message: MessageToProduce): void {
    if (this.failure !== undefined) throw this.failure;
    this.buffer.push(message);
    if (!this.sending && !this.scheduled) {
      this.scheduled = true;
      setImmediate(this.pump);
    }
  }

  /** Resolves once everything pushed so far is acknowledged; rejects with the send failure. */
  flush(): Promise<void> {
    if (this.failure !== undefined) return Promise.reject(this.failure);
    if (this.buffer.length === 0 && !this.sending) return Promise.resolve();
    return new Promise((resolve, reject) => {
      this.idleWaiters.push({ resolve, reject });
      if (!this.sending && !this.scheduled) {
        this.scheduled = true;
        setImmediate(this.pump);
      }
    });
  }

  /** A promise while too much is buffered; it resolves (never rejects) when there is room or on failure. */
  blocked(): Promise<void> | undefined {
    if (this.buffer.length < this.maxBuffered || this.failure !== undefined) return undefined;
    return new Promise((resolve) => this.spaceWaiters.push(resolve));
  }

  private async pump(): Promise<void> {
    this.scheduled = false;
    if (this.sending) return;
    this.sending = true;
    try {
      while (this.buffer.length > 0) {
        let batch: MessageToProduce[];
        if (this.buffer.length <= this.maxBatch) {
          batch = this.buffer;
          this.buffer = [];
        } else {
          batch = this.buffer.splice(0, this.maxBatch);
        }
        this.wakeSpaceWaiters();
        this.inFlight = batch.length;
        await this.send(batch);
        this.inFlight = 0;
        this.sent += batch.length;
      }
    } catch (error) {
      this.failure = error;
      this.buffer = [];
    } finally {
      this.inFlight = 0;
      this.sending = false;
    }
    this.wakeSpaceWaiters();
    const waiters = this.idleWaiters;
    this.idleWaiters = [];
    for (const w of waiters) {
      if (this.failure !== undefined) w.reject(this.failure);
      else w.resolve();
    }
  }

  private wakeSpaceWaiters(): void {
    if (
      this.spaceWaiters.length === 0 ||
      (this.buffer.length >= this.maxBuffered && this.failure === undefined)
    ) {
      return;
    }
    const waiters = this.spaceWaiters;
    this.spaceWaiters = [];
    for (const w of waiters) w();
  }
}
