import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import {
  type Collector,
  isWeirError,
  type KeyedProcessContext,
  KeyedProcessFunction,
  MAX_WATERMARK,
  type OnTimerContext,
  OutputTag,
  type ProcessContext,
  ProcessFunction,
  type ValueState,
  ValueStateDescriptor,
} from 'weir';
import { ProcessFunctionTestHarnesses } from 'weir/testing';

interface Tx {
  user: string;
  amount: number;
}

const large = new OutputTag<Tx>('large');

/** Counts transactions per user, flags large ones to a side output, and reports timers. */
class PerUser extends KeyedProcessFunction<string, Tx, string> {
  private count!: ValueState<number, number>;
  override open(): void {
    this.count = this.getRuntimeContext().getState(new ValueStateDescriptor('count', 0));
  }
  processElement(tx: Tx, ctx: KeyedProcessContext<string>, out: Collector<string>): void {
    const n = this.count.value() + 1;
    this.count.update(n);
    if (tx.amount >= 1000) ctx.output(large, tx);
    out.collect(`${ctx.getCurrentKey()} #${n} at ${ctx.timestamp()}`);
  }
  override onTimer(time: number, ctx: OnTimerContext<string>, out: Collector<string>): void {
    out.collect(`${ctx.timeDomain()} ${ctx.getCurrentKey()} ${time} count=${this.count.value()}`);
  }
}

