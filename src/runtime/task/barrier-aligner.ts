/**
 * Barrier alignment of one task over its input channels. A checkpoint's barrier arrives once per
 * channel. In exactly-once mode, a channel that delivered the barrier is blocked (the task stops
 * reading it) until every channel has delivered it, so that the snapshot holds exactly the records
 * before the barrier on every channel; in at-least-once mode nothing is blocked and the snapshot is
 * taken when the last barrier arrives. A channel that has ended counts as aligned. A barrier of a
 * newer checkpoint while one is being aligned aborts the older one (its barrier will never
 * complete here) and starts the new alignment.
 */
export type AlignmentResult =
  /** Wait for more barriers. */
  | 'waiting'
  /** Every channel delivered the barrier: snapshot now and forward it. */
  | 'aligned'
  /** An old barrier (of a checkpoint already completed or abandoned here): ignore it. */
  | 'stale';

export class BarrierAligner {
  /** 1 for channels the task must not read now (exactly-once alignment in progress). */
  readonly blocked: Uint8Array;
  private readonly received: Uint8Array;
  private readonly ended: Uint8Array;
  private readonly exactlyOnce: boolean;
  private receivedCount = 0;
  private endedCount = 0;
  /** The checkpoint being aligned, or -1. */
  currentId = -1;
  /** The newest checkpoint seen (aligned or abandoned). */
  private latestId = -1;
  /** Set when a newer barrier abandoned an alignment: the abandoned checkpoint's id. */
  abandonedId = -1;
  /** When the first barrier of the current alignment arrived (performance.now()). */
  private startedAt = 0;
  /**
   * Of the last completed alignment: ms between its first and its last barrier (Flink's alignment
   * duration; 0 with one input channel). Reported with the checkpoint's acknowledgement.
   */
  lastAlignmentMs = 0;

  constructor(channels: number, exactlyOnce: boolean) {
    this.blocked = new Uint8Array(channels);
    this.received = new Uint8Array(channels);
    this.ended = new Uint8Array(channels);
    this.exactlyOnce = exactlyOnce;
  }

  get anyBlocked(): boolean {
    return this.exactlyOnce && this.currentId >= 0;
  }

  onBarrier(channel: number, id: number): AlignmentResult {
    this.abandonedId = -1;
    if (id <= this.latestId && id !== this.currentId) return 'stale';
    if (id > this.latestId) {
      if (this.currentId >= 0) this.abandonedId = this.currentId;
      this.reset();
      this.currentId = id;
      this.latestId = id;
      this.startedAt = performance.now();
    }
    if (this.received[channel] === 0) {
      this.received[channel] = 1;
      this.receivedCount++;
      if (this.exactlyOnce) this.blocked[channel] = 1;
    }
    return this.check();
  }

  /** A channel ended: it will deliver no barrier any more. */
  onChannelEnded(channel: number): AlignmentResult {
    if (this.ended[channel] === 1) return 'waiting';
    this.ended[channel] = 1;
    this.endedCount++;
    if (this.currentId < 0) return 'waiting';
    if (this.received[channel] === 1) {
      this.received[channel] = 0;
      this.receivedCount--;
    }
    return this.check();
  }

  /** The coordinator aborted checkpoint `id`: stop aligning it. */
  abort(id: number): boolean {
    if (this.currentId !== id) return false;
    this.reset();
    return true;
  }

  private check(): AlignmentResult {
    if (this.receivedCount + this.endedCount < this.received.length) return 'waiting';
    this.lastAlignmentMs = performance.now() - this.startedAt;
    this.reset();
    return 'aligned';
  }

  private reset(): void {
    this.received.fill(0);
    this.blocked.fill(0);
    this.receivedCount = 0;
    this.currentId = -1;
  }
}
