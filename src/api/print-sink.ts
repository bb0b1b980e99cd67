import { registerSinkFactory } from '../core/connector-registry.ts';
import { WeirError } from '../core/errors.ts';
import type { InvokeContext, Sink, SinkContext } from '../core/sink.ts';

/**
 * Prints records as Flink does: `record` at parallelism 1, `subtask> record` above it (subtask
 * counted from 1), prefixed by `identifier:` when one is given. Lines are buffered and written once
 * per batch of records, not once per record.
 */
export class PrintSink<T> implements Sink<T> {
  readonly identifier: string | undefined;
  readonly target: 'stdout' | 'stderr' | ((text: string) => void);
  private prefix = '';
  private buffer: string[] = [];
  private flushScheduled = false;

  constructor(identifier?: string, target: 'stdout' | 'stderr' | ((text: string) => void) = 'stdout') {
    this.identifier = identifier;
    this.target = target;
  }

  open(context: SinkContext): void {
    const subtask = context.parallelism > 1 ? String(context.subtaskIndex + 1) : '';
    if (this.identifier !== undefined)
      this.prefix = subtask ? `${this.identifier}:${subtask}> ` : `${this.identifier}> `;
    else this.prefix = subtask ? `${subtask}> ` : '';
  }

  invoke(value: T, _context: InvokeContext): void {
    this.buffer.push(this.prefix + formatRecord(value));
    if (this.buffer.length >= 512) this.flush();
    else if (!this.flushScheduled) {
      this.flushScheduled = true;
      setImmediate(() => this.flush());
    }
  }

  finish(): void {
    this.flush();
  }

  close(): void {
    this.flush();
  }

  private flush(): void {
    this.flushScheduled = false;
    if (this.buffer.length === 0) return;
    const text = `${this.buffer.join('\n')}\n`;
    this.buffer = [];
    if (typeof this.target === 'function') this.target(text);
    else process[this.target].write(text);
  }
}

/** Renders a record as `print()` shows it: strings as they are, objects as JSON unless they define `toString`. */
export function formatRecord(value: unknown): string {
  if (typeof value === 'string') return value;
  if (value === null || value === undefined) return String(value);
  if (typeof value !== 'object') return String(value);
  const own = (value as { toString?: unknown }).toString;
  if (typeof own === 'function' && own !== Object.prototype.toString && own !== Array.prototype.toString) {
    return String(value);
  }
  try {
    return JSON.stringify(value, (_k, v) => (typeof v === 'bigint' ? v.toString() : v));
  } catch {
    return String(value);
  }
}

/** `print` {identifier?, target?: 'stdout' | 'stderr'}: print() and printToErr() as plan data. */
registerSinkFactory({
  identifier: 'print',
  create(options) {
    const target = options.target ?? 'stdout';
    if (target !== 'stdout' && target !== 'stderr') {
      throw new WeirError(
        'INVALID_ARGUMENT',
        `connector "print": option "target" must be "stdout" or "stderr"`,
      );
    }
    const identifier = options.identifier ?? undefined;
    if (identifier !== undefined && typeof identifier !== 'string') {
      throw new WeirError('INVALID_ARGUMENT', 'connector "print": option "identifier" must be a string');
    }
    return new PrintSink(identifier, target);
  },
  describe(object) {
    if (!(object instanceof PrintSink) || typeof object.target === 'function') return undefined;
    return object.identifier === undefined
      ? { target: object.target }
      : { identifier: object.identifier, target: object.target };
  },
});