describe('ProcessFunctionTestHarnesses.forKeyedProcessFunction', () => {
  it('collects outputs and side outputs, with keyed state isolated per key', async () => {
    const h = await ProcessFunctionTestHarnesses.forKeyedProcessFunction(new PerUser(), (tx: Tx) => tx.user);
    h.processElement({ user: 'ann', amount: 5 }, 100);
    h.processElement({ user: 'bob', amount: 2000 }, 200);
    h.processElement({ user: 'ann', amount: 1500 }, 300);
    h.processElement({ user: 'ann', amount: 1 });
    assert.deepEqual(h.extractOutputValues(), [
      'ann #1 at 100',
      'bob #1 at 200',
      'ann #2 at 300',
      'ann #3 at undefined',
    ]);
    assert.deepEqual(h.getSideOutput(large), [
      { user: 'bob', amount: 2000 },
      { user: 'ann', amount: 1500 },
    ]);
    assert.deepEqual(
      h
        .getOutput()
        .map((o) => (o.kind === 'record' ? o.timestamp : o.kind === 'watermark' ? o.time : o.idle)),
      [100, 200, 300, undefined],
      'records keep the timestamp of their input',
    );
    h.clearOutput();
    assert.deepEqual(h.extractOutputValues(), []);
    assert.deepEqual(h.getSideOutput(large), []);
    h.processElement({ user: 'bob', amount: 1 }, 400);
    assert.deepEqual(h.extractOutputValues(), ['bob #2 at 400']);
  });

  it('fires event-time timers when the watermark reaches them, per key and in time order', async () => {
    const h = await ProcessFunctionTestHarnesses.forKeyedProcessFunction<string, Tx, string>(
      {
        processElement(tx, ctx) {
          ctx.timerService().registerEventTimeTimer(tx.amount);
          ctx.timerService().registerEventTimeTimer(tx.amount); // registered twice: fires once
        },
        onTimer(time, ctx, out) {
          assert.equal(ctx.timestamp(), time);
          out.collect(
            `${ctx.timeDomain()} ${ctx.getCurrentKey()} ${time} wm=${ctx.timerService().currentWatermark()}`,
          );
        },
      },
      (tx) => tx.user,
    );
    h.processElement({ user: 'a', amount: 300 }, 1);
    h.processElement({ user: 'b', amount: 100 }, 2);
    h.processElement({ user: 'a', amount: 200 }, 3);
    assert.equal(h.numEventTimeTimers(), 3);
    assert.deepEqual(h.eventTimeTimers(), [
      ['b', 100],
      ['a', 200],
      ['a', 300],
    ]);
    h.processWatermark(99);
    assert.deepEqual(h.extractOutputValues(), []);
    h.processWatermark(200);
    assert.deepEqual(h.extractOutputValues(), ['EVENT_TIME b 100 wm=200', 'EVENT_TIME a 200 wm=200']);
    assert.deepEqual(h.eventTimeTimers(), [['a', 300]]);
    // Timer output comes before the watermark that fired it, carrying the timer time.
    assert.deepEqual(h.getOutput(), [
      { kind: 'watermark', time: 99 },
      { kind: 'record', value: 'EVENT_TIME b 100 wm=200', timestamp: 100 },
      { kind: 'record', value: 'EVENT_TIME a 200 wm=200', timestamp: 200 },
      { kind: 'watermark', time: 200 },
    ]);
    assert.deepEqual(h.getWatermarks(), [99, 200]);
    // The final watermark of a bounded input fires the rest.
    h.processWatermark(MAX_WATERMARK);
    assert.equal(h.extractOutputValues().at(-1), 'EVENT_TIME a 300 wm=Infinity');
    assert.equal(h.numEventTimeTimers(), 0);
  });

  it('fires processing-time timers as processing time advances: 1000, 500, 700 → 500 at 600, 700 at 800', async () => {
    const h = await ProcessFunctionTestHarnesses.forKeyedProcessFunction(
      {
        processElement(t: { key: string; at: number }, ctx: KeyedProcessContext<string>) {
          ctx.timerService().registerProcessingTimeTimer(t.at);
        },
        onTimer(time: number, ctx: OnTimerContext<string>, out: Collector<string>) {
          out.collect(`${ctx.timeDomain()} ${ctx.getCurrentKey()} ${time} ts=${ctx.timestamp()}`);
        },
      },
      (t) => t.key,
    );
    h.processElement({ key: 'k', at: 1000 });
    h.processElement({ key: 'k', at: 500 });
    h.processElement({ key: 'k', at: 700 });
    assert.equal(h.numProcessingTimeTimers(), 3);
    assert.deepEqual(h.processingTimeTimers(), [
      ['k', 500],
      ['k', 700],
      ['k', 1000],
    ]);
    h.setProcessingTime(600);
    assert.deepEqual(h.extractOutputValues(), ['PROCESSING_TIME k 500 ts=undefined']);
    assert.deepEqual(h.processingTimeTimers(), [
      ['k', 700],
      ['k', 1000],
    ]);
    h.setProcessingTime(800);
    assert.deepEqual(h.extractOutputValues(), [
      'PROCESSING_TIME k 500 ts=undefined',
      'PROCESSING_TIME k 700 ts=undefined',
    ]);
    assert.deepEqual(h.processingTimeTimers(), [['k', 1000]]);
    h.setProcessingTime(5000);
    assert.deepEqual(h.extractOutputValues().at(-1), 'PROCESSING_TIME k 1000 ts=undefined');
    assert.equal(h.extractOutputValues().length, 3, 'each timer fires exactly once');
    assert.equal(h.numProcessingTimeTimers(), 0);
  });

  it('deleted timers do not fire, and a key cannot delete the timers of another', async () => {
    const withTimers = await ProcessFunctionTestHarnesses.forKeyedProcessFunction<string, Tx, string>(
      {
        processElement(tx, ctx) {
          const timers = ctx.timerService();
          timers.registerEventTimeTimer(1_000);
          timers.registerProcessingTimeTimer(2_000);
          if (tx.amount < 0) {
            timers.deleteEventTimeTimer(1_000);
            timers.deleteProcessingTimeTimer(2_000);
          }
        },
        onTimer(time, ctx, out) {
          out.collect(`${ctx.timeDomain()} ${ctx.getCurrentKey()} ${time}`);
        },
      },
      (tx) => tx.user,
    );
    withTimers.processElement({ user: 'keep', amount: 1 });
    withTimers.processElement({ user: 'drop', amount: 1 });
    withTimers.processElement({ user: 'drop', amount: -1 });
    withTimers.processElement({ user: 'other', amount: -1 }); // registers and deletes its own only
    assert.deepEqual(withTimers.eventTimeTimers(), [['keep', 1_000]]);
    assert.deepEqual(withTimers.processingTimeTimers(), [['keep', 2_000]]);
    withTimers.processWatermark(1_000);
    withTimers.setProcessingTime(2_000);
    assert.deepEqual(withTimers.extractOutputValues(), ['EVENT_TIME keep 1000', 'PROCESSING_TIME keep 2000']);
  });

  it('a timer reads and writes the keyed state of the key it was registered for', async () => {
    class Expire extends KeyedProcessFunction<string, Tx, string> {
      private total!: ValueState<number, number>;
      override open(): void {
        this.total = this.getRuntimeContext().getState(new ValueStateDescriptor('total', 0));
      }
      processElement(tx: Tx, ctx: KeyedProcessContext<string>): void {
        this.total.update(this.total.value() + tx.amount);
        ctx.timerService().registerProcessingTimeTimer(ctx.timerService().currentProcessingTime() + 100);
      }
      override onTimer(time: number, ctx: OnTimerContext<string>, out: Collector<string>): void {
        out.collect(`${ctx.getCurrentKey()}=${this.total.value()} at ${time}`);
        this.total.clear();
      }
    }
    const h = await ProcessFunctionTestHarnesses.forKeyedProcessFunction(new Expire(), (tx: Tx) => tx.user);
    h.processElement({ user: 'a', amount: 5 });
    h.processElement({ user: 'b', amount: 7 });
    h.processElement({ user: 'a', amount: 1 });
    h.setProcessingTime(50);
    h.processElement({ user: 'b', amount: 100 });
    h.setProcessingTime(100);
    assert.deepEqual(h.extractOutputValues(), ['a=6 at 100', 'b=107 at 100']);
    h.setProcessingTime(150);
    assert.deepEqual(h.extractOutputValues(), ['a=6 at 100', 'b=107 at 100', 'b=0 at 150']);
  });

  it('keeps the key of each record: getCurrentKey matches the key selector', async () => {
    const h = await ProcessFunctionTestHarnesses.forKeyedProcessFunction<number, number, string>(
      (n, ctx, out) => out.collect(`${n}:${ctx.getCurrentKey()}`),
      (n) => n % 3,
    );
    for (const n of [1, 2, 3, 4, 5, 6]) h.processElement(n);
    assert.deepEqual(h.extractOutputValues(), ['1:1', '2:2', '3:0', '4:1', '5:2', '6:0']);
  });
});

