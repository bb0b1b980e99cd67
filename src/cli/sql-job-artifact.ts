/**
 * The artifact of a SQL job submitted to a cluster. A cluster runs job modules (job-bundle.ts), and
 * a SQL job is a job graph of data: its artifact is a module that hands that graph, as a literal, to
 * `executeJobGraphModule` (api/job-graph-module.ts), which every process of the cluster evaluates
 * as it evaluates any job. The only code a SQL job has of its own is its user functions
 * (`CREATE FUNCTION f AS './udfs.ts#f'`): their modules are bundled into the artifact with their
 * imports, as `weir submit` bundles a job, and registered under the URLs the graph names them with,
 * so that no TaskManager needs the files of the submitting machine.
 */
import { createHash } from 'node:crypto';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { WeirError } from '../core/errors.ts';
import type { JobGraph } from '../graph/job-graph.ts';
import type { JobArtifact } from './job-bundle.ts';

/** The artifact's file name: the job's name reduced to a plain file name. */
function artifactName(graph: JobGraph): string {
  const stem = graph.jobName
    .replace(/[^A-Za-z0-9_-]+/g, '_')
    .replace(/^[_-]+|_+$/g, '')
    .slice(0, 60);
  return `sql-${stem || 'job'}.mjs`;
}

/**
 * The module URLs of the user functions `graph` names: every `{ module, export }` pair in its
 * operators' configurations, in order of first appearance.
 */
export function userFunctionModules(graph: JobGraph): string[] {
  const urls = new Set<string>();
  const visit = (value: unknown): void => {
    if (Array.isArray(value)) {
      for (const v of value) visit(v);
      return;
    }
    if (value === null || typeof value !== 'object') return;
    const o = value as Record<string, unknown>;
    if (typeof o.module === 'string' && typeof o.export === 'string' && Object.keys(o).length === 2) {
      urls.add(o.module);
      return;
    }
    for (const v of Object.values(o)) visit(v);
  };
  for (const vertex of graph.vertices) for (const op of vertex.operators) visit(op.config);
  return [...urls];
}

/**
 * Builds the artifact of a SQL job: the graph as a literal, and the modules of its user functions
 * bundled with their imports (Weir itself and packages with native addons stay imports, as in
 * `weir submit`).
 *
 * @throws WeirError BUNDLE_FAILED when a function module is not a local file or does not bundle.
 *
 * @example
 * const artifact = await buildSqlJobArtifact(planned.graph);
 * await client.submit({ artifact: { name: artifact.name, code: artifact.code }, args: [], env: {}, allowNonRestoredState: false });
 */
export async function buildSqlJobArtifact(graph: JobGraph): Promise<JobArtifact> {
  const name = artifactName(graph);
  const modules = userFunctionModules(graph);
  const literal = JSON.stringify(graph);
  if (modules.length === 0) {
    const code = `import { executeJobGraphModule } from 'weir';\nexecuteJobGraphModule(${literal});\n`;
    const bytes = Buffer.byteLength(code, 'utf8');
    return {
      name,
      code,
      sha256: createHash('sha256').update(code, 'utf8').digest('hex'),
      bytes,
      externals: ['weir'],
      warnings: [],
    };
  }
  const paths = modules.map((url) => {
    if (!url.startsWith('file:')) {
      throw new WeirError(
        'BUNDLE_FAILED',
        `cannot ship the function module ${url} to the cluster: only local files can be bundled into a SQL job`,
      );
    }
    return fileURLToPath(url);
  });
  const lines = ["import { executeJobGraphModule } from 'weir';"];
  paths.forEach((path, i) => lines.push(`import * as m${i} from ${JSON.stringify(path)};`));
  const registry = modules.map((url, i) => `${JSON.stringify(url)}: m${i}`).join(', ');
  lines.push(`executeJobGraphModule(${literal}, { ${registry} });`);
  // esbuild bundles files: the entry goes into a directory of its own, removed afterwards.
  const dir = mkdtempSync(join(tmpdir(), 'weir-sql-artifact-'));
  try {
    const entry = join(dir, name.replace(/\.mjs$/, '.js'));
    writeFileSync(entry, `${lines.join('\n')}\n`);
    const { bundleJob } = await import('./job-bundle.ts');
    return await bundleJob(entry);
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}
