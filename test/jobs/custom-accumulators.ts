/**
 * Test job: custom accumulators (a maximum and a set union, neither a sum nor a list), registered
 * by every subtask, and one registered by subtask 0 only. Their results must not depend on how the
 * subtasks are spread over threads.
 */
import { type Accumulator, RichMapFunction, StreamExecutionEnvironment } from 'weir';

/** The largest number added. */
export class MaxAccumulator implements Accumulator<number> {
  private max = Number.NEGATIVE_INFINITY;
  add(value: number): void {
    if (value > this.max) this.max = value;
  }
  getLocalValue(): number {
    return this.max;
  }
  merge(other: number): void {
    this.add(other);
  }
  create(): MaxAccumulator {
    return new MaxAccumulator();
  }
}

/** The distinct numbers added, in ascending order. */
export class SetUnionAccumulator implements Accumulator<number[]> {
  private readonly values = new Set<number>();
  add(values: number[]): void {
    for (const v of values) this.values.add(v);
  }
  getLocalValue(): number[] {
    return [...this.values].sort((a, b) => a - b);
  }
  merge(other: number[]): void {
    this.add(other);
  }
  create(): SetUnionAccumulator {
    return new SetUnionAccumulator();
  }
}

class Observe extends RichMapFunction<number, number> {
  private max!: MaxAccumulator;
  private residues!: SetUnionAccumulator;
  private firstMax: MaxAccumulator | undefined;
  override open(): void {
    const context = this.getRuntimeContext();
    this.max = new MaxAccumulator();
    this.residues = new SetUnionAccumulator();
    context.addAccumulator('max', this.max);
    context.addAccumulator('residues', this.residues);
    if (context.getIndexOfThisSubtask() === 0) {
      this.firstMax = new MaxAccumulator();
      context.addAccumulator('max-of-subtask-0', this.firstMax);
    }
  }
  map(n: number): number {
    this.max.add(n);
    this.residues.add([n % 5]);
    this.firstMax?.add(n);
    return n;
  }
}

const env = StreamExecutionEnvironment.getExecutionEnvironment();
env
  .fromSequence(1, 1_000)
  .rebalance()
  .map(new Observe())
  .name('observe')
  .sinkTo({ invoke() {} });
await env.execute('custom accumulators');
