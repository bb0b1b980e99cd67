/**
 * The job graph as SVG: one box per vertex (a chain of operators) with its name, parallelism and
 * records/s in and out, coloured by back-pressure and busy time; edges labelled with their ship
 * strategy (FORWARD, HASH, REBALANCE, ...). Vertices are buttons: click, Enter or Space opens them.
 */
import { useMemo } from 'preact/hooks';
import type { JobVertex, PlanNode } from '../api/types.ts';
import { formatPercent, formatRate } from '../format.ts';
import { layoutPlan, NODE_HEIGHT, NODE_WIDTH } from './graph-layout.ts';
import { LEGEND, vertexFill, vertexLoad } from './vertex-colour.ts';

export interface JobGraphProps {
  nodes: PlanNode[];
  vertices: JobVertex[];
  /** records/s in and out per vertex id (the server's rates, or the dashboard's own from counters). */
  rates: Map<string, { in: number | undefined; out: number | undefined }>;
  selected: string | undefined;
  onOpen(vertexId: string): void;
}

export function JobGraph({ nodes, vertices, rates, selected, onOpen }: JobGraphProps) {
  const planKey = JSON.stringify(nodes.map((n) => [n.id, n.inputs]));
  // The layout depends on the plan's shape only, not on the live metrics.
  const layout = useMemo(() => layoutPlan(nodes), [planKey]);
  const byId = new Map(vertices.map((v) => [v.id, v]));
  const planById = new Map(nodes.map((n) => [n.id, n]));

  return (
    <div class="graph">
      <svg
        class="graph-svg"
        viewBox={`0 0 ${layout.width} ${layout.height}`}
        width={layout.width}
        height={layout.height}
      >
        <title>Job graph</title>
        <defs>
          <marker
            id="arrow"
            viewBox="0 0 10 10"
            refX="10"
            refY="5"
            markerWidth="8"
            markerHeight="8"
            orient="auto"
          >
            <path d="M0,0 L10,5 L0,10 z" fill="#555" />
          </marker>
        </defs>
        {layout.edges.map((edge) => {
          const d = edge.points.map((p, i) => `${i === 0 ? 'M' : 'L'}${p.x},${p.y}`).join(' ');
          const mid = edge.points[Math.floor(edge.points.length / 2)];
          return (
            <g class="edge" key={`${edge.from}->${edge.to}`}>
              <path d={d} fill="none" stroke="#555" stroke-width="1.5" marker-end="url(#arrow)" />
              <text x={mid.x} y={mid.y - 6} text-anchor="middle" class="edge-label">
                {edge.strategy}
              </text>
            </g>
          );
        })}
        {layout.nodes.map((node) => {
          const vertex = byId.get(node.id);
          const plan = planById.get(node.id);
          const name = vertex?.name ?? plan?.description ?? node.id;
          const parallelism = vertex?.parallelism ?? plan?.parallelism ?? 0;
          const rate = rates.get(node.id);
          const load = vertex === undefined ? 'idle' : vertexLoad(vertex);
          const busy = vertex?.metrics['busy-ratio'];
          const bp = vertex?.metrics['backpressure-ratio'];
          const x = node.x - NODE_WIDTH / 2;
          const y = node.y - NODE_HEIGHT / 2;
          const label =
            `${name}, parallelism ${parallelism}, in ${formatRate(rate?.in)}, out ${formatRate(rate?.out)}, ` +
            `${load}, busy ${formatPercent(busy)}, back-pressured ${formatPercent(bp)}`;
          const open = () => onOpen(node.id);
          return (
            // biome-ignore lint/a11y/useSemanticElements: an SVG group cannot be a <button>; it has role, tabindex and keys
            <g
              key={node.id}
              class={`vertex vertex-${load}${selected === node.id ? ' vertex-selected' : ''}`}
              data-vertex-id={node.id}
              role="button"
              tabindex={0}
              aria-label={label}
              aria-pressed={selected === node.id}
              onClick={open}
              onKeyDown={(event) => {
                if (event.key === 'Enter' || event.key === ' ') {
                  event.preventDefault();
                  open();
                }
              }}
            >
              <rect
                x={x}
                y={y}
                width={NODE_WIDTH}
                height={NODE_HEIGHT}
                rx="6"
                fill={vertex ? vertexFill(vertex) : '#eee'}
              />
              <text x={x + 10} y={y + 20} class="vertex-name">
                {truncate(name, 30)}
              </text>
              <text x={x + 10} y={y + 40} class="vertex-line">
                Parallelism: {parallelism}
              </text>
              <text x={x + 10} y={y + 58} class="vertex-line vertex-rates">
                In: {formatRate(rate?.in)} · Out: {formatRate(rate?.out)}
              </text>
              <text x={x + 10} y={y + 76} class="vertex-line">
                Busy: {formatPercent(busy)} · Back-pressure:{' '}
                {vertex?.['backpressure-level'] ?? formatPercent(bp)}
              </text>
              <title>{name}</title>
            </g>
          );
        })}
      </svg>
      <ul class="legend" aria-label="Legend">
        {LEGEND.map((item) => (
          <li key={item.label}>
            <span class="swatch" style={{ background: item.fill }} aria-hidden="true" />
            {item.label}
          </li>
        ))}
      </ul>
    </div>
  );
}

function truncate(text: string, max: number): string {
  return text.length <= max ? text : `${text.slice(0, max - 1)}…`;
}
