/**
 * A uPlot line chart. uPlot draws on a canvas it owns, so the component creates the plot once per
 * set of series and afterwards only hands it new data (setData), which keeps live charts cheap.
 */
import { useEffect, useRef } from 'preact/hooks';
import uPlot from 'uplot';
import 'uplot/dist/uPlot.min.css';

export interface ChartSeries {
  label: string;
  colour: string;
}

export interface TimeChartProps {
  /** What the chart shows, for screen readers (the canvas itself is not readable). */
  title: string;
  /** x values, then one array per series. */
  data: [number[], ...Array<Array<number | null>>];
  series: ChartSeries[];
  /** The x axis is time in seconds (true) or a plain number such as a checkpoint id (false). */
  time?: boolean;
  yLabel: string;
  height?: number;
}

export function TimeChart({ title, data, series, time = true, yLabel, height = 220 }: TimeChartProps) {
  const container = useRef<HTMLDivElement>(null);
  const plot = useRef<uPlot | null>(null);
  const key = series.map((s) => s.label).join('\u0000');

  // The plot is rebuilt only when the series change; new data goes through setData below.
  useEffect(() => {
    const element = container.current;
    if (element === null) return;
    const options: uPlot.Options = {
      width: Math.max(element.clientWidth, 300),
      height,
      scales: { x: { time } },
      // Ids are integers: no fractional ticks.
      axes: [time ? {} : { incrs: [1, 2, 5, 10, 20, 50, 100, 200, 500, 1000] }, { label: yLabel, size: 70 }],
      series: [
        { label: time ? 'time' : 'id' },
        ...series.map((s) => ({ label: s.label, stroke: s.colour, width: 2 })),
      ],
    };
    plot.current = new uPlot(options, data as uPlot.AlignedData, element);
    const resize = () => plot.current?.setSize({ width: Math.max(element.clientWidth, 300), height });
    addEventListener('resize', resize);
    return () => {
      removeEventListener('resize', resize);
      plot.current?.destroy();
      plot.current = null;
    };
  }, [key, time, height, yLabel]);

  useEffect(() => {
    plot.current?.setData(data as uPlot.AlignedData);
  }, [data]);

  return (
    <figure class="chart">
      <figcaption>{title}</figcaption>
      <div ref={container} role="img" aria-label={title} />
    </figure>
  );
}
