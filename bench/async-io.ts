/**
 * Async I/O throughput: a lookup with 1 ms latency at capacity 100, one subtask (-p 1).
 *   npm run bench:async -- [--records 500000] [--capacity 100] [--latency 1] [--runs 3]
 *                          [--mode both|ordered|unordered] [--delay timer|wheel]
 * A generator source emits `{ id, user }` records; AsyncDataStream calls a lookup that answers
 * `latency` ms later with `{ ...record, score }`; a counting sink ends the chain (one task). With
 * `capacity` requests in flight and `latency` ms each, the ceiling is capacity / latency records per
 * ms (100 K records/s for 100 and 1 ms).
 *
 * `--delay timer` (default) answers each request with its own `setTimeout(latency)`; `--delay wheel`
 * answers from a timer wheel: requests wait in a FIFO, one `setTimeout` at the oldest deadline
 * resolves all that are due (as a client library with its own timer would). Node's timers have a
 * 1 ms resolution, so a 1 ms timeout fires 1–2 ms after it was set.
 * Prints one line per mode, the median of the runs:
 *   async-io <mode>: <N> records in <S> s = <R> records/s (<C> records/cpu-s), capacity <c>, latency <l> ms
 */
import { parseArgs } from 'node:util';
import {
  AsyncDataStream,
  Counter,
  DataGeneratorSource,
  type Sink,
  type SinkContext,
  StreamExecutionEnvironment,
  WatermarkStrategy,
} from 'weir';

const { values } = parseArgs({
  args: process.argv.slice(2),
  options: {
    records: { type: 'string', default: '500000' },
    capacity: { type: 'string', default: '100' },
    latency: { type: 'string', default: '1' },
    runs: { type: 'string', default: '3' },
    mode: { type: 'string', default: 'both' },
    delay: { type: 'string', default: 'timer' },
  },
});
const records = Number(values.records);
const capacity = Number(values.capacity);
const latency = Number(values.latency);
const runs = Number(values.runs);
const modes = values.mode === 'both' ? ['unordered', 'ordered'] : [values.mode as string];
const useWheel = values.delay === 'wheel';

interface Click {
  id: number;
  user: number;
}
interface Enriched extends Click {
  score: number;
}

/** Answers after `latency` ms: requests in a FIFO, one timer at the oldest deadline resolves all due. */
class TimerWheel {
  private readonly at: number[] = [];
  private readonly resolves: Array<() => void> = [];
  private head = 0;
  private timer: NodeJS.Timeout | undefined;
  private readonly fire = () => this.due();

  wait(): Promise<void> {
    return new Promise<void>((resolve) => {
      this.at.push(performance.now() + latency);
      this.resolves.push(resolve);
      if (!this.timer) this.timer = setTimeout(this.fire, latency);
    });
  }

  private due(): void {
    this.timer = undefined;
    const now = performance.now();
    while (this.head < this.at.length && this.at[this.head] <= now) this.resolves[this.head++]();
    if (this.head === this.at.length) {
      this.at.length = 0;
      this.resolves.length = 0;
      this.head = 0;
    } else this.timer = setTimeout(this.fire, Math.max(0, this.at[this.head] - now));
  }
}

const wheel = new TimerWheel();
const lookup = useWheel
  ? (click: Click): Promise<Enriched[]> => wheel.wait().then(() => [{ ...click, score: click.user % 7 }])
  : (click: Click): Promise<Enriched[]> =>
      new Promise((resolve) => setTimeout(() => resolve([{ ...click, score: click.user % 7 }]), latency));

class CountingSink implements Sink<Enriched> {
  private rows = new Counter();
  open(context: SinkContext): void {
    this.rows = new Counter();
    context.addAccumulator('rows', this.rows);
  }
  invoke(): void {
    this.rows.add(1);
  }
}

async function run(mode: string, n: number): Promise<{ seconds: number; cpuSeconds: number; rows: number }> {
  const env = StreamExecutionEnvironment.getExecutionEnvironment();
  env.setParallelism(1);
  const clicks = env.fromSource(
    new DataGeneratorSource<Click>((i) => ({ id: i, user: i % 1000 }), n),
    WatermarkStrategy.noWatermarks(),
    'clicks',
  );
  const enriched =
    mode === 'ordered'
      ? AsyncDataStream.orderedWait(clicks, lookup, 10_000, capacity)
      : AsyncDataStream.unorderedWait(clicks, lookup, 10_000, capacity);
  enriched.sinkTo(new CountingSink());
  const cpu0 = process.cpuUsage();
  const t0 = performance.now();
  const result = await env.execute(`async-io ${mode}`);
  const seconds = (performance.now() - t0) / 1000;
  const cpu = process.cpuUsage(cpu0);
  return {
    seconds,
    cpuSeconds: (cpu.user + cpu.system) / 1e6,
    rows: Number(result.getAccumulatorResult('rows')),
  };
}

const fmt = (x: number) => Math.round(x).toLocaleString('en-US');
for (const mode of modes) {
  await run(mode, Math.max(10_000, Math.floor(records / 10))); // warm-up
  const results = [];
  for (let r = 0; r < runs; r++) {
    const result = await run(mode, records);
    if (result.rows !== records) throw new Error(`${mode}: ${result.rows} rows for ${records} records`);
    results.push(result);
  }
  results.sort((a, b) => a.seconds - b.seconds);
  const median = results[Math.floor(results.length / 2)];
  console.log(
    `async-io ${mode}: ${fmt(records)} records in ${median.seconds.toFixed(2)} s = ${fmt(records / median.seconds)} records/s ` +
      `(${fmt(records / median.cpuSeconds)} records/cpu-s), capacity ${capacity}, latency ${latency} ms, ${useWheel ? 'timer wheel' : 'setTimeout per request'}`,
  );
}
