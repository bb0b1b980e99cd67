/**
 * The job graph's layout, by dagre: vertices left to right in the order records flow, edges as
 * polylines with their ship strategy. Computed from the plan only (it does not change while a job
 * runs), never from the live metrics.
 */
import dagre from '@dagrejs/dagre';
import type { PlanNode } from '../api/types.ts';

export const NODE_WIDTH = 230;
export const NODE_HEIGHT = 96;

export interface LaidOutNode {
  id: string;
  x: number;
  y: number;
}

export interface LaidOutEdge {
  from: string;
  to: string;
  strategy: string;
  points: Array<{ x: number; y: number }>;
}

export interface GraphLayout {
  width: number;
  height: number;
  nodes: LaidOutNode[];
  edges: LaidOutEdge[];
}

export function layoutPlan(nodes: PlanNode[]): GraphLayout {
  const g = new dagre.graphlib.Graph();
  g.setGraph({ rankdir: 'LR', nodesep: 40, ranksep: 90, marginx: 16, marginy: 16 });
  g.setDefaultEdgeLabel(() => ({}));
  const ids = new Set(nodes.map((n) => n.id));
  for (const node of nodes) g.setNode(node.id, { width: NODE_WIDTH, height: NODE_HEIGHT });
  for (const node of nodes) {
    for (const input of node.inputs ?? []) {
      if (ids.has(input.id))
        g.setEdge(input.id, node.id, { strategy: input.ship_strategy, width: 80, height: 18 });
    }
  }
  dagre.layout(g);
  const graph = g.graph() as { width?: number; height?: number };
  return {
    width: graph.width ?? NODE_WIDTH,
    height: graph.height ?? NODE_HEIGHT,
    nodes: g.nodes().map((id: string) => {
      const n = g.node(id) as { x: number; y: number };
      return { id, x: n.x, y: n.y };
    }),
    edges: g.edges().map((e: { v: string; w: string }) => {
      const label = g.edge(e) as { strategy: string; points: Array<{ x: number; y: number }> };
      return { from: e.v, to: e.w, strategy: label.strategy, points: label.points };
    }),
  };
}
