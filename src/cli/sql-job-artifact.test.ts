import assert from 'node:assert/strict';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, it } from 'node:test';
import { pathToFileURL } from 'node:url';
import '../index.ts';
import { type JobPlan, setExecutionContext } from '../api/executor.ts';
import { importUserFunction } from '../core/user-function.ts';
import type { JobGraph } from '../graph/job-graph.ts';
import { installArtifactResolution, storeArtifact } from '../runtime/cluster/artifact-loader.ts';
import { TableEnvironment } from '../sql/table-environment.ts';
import { buildSqlJobArtifact, userFunctionModules } from './sql-job-artifact.ts';

/** The graph of an INSERT planned by a session, as `weir sql -m` submits it. */
async function plannedGraph(tEnv: TableEnvironment, insert: string): Promise<JobGraph> {
  const b = tEnv.binder(insert);
  const { parseScript } = await import('../sql/parser/parser.ts');
  const { planJob } = await import('../sql/planner/physical-planner.ts');
  const statement = parseScript(insert)[0].statement;
  assert.equal(statement.kind, 'insert');
  const { table, rel } = b.insert(statement as never);
  return planJob(
    [{ rel, sink: { kind: 'table', table } }],
    tEnv.jobOptions('insert'),
    tEnv.functionLocations(),
  ).graph;
}

/** Evaluates an artifact as a cluster's slot does, and returns the plan its module submitted. */
async function evaluate(
  dir: string,
  artifact: { name: string; code: string },
  jobId: string,
): Promise<JobPlan> {
  installArtifactResolution(dir);
  const url = storeArtifact(dir, artifact, jobId);
  try {
    return await new Promise<JobPlan>((resolve, reject) => {
      setExecutionContext({ worker: { jobIndex: 0, deploy: resolve } });
      import(url).catch(reject);
    });
  } finally {
    setExecutionContext(undefined);
  }
}

describe('the artifact of a SQL job', () => {
  it('is the job graph as data when the job has no user functions, and submits that graph', async () => {
    const tEnv = TableEnvironment.create();
    await tEnv.executeSql(
      "CREATE TABLE src (n BIGINT) WITH ('connector' = 'datagen', 'number-of-rows' = '5', 'fields.n.kind' = 'sequence', 'fields.n.start' = '1', 'fields.n.end' = '5')",
    );
    await tEnv.executeSql("CREATE TABLE snk (n BIGINT) WITH ('connector' = 'blackhole')");
    const graph = await plannedGraph(tEnv, 'INSERT INTO snk SELECT n * 2 FROM src');
    const artifact = await buildSqlJobArtifact(graph);
    assert.match(artifact.name, /^sql-[A-Za-z0-9_-]+\.mjs$/);
    assert.deepEqual(artifact.externals, ['weir']);
    const dir = mkdtempSync(join(tmpdir(), 'weir-sql-artifact-test-'));
    try {
      const plan = await evaluate(dir, artifact, 'sql-job-1');
      assert.equal(JSON.stringify(plan.graph), JSON.stringify(graph));
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });

  it('carries the modules of its user functions, which then load without their files', async () => {
    const work = mkdtempSync(join(tmpdir(), 'weir-sql-udf-'));
    const artifacts = mkdtempSync(join(tmpdir(), 'weir-sql-artifact-test-'));
    try {
      const udfs = join(work, 'udfs.mjs');
      writeFileSync(
        join(work, 'helper.mjs'),
        "export const exclaim = (s) => (s === null ? null : s.toUpperCase() + '!');\n",
      );
      writeFileSync(
        udfs,
        "import { exclaim } from './helper.mjs';\n" +
          "export const shout = { kind: 'scalar-function', returns: 'STRING', eval: exclaim };\n",
      );
      const tEnv = TableEnvironment.create({ baseDir: work });
      await tEnv.executeSql("CREATE TEMPORARY FUNCTION shout AS './udfs.mjs#shout'");
      await tEnv.executeSql(
        "CREATE TABLE src (s STRING) WITH ('connector' = 'datagen', 'number-of-rows' = '5', 'fields.s.length' = '4')",
      );
      await tEnv.executeSql("CREATE TABLE snk (s STRING) WITH ('connector' = 'blackhole')");
      const graph = await plannedGraph(tEnv, 'INSERT INTO snk SELECT shout(s) FROM src');
      const url = pathToFileURL(udfs).href;
      assert.deepEqual(userFunctionModules(graph), [url]);
      const artifact = await buildSqlJobArtifact(graph);
      assert.match(artifact.code, /toUpperCase/);
      // The files are gone, as on a TaskManager of another machine.
      rmSync(work, { recursive: true, force: true });
      const plan = await evaluate(artifacts, artifact, 'sql-job-2');
      assert.equal(JSON.stringify(plan.graph), JSON.stringify(graph));
      const shout = await importUserFunction({ module: url, export: 'shout' });
      assert.equal(shout.kind, 'scalar-function');
      assert.equal((shout as { eval(s: string): string }).eval('hi'), 'HI!');
    } finally {
      rmSync(work, { recursive: true, force: true });
      rmSync(artifacts, { recursive: true, force: true });
    }
  });

  it('refuses a function module that is not a local file', async () => {
    const graph = {
      jobName: 'x',
      maxParallelism: 128,
      vertices: [
        {
          id: 'v',
          name: 'v',
          parallelism: 1,
          maxParallelism: 128,
          source: false,
          operators: [{ config: { functions: { f: { module: 'https://example.com/f.js', export: 'f' } } } }],
        },
      ],
      edges: [],
      config: {},
    } as unknown as JobGraph;
    await assert.rejects(buildSqlJobArtifact(graph), { code: 'BUNDLE_FAILED', message: /only local files/ });
  });
});
