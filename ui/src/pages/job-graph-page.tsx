/** The job graph with live numbers, the opened vertex's subtasks, and records/s over time. */
import type { JobEvent } from '../api/types.ts';
import { JobGraph } from '../components/job-graph.tsx';
import { type ChartSeries, TimeChart } from '../components/time-chart.tsx';
import { VertexDetail } from '../components/vertex-detail.tsx';
import { href, navigate } from '../hooks/use-route.ts';
import type { RateHistory, VertexRate } from '../rate-history.ts';

const COLOURS = ['#1f77b4', '#d62728', '#2ca02c', '#9467bd', '#ff7f0e', '#17becf', '#8c564b', '#e377c2'];

export interface JobGraphPageProps {
  event: JobEvent;
  rates: Map<string, VertexRate>;
  history: RateHistory;
  vertexId: string | undefined;
}

export function JobGraphPage({ event, rates, history, vertexId }: JobGraphPageProps) {
  const { job, plan } = event;
  const nodes = plan?.plan.nodes ?? [];
  const open = (id: string) => navigate('jobs', job.jid, 'vertices', id);
  // Sources have no input: their output rate is what they read; every other vertex charts its input.
  const sources = new Set(nodes.filter((n) => (n.inputs ?? []).length === 0).map((n) => n.id));
  const series: ChartSeries[] = [];
  const data: [number[], ...Array<Array<number | null>>] = [history.times];
  job.vertices.forEach((v, i) => {
    const rate = history.rates.get(v.id);
    if (rate === undefined) return;
    const source = sources.has(v.id);
    series.push({ label: `${v.name} (${source ? 'out' : 'in'})`, colour: COLOURS[i % COLOURS.length] });
    data.push(source ? rate.out : rate.in);
  });

  return (
    <>
      <section aria-labelledby="graph-title">
        <h2 id="graph-title">Job graph</h2>
        <JobGraph nodes={nodes} vertices={job.vertices} rates={rates} selected={vertexId} onOpen={open} />
      </section>
      {vertexId !== undefined && (
        <VertexDetail
          jobId={job.jid}
          vertexId={vertexId}
          tick={job.now}
          onClose={() => {
            location.hash = href('jobs', job.jid);
          }}
        />
      )}
      <section aria-labelledby="rates-title">
        <h2 id="rates-title">Records per second</h2>
        <TimeChart
          title="Records per second per vertex"
          data={[...data]}
          series={series}
          yLabel="records/s"
        />
      </section>
    </>
  );
}
