/**
 * Where `weir sql` runs its jobs. The local mini-cluster, unless the client is pointed at a
 * JobManager: `-m host:port` (`--jobmanager`, as the other cluster commands), or, as Flink's SQL
 * client is configured, `-D execution.target=remote` with `-D rest.address=...` and
 * `-D rest.port=...` (without an address: the configuration's, or the cluster `weir cluster start`
 * left, as for `weir list`). The token comes from `rest.auth.token` in the configuration or
 * `$WEIR_REST_TOKEN`.
 */
import { WeirError } from '../core/errors.ts';
import type { SqlJobExecutor } from '../sql/sql-job-executor.ts';
import { hostForUrl, resolveCluster } from './cluster-endpoint.ts';

/** `-D key=value` options as session settings. */
export function parseDefines(defines: readonly string[]): Record<string, string> {
  const config: Record<string, string> = {};
  for (const define of defines) {
    const eq = define.indexOf('=');
    if (eq <= 0) throw new WeirError('CLI_USAGE', `-D needs key=value, got "${define}"`);
    config[define.slice(0, eq).trim()] = define.slice(eq + 1).trim();
  }
  return config;
}

/**
 * The executor of a cluster's JobManager when the options name one (see the top of this module),
 * after checking that it answers; undefined for the local mini-cluster.
 *
 * @throws WeirError CLI_USAGE for a `-m` that is not `host:port` or an http(s) URL, or an
 * `execution.target` other than `local` or `remote`; CLUSTER_UNAVAILABLE when no JobManager answers.
 *
 * @example
 * const executor = await sqlClusterExecutor({ jobmanager: '127.0.0.1:8081', settings: {} });
 */
export async function sqlClusterExecutor(options: {
  jobmanager?: string;
  configFile?: string;
  settings: Record<string, string>;
}): Promise<SqlJobExecutor | undefined> {
  const target = options.settings['execution.target'];
  if (target !== undefined && !['local', 'remote'].includes(target)) {
    throw new WeirError(
      'CLI_USAGE',
      `execution.target must be local or remote, got "${target}" (remote: the JobManager at rest.address and rest.port, or -m host:port)`,
    );
  }
  let jobmanager = options.jobmanager;
  if (jobmanager !== undefined) checkJobManager(jobmanager);
  else if (target === 'remote' && options.settings['rest.address'] !== undefined) {
    jobmanager = `${hostForUrl(options.settings['rest.address'])}:${options.settings['rest.port'] ?? '8081'}`;
  } else if (target !== 'remote') return undefined;
  const { client } = await resolveCluster({ jobmanager, config: { file: options.configFile } });
  await client.overview();
  const { ClusterSqlJobExecutor } = await import('./sql-cluster-executor.ts');
  return new ClusterSqlJobExecutor(client);
}

/** `host:port` or an http(s) URL with a host; anything else is a usage error that names the flag. */
function checkJobManager(text: string): void {
  const withScheme = /^[a-z][a-z0-9+.-]*:\/\//i.test(text) ? text : `http://${text}`;
  let url: URL | undefined;
  try {
    url = new URL(withScheme);
  } catch {
    url = undefined;
  }
  if (url === undefined || !['http:', 'https:'].includes(url.protocol) || url.hostname === '') {
    throw new WeirError(
      'CLI_USAGE',
      `-m (--jobmanager) must be the JobManager's REST address, host:port or http(s)://host:port, got "${text}"`,
    );
  }
}
