import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import * as windows from './index.ts';

describe('time/windows index', () => {
  it('exports every assigner, trigger, evictor, their specs and the window contracts', () => {
    const expected = [
      'ContinuousEventTimeTrigger',
      'ContinuousProcessingTimeTrigger',
      'CountEvictor',
      'CountTrigger',
      'DeltaEvictor',
      'EventTimeSessionWindows',
      'EventTimeTrigger',
      'GlobalWindow',
      'GlobalWindows',
      'NeverTrigger',
      'ProcessingTimeSessionWindows',
      'ProcessingTimeTrigger',
      'PurgingTrigger',
      'SlidingEventTimeWindows',
      'SlidingProcessingTimeWindows',
      'TimeEvictor',
      'TimeWindow',
      'TriggerResult',
      'TumblingEventTimeWindows',
      'TumblingProcessingTimeWindows',
      'isMergingAssigner',
      'mergeTimeWindows',
      'evictorFromSpec',
      'evictorToSpec',
      'triggerFromSpec',
      'triggerToSpec',
      'windowAssignerFromSpec',
      'windowAssignerToSpec',
    ];
    assert.deepEqual(Object.keys(windows).sort(), expected.sort());
  });
});
