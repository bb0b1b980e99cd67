import { WeirError } from '../core/errors.ts';
import type {
  EdgeFunctions,
  JobConfig,
  JobEdge,
  JobFunctions,
  JobGraph,
  JobVertex,
  OperatorFunctions,
  OperatorSpec,
  PartitionerSpec,
} from './job-graph.ts';
import { keySelectorToSpec } from './key-selector-spec.ts';
import type { PhysicalTransformation, Transformation } from './transformation.ts';

export interface BuildOptions {
  jobName: string;
  defaultParallelism: number;
  maxParallelism: number;
  config: JobConfig;
}

interface ResolvedInput {
  from: PhysicalTransformation;
  partitioner: PartitionerSpec | undefined;
  keySelector?: (v: any) => unknown;
  customPartitioner?: (key: any, n: number) => number;
  tag: string | null;
  input: number;
}

/**
 * Turns the transformations upstream of the sinks into a job graph: virtual nodes become edge
 * properties, parallelism defaults are applied, and operators joined by a forward edge with equal
 * parallelism are chained into one vertex. Pure: the same transformations give the same graph.
 */
export function buildJobGraph(
  sinks: readonly PhysicalTransformation[],
  options: BuildOptions,
): { graph: JobGraph; functions: JobFunctions } {
  if (sinks.length === 0) {
    throw new WeirError(
      'INVALID_GRAPH',
      'the job defines no sink: add one (print(), sinkTo(...)) before execute()',
    );
  }
  const nodes = collectUpstream(sinks);
  const parallelism = new Map<PhysicalTransformation, number>();
  const uids = new Map<PhysicalTransformation, string>();
  const seenUids = new Set<string>();
  for (const t of nodes) {
    const uid = t.uid ?? `${UID_KIND[t.operator] ?? t.operator}-${t.id}`;
    if (seenUids.has(uid)) throw new WeirError('INVALID_GRAPH', `two operators share the uid "${uid}"`);
    seenUids.add(uid);
    uids.set(t, uid);
    parallelism.set(t, resolveParallelism(t, options.defaultParallelism));
  }

  const inputsOf = new Map<PhysicalTransformation, ResolvedInput[]>();
  for (const t of nodes) {
    const resolved: ResolvedInput[] = [];
    t.inputs.forEach((group, input) => {
      for (const x of group) resolveInput(x, input, undefined, resolved);
    });
    for (const r of resolved) {
      const p = parallelism.get(r.from)!;
      const q = parallelism.get(t)!;
      if (!r.partitioner) r.partitioner = p === q ? { kind: 'forward' } : { kind: 'rebalance' };
      if (r.partitioner.kind === 'forward' && p !== q) {
        throw new WeirError(
          'INVALID_GRAPH',
          `forward partitioning from "${r.from.name}" (parallelism ${p}) to "${t.name}" (parallelism ${q}) needs equal parallelism; use rebalance() or rescale()`,
        );
      }
    }
    inputsOf.set(t, resolved);
  }

  // Chaining: a node joins its single upstream's chain over a forward edge of equal parallelism.
  const chainedTo = new Map<PhysicalTransformation, PhysicalTransformation>();
  for (const t of nodes) {
    const ins = inputsOf.get(t)!;
    if (t.source || !t.chainable || t.startNewChain || ins.length !== 1) continue;
    const only = ins[0];
    if (only.partitioner!.kind !== 'forward' || !only.from.chainable) continue;
    if (parallelism.get(only.from) !== parallelism.get(t)) continue;
    chainedTo.set(t, only.from);
  }
  const headOf = (t: PhysicalTransformation): PhysicalTransformation => {
    let h = t;
    while (chainedTo.has(h)) h = chainedTo.get(h)!;
    return h;
  };

  const specs = new Map<PhysicalTransformation, OperatorSpec>();
  const vertices = new Map<PhysicalTransformation, JobVertex>();
  const functions: JobFunctions = { operators: new Map(), edges: new Map() };
  for (const t of nodes) {
    const spec = {
      uid: uids.get(t)!,
      kind: t.operator,
      name: t.name,
      keyed: t.keySelector !== undefined || inputsOf.get(t)!.some((r) => r.partitioner!.kind === 'hash'),
      config: t.config,
      outputs: [],
    } as OperatorSpec;
    specs.set(t, spec);
    const fns: OperatorFunctions = { fn: t.fn, extra: t.extra };
    const hashInput = (input: number) =>
      inputsOf.get(t)!.find((r) => r.input === input && r.partitioner!.kind === 'hash');
    // A key selector with a data form is in the plan (the hash edge's key) and rebuilt from it.
    const keySelector = t.keySelector ?? hashInput(0)?.keySelector;
    if (keySelector && keySelectorToSpec(keySelector).kind === 'custom') fns.keySelector = keySelector;
    const keySelector2 = t.keySelector2 ?? hashInput(1)?.keySelector;
    if (keySelector2 && keySelectorToSpec(keySelector2).kind === 'custom') fns.keySelector2 = keySelector2;
    functions.operators.set(spec.uid, fns);
    const head = headOf(t);
    if (head === t) {
      vertices.set(t, {
        id: spec.uid,
        name: spec.name,
        parallelism: parallelism.get(t)!,
        maxParallelism: t.maxParallelism ?? options.maxParallelism,
        operators: [spec],
        source: t.source,
      });
    } else {
      const v = vertices.get(head)!;
      v.operators.push(spec);
      v.name = `${v.name} -> ${spec.name}`;
    }
  }

  const edges: JobEdge[] = [];
  for (const t of nodes) {
    const target = vertices.get(headOf(t))!;
    for (const r of inputsOf.get(t)!) {
      const fromSpec = specs.get(r.from)!;
      if (chainedTo.get(t) === r.from) {
        fromSpec.outputs.push({ kind: 'chained', operator: specs.get(t)!.uid, tag: r.tag });
        continue;
      }
      const source = vertices.get(headOf(r.from))!;
      const id = `${fromSpec.uid}->${specs.get(t)!.uid}#${edges.length}`;
      edges.push({
        id,
        source: source.id,
        target: target.id,
        sourceOperator: fromSpec.uid,
        tag: r.tag,
        targetInput: r.input,
        partitioner:
          r.partitioner!.kind === 'hash'
            ? { kind: 'hash', key: keySelectorToSpec(r.keySelector) }
            : r.partitioner!,
      });
      fromSpec.outputs.push({ kind: 'edge', edge: id, tag: r.tag });
      const ef: EdgeFunctions = {};
      if (
        r.keySelector &&
        (r.partitioner!.kind !== 'hash' || keySelectorToSpec(r.keySelector).kind === 'custom')
      )
        ef.keySelector = r.keySelector;
      if (r.customPartitioner) ef.partitioner = r.customPartitioner;
      functions.edges.set(id, ef);
    }
  }
  for (const v of vertices.values()) {
    if (v.maxParallelism < v.parallelism) {
      throw new WeirError(
        'INVALID_GRAPH',
        `"${v.name}" has parallelism ${v.parallelism} above its max parallelism ${v.maxParallelism}`,
      );
    }
  }

  return {
    graph: {
      jobName: options.jobName,
      maxParallelism: options.maxParallelism,
      vertices: [...vertices.values()],
      edges,
      config: options.config,
    },
    functions,
  };
}

