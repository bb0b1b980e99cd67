/**
 * The public test kit (`weir/testing`): collect sink, manual clock, and harnesses that run a
 * function inside its real operator in virtual time.
 */
export { CollectSink } from '../api/collect-sink.ts';
export { ManualClock } from '../core/clock.ts';
export { type HarnessOptions, type HarnessOutput, OperatorHarness } from './operator-harness.ts';
export { ProcessFunctionTestHarnesses } from './process-function-test-harnesses.ts';
export { type WindowHarnessOptions, windowHarness } from './window-harness.ts';