describe('ProcessFunctionTestHarnesses.forProcessFunction', () => {
  const negatives = new OutputTag<string>('negatives');
  class Split extends ProcessFunction<number, number> {
    processElement(n: number, ctx: ProcessContext, out: Collector<number>): void {
      if (n < 0) ctx.output(negatives, `neg ${n} at ${ctx.timestamp()}`);
      else out.collect(n * 10);
    }
  }

  it('collects outputs with their timestamps and side outputs', async () => {
    const h = await ProcessFunctionTestHarnesses.forProcessFunction(new Split());
    h.processElement(1, 1_000);
    h.processElement(-2, 2_000);
    h.processElement(3);
    assert.deepEqual(h.extractOutputValues(), [10, 30]);
    assert.deepEqual(h.getSideOutput(negatives), ['neg -2 at 2000']);
    assert.deepEqual(h.getOutput(), [
      { kind: 'record', value: 10, timestamp: 1_000 },
      { kind: 'record', value: 30, timestamp: undefined },
    ]);
  });

  it('forwards watermarks and reports them through the timer service', async () => {
    const seen: number[] = [];
    const h = await ProcessFunctionTestHarnesses.forProcessFunction<number, number>((n, ctx, out) => {
      seen.push(ctx.timerService().currentWatermark());
      out.collect(n);
    });
    h.processElement(1);
    h.processWatermark(500);
    h.processElement(2);
    assert.deepEqual(h.getWatermarks(), [500]);
    assert.equal(seen[1], 500);
  });

  it('calls open with a runtime context and close once', async () => {
    const calls: string[] = [];
    const h = await ProcessFunctionTestHarnesses.forProcessFunction<number, number>({
      open(ctx) {
        calls.push(`open ${ctx.getIndexOfThisSubtask()}/${ctx.getNumberOfParallelSubtasks()}`);
      },
      processElement(n, _ctx, out) {
        out.collect(n);
      },
      close() {
        calls.push('close');
      },
    });
    h.processElement(1);
    await h.close();
    assert.deepEqual(calls, ['open 0/1', 'close']);
  });

  it('rejects timers, which need a keyed stream, with TIMER_ERROR', async () => {
    const h = await ProcessFunctionTestHarnesses.forProcessFunction<number, number>((n, ctx) => {
      ctx.timerService().registerEventTimeTimer(n);
    });
    assert.throws(
      () => h.processElement(5),
      (error: unknown) => isWeirError(error, 'TIMER_ERROR') && /keyed/.test(error.message),
    );
  });

  it('applies the runtime rule for undefined: collecting it fails, null is a record', async () => {
    const h = await ProcessFunctionTestHarnesses.forProcessFunction<number, number | null>((n, _ctx, out) => {
      out.collect(n === 2 ? null : n === 3 ? (undefined as unknown as number) : n);
    });
    h.processElement(1);
    h.processElement(2);
    assert.deepEqual(h.extractOutputValues(), [1, null]);
    assert.throws(
      () => h.processElement(3),
      (error: unknown) =>
        isWeirError(error, 'USER_FUNCTION_FAILED') && /emitted undefined/.test(error.message),
    );
  });
});
