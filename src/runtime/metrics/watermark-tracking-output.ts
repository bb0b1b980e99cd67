import { END_OF_INPUT_WATERMARK } from '../../core/task-metrics.ts';
import { OperatorOutput } from '../task/chain-outputs.ts';

/**
 * An operator's output that remembers the last watermark the operator emitted (its output
 * watermark), for metrics. Only watermarks pass through the override: records take the inherited
 * path unchanged.
 */
export class WatermarkTrackingOutput extends OperatorOutput {
  watermark = Number.NEGATIVE_INFINITY;

  override emitWatermark(time: number): void {
    this.watermark = time;
    super.emitWatermark(time);
  }
}

/** A watermark as metrics show it: null before the first, END_OF_INPUT_WATERMARK after the last. */
export function watermarkMetric(watermark: number): number | null {
  if (watermark === Number.NEGATIVE_INFINITY) return null;
  if (watermark === Number.POSITIVE_INFINITY) return END_OF_INPUT_WATERMARK;
  return watermark;
}
