/**
 * Sensor average: a keyed rolling average of temperatures with `reduce`, over a deterministic
 * generator. Run it with `npx weir run examples/sensor-average.ts`.
 */
import { DataGeneratorSource, StreamExecutionEnvironment, WatermarkStrategy } from 'weir';

export interface Reading {
  sensorId: string;
  temperature: number;
}

export const SENSORS = 3;
export const READINGS = 30;

/** Reading i: sensor i mod 3, a temperature that depends only on i. */
export function reading(i: number): Reading {
  const sensor = i % SENSORS;
  return { sensorId: `sensor-${sensor}`, temperature: 18 + sensor * 2 + ((i * 37) % 11) / 2 };
}

const env = StreamExecutionEnvironment.getExecutionEnvironment();

env
  .fromSource(new DataGeneratorSource(reading, READINGS), WatermarkStrategy.noWatermarks(), 'sensors')
  .setParallelism(1)
  .map((r) => ({ sensorId: r.sensorId, sum: r.temperature, count: 1 }))
  // One ordered stream of readings up to keyBy (the map chains to the source): each sensor's
  // averages then come in reading order at any parallelism of the reduce.
  .setParallelism(1)
  .keyBy((a) => a.sensorId)
  .reduce((a, b) => ({ sensorId: a.sensorId, sum: a.sum + b.sum, count: a.count + b.count }))
  .name('rolling-average')
  .map((a) => `${a.sensorId} average ${(a.sum / a.count).toFixed(2)} over ${a.count} readings`)
  .print();

await env.execute('sensor-average');
