import type { Sink } from 'weir';

/**
 * Discards records while touching every field (Nexmark's rule for throughput runs), and keeps a
 * row count and an order-independent checksum so that runs can be compared.
 */
export class BlackholeSink<T extends object> implements Sink<T> {
  static rows = 0;
  static checksum = 0;

  invoke(value: T): void {
    let h = 0;
    for (const k in value) {
      const v = (value as Record<string, unknown>)[k];
      if (typeof v === 'number') h = (h + (v | 0)) | 0;
      else if (typeof v === 'string') h = (h + v.length) | 0;
    }
    BlackholeSink.rows++;
    BlackholeSink.checksum = (BlackholeSink.checksum + h) | 0;
  }
}
