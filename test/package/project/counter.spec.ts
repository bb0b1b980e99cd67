// A user's unit test of their own function with the test kit, run by `node --test`.
import assert from 'node:assert/strict';
import { it } from 'node:test';
import {
  type Collector,
  type KeyedProcessContext,
  KeyedProcessFunction,
  type ValueState,
  ValueStateDescriptor,
} from 'weir';
import { ProcessFunctionTestHarnesses } from 'weir/testing';

class Counter extends KeyedProcessFunction<string, string, string> {
  private count!: ValueState<number, number>;
  override open(): void {
    this.count = this.getRuntimeContext().getState(new ValueStateDescriptor('count', 0));
  }
  processElement(_word: string, ctx: KeyedProcessContext<string>, out: Collector<string>): void {
    const n = this.count.value() + 1;
    this.count.update(n);
    out.collect(`${ctx.getCurrentKey()}=${n}`);
  }
}

it('counts per key with the test kit', async () => {
  const h = await ProcessFunctionTestHarnesses.forKeyedProcessFunction(new Counter(), (w: string) => w);
  h.processElement('a', 1);
  h.processElement('b', 2);
  h.processElement('a', 3);
  assert.deepEqual(h.extractOutputValues(), ['a=1', 'b=1', 'a=2']);
});
