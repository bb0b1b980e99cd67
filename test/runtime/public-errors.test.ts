/**
 * Errors the public API throws are WeirErrors with a stable code (docs/architecture.md, Failures), not bare
 * Error, TypeError or RangeError: the CLI prints the code, the REST API maps it to a status.
 */
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import {
  BoundedOutOfOrdernessWatermarks,
  RichMapFunction,
  StreamExecutionEnvironment,
  TumblingEventTimeWindows,
  WatermarkStrategy,
  WeirError,
  type WeirErrorCode,
} from 'weir';
import { ProcessFunctionTestHarnesses } from 'weir/testing';
import type { StreamOperator } from '../../src/runtime/operators/stream-operator.ts';
import { SecondInputTarget } from '../../src/runtime/task/chain-outputs.ts';
import { OperatorFailure } from '../../src/runtime/task/operator-failure.ts';

const weirError = (code: WeirErrorCode, message?: RegExp) => (error: unknown) => {
  assert.ok(error instanceof WeirError, `a WeirError, got ${String(error)}`);
  assert.equal(error.code, code);
  if (message) assert.match(error.message, message);
  return true;
};

describe('public errors are WeirErrors with a code', () => {
  it('a negative out-of-orderness bound: INVALID_ARGUMENT, from the generator and already from WatermarkStrategy.forBoundedOutOfOrderness', () => {
    assert.throws(() => new BoundedOutOfOrdernessWatermarks(-1), weirError('INVALID_ARGUMENT', /-1/));
    assert.throws(() => WatermarkStrategy.forBoundedOutOfOrderness(-5), weirError('INVALID_ARGUMENT', /-5/));
  });

  it('getRuntimeContext() before open(): RUNTIME_CONTEXT_UNAVAILABLE', () => {
    class Early extends RichMapFunction<number, number> {
      map(n: number): number {
        return n;
      }
    }
    assert.throws(() => new Early().getRuntimeContext(), weirError('RUNTIME_CONTEXT_UNAVAILABLE'));
  });

  it('something that is neither a function nor an object with the method: INVALID_ARGUMENT', () => {
    const env = StreamExecutionEnvironment.createLocalEnvironment(1);
    const windowed = env
      .fromElements(1, 2)
      .keyBy((n) => n)
      .window(TumblingEventTimeWindows.of(10));
    assert.throws(() => windowed.reduce(42 as never), weirError('INVALID_ARGUMENT', /reduce\(\)/));
    assert.throws(
      () => windowed.reduce((a, b) => a + b, { notProcess: true } as never),
      weirError('INVALID_ARGUMENT', /process\(\)/),
    );
  });

  it('a second input into an operator that has none: INVALID_GRAPH', () => {
    const operator = { name: 'map', uid: 'map-1' } as unknown as StreamOperator;
    assert.throws(() => new SecondInputTarget(operator, false), weirError('INVALID_GRAPH', /map-1/));
  });

  it('a failing key selector of a second input: USER_FUNCTION_FAILED naming the key selector', () => {
    const boom = new Error('boom');
    const operator = {
      name: 'connect',
      uid: 'co-1',
      processElement2() {},
      setKeyContext2() {
        throw boom;
      },
    } as unknown as StreamOperator;
    const target = new SecondInputTarget(operator, true);
    assert.throws(
      () => target.pushRecord('x', 0),
      (error: unknown) => {
        assert.ok(error instanceof OperatorFailure);
        weirError('USER_FUNCTION_FAILED', /the key selector failed: boom/)(error.cause);
        assert.equal((error.cause as Error).cause, boom);
        return true;
      },
    );
  });

  it('a second input fed to a one-input harness: INVALID_ARGUMENT', async () => {
    const h = await ProcessFunctionTestHarnesses.forProcessFunction<number, number>((n, _ctx, out) =>
      out.collect(n),
    );
    assert.throws(() => h.processElement2(1), weirError('INVALID_ARGUMENT', /has one input/));
  });
});
