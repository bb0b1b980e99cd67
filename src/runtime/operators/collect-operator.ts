import { AbstractStreamOperator } from './abstract-stream-operator.ts';

/** Sends records to the job's client (executeAndCollect, CollectSink), one message per batch. */
export class CollectOperator extends AbstractStreamOperator {
  private buffer: unknown[] = [];

  processElement(value: unknown): void {
    this.buffer.push(value);
    if (this.buffer.length >= 1024) this.flush();
  }

  override processWatermark(time: number): void {
    this.currentWatermark = time;
    this.flush();
  }

  /** Called at the end of each unit of task work, so a quiet stream still delivers promptly. */
  flush(): void {
    if (this.buffer.length === 0) return;
    const values = this.buffer;
    this.buffer = [];
    this.ctx.sendToClient(values);
  }

  override endInput(): void {
    this.flush();
  }

  readonly blockedByDownstream = true;

  /** The client holds too many unread records: stop taking input until it has read them. */
  blocked(): Promise<void> | undefined {
    return this.ctx.clientBlocked?.();
  }
}