function resolveParallelism(t: PhysicalTransformation, fallback: number): number {
  const limit = t.parallelismLimit ?? Number.POSITIVE_INFINITY;
  if (t.parallelism !== undefined) {
    if (t.parallelism > limit) {
      throw new WeirError(
        'INVALID_GRAPH',
        `"${t.name}" supports parallelism ${limit} at most, got ${t.parallelism}`,
      );
    }
    return t.parallelism;
  }
  return Math.min(fallback, limit);
}

function resolveInput(
  t: Transformation,
  input: number,
  partition: Extract<Transformation, { kind: 'partition' }> | undefined,
  out: ResolvedInput[],
  tag: string | null = null,
): void {
  switch (t.kind) {
    case 'physical':
      out.push({
        from: t,
        partitioner: partition?.partitioner,
        keySelector: partition?.keySelector,
        customPartitioner: partition?.customPartitioner,
        tag,
        input,
      });
      return;
    case 'partition':
      // The partitioning nearest to the consumer wins.
      resolveInput(t.input, input, partition ?? t, out, tag);
      return;
    case 'union':
      for (const x of t.inputs) resolveInput(x, input, partition, out, tag);
      return;
    case 'side-output':
      resolveInput(t.input, input, partition, out, t.tag);
      return;
  }
}

function collectUpstream(sinks: readonly PhysicalTransformation[]): PhysicalTransformation[] {
  const seen = new Set<PhysicalTransformation>();
  const visit = (t: Transformation): void => {
    switch (t.kind) {
      case 'physical':
        if (seen.has(t)) return;
        for (const group of t.inputs) for (const x of group) visit(x);
        seen.add(t);
        return;
      case 'partition':
        visit(t.input);
        return;
      case 'union':
        for (const x of t.inputs) visit(x);
        return;
      case 'side-output':
        visit(t.input);
        return;
    }
  };
  for (const s of sinks) visit(s);
  return [...seen].sort((a, b) => a.id - b.id);
}

/**
 * The kind a derived uid names for operators that took over another kind's windows: the time and
 * session window operators run what the general window operator ran before, and restore its
 * savepoints (legacy-window-slots.ts), so a job without `.uid()` keeps its window's uid
 * (`window-<id>`) across the change.
 */
const UID_KIND: Partial<Record<string, string>> = { 'time-window': 'window', 'session-window': 'window' };
