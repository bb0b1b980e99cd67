/**
 * Which JobManager a command talks to, and the cluster settings the CLI reads from the configuration.
 *
 * The rule: `--jobmanager <url>` (`-m`, as Flink's; `host:port` means `http://host:port`), else the
 * configuration when it sets `rest.address`, `rest.port` or `security.ssl.rest.enabled` (in
 * `--config <file>`, `$WEIR_CONF_DIR/config.yaml`, or `-D`), else the local cluster that
 * `weir cluster start` recorded in its `cluster.json` while its JobManager runs, else
 * `http://127.0.0.1:8081`. The token comes from `rest.auth.token`, else `$WEIR_REST_TOKEN`. For https, `security.ssl.rest.cert` is
 * trusted when set (a self-signed certificate trusts itself), else Node's CAs and
 * `NODE_EXTRA_CA_CERTS`.
 */
import { readFileSync } from 'node:fs';
import { WeirError } from '../core/errors.ts';
import { defaultClusterDirectory, isWeirProcess, readClusterState } from './cluster-state.ts';
import { RestClient } from './rest-client.ts';

/** What the cluster commands need from the configuration. */
export interface ClusterEndpoint {
  restAddress: string;
  restPort: number;
  tls: boolean;
  /** A PEM file to trust for https (`security.ssl.rest.cert`: a self-signed certificate trusts itself). */
  caFile?: string;
  token?: string;
  rpcAddress: string;
  rpcPort: number;
  /** `env.pid.dir`, `env.log.dir`. */
  pidDir?: string;
  logDir?: string;
  /** Whether the REST address, port or TLS setting came from the configuration (else: defaults). */
  configured: boolean;
}

/** Where the configuration is and what overrides it. */
export interface ConfigSource {
  file?: string;
  defines?: string[];
  env?: NodeJS.ProcessEnv;
}

/**
 * The cluster settings the CLI uses, from the configuration (`--config`, else
 * `$WEIR_CONF_DIR/config.yaml`, else none) with `-D` over it; `configured` when the REST address,
 * port or TLS setting came from there rather than the defaults.
 */
export async function loadEndpoint(source: ConfigSource = {}): Promise<ClusterEndpoint> {
  const { loadClusterConfig } = await import('../runtime/cluster/cluster-config.ts');
  const config = loadClusterConfig({ file: source.file, defines: source.defines ?? [], env: source.env });
  const configured = ['rest.address', 'rest.port', 'security.ssl.rest.enabled'].some(
    (key) => config.sourceOf(key).kind !== 'default',
  );
  return {
    restAddress: config.rest.address,
    restPort: config.rest.port,
    tls: config.security.ssl.rest.enabled,
    caFile: config.security.ssl.rest.cert,
    token: config.rest.auth.token,
    rpcAddress: config.jobmanager.rpc.address,
    rpcPort: config.jobmanager.rpc.port,
    pidDir: config.env.pid.dir,
    logDir: config.env.log.dir,
    configured,
  };
}

/** The JobManager a command talks to, and how it was chosen (for messages). */
export interface ClusterTarget {
  client: RestClient;
  /** `--jobmanager`, `configuration`, `cluster.json` or `default`. */
  source: 'jobmanager' | 'configuration' | 'state' | 'default';
}

/** Picks the JobManager by the rule at the top of this module. */
export async function resolveCluster(options: {
  jobmanager?: string;
  config?: ConfigSource;
}): Promise<ClusterTarget> {
  const endpoint = await loadEndpoint(options.config);
  const ca = endpoint.caFile ? readFileSync(endpoint.caFile) : undefined;
  const make = (url: string, source: ClusterTarget['source']): ClusterTarget => ({
    client: new RestClient({ url, token: endpoint.token, ca: url.startsWith('https:') ? ca : undefined }),
    source,
  });
  if (options.jobmanager) return make(normalizeUrl(options.jobmanager), 'jobmanager');
  const configured = `${endpoint.tls ? 'https' : 'http'}://${hostForUrl(endpoint.restAddress)}:${endpoint.restPort}`;
  if (endpoint.configured) return make(configured, 'configuration');
  const state = readClusterState(endpoint.pidDir ?? defaultClusterDirectory());
  if (state && isWeirProcess(state.pids.jobmanager, 'jobmanager')) return make(state.restUrl, 'state');
  return make(configured, 'default');
}

/** `host:port` or a URL without a scheme gets `http://`. */
function normalizeUrl(text: string): string {
  const url = /^[a-z][a-z0-9+.-]*:\/\//i.test(text) ? text : `http://${text}`;
  try {
    return new URL(url).href.replace(/\/+$/, '');
  } catch {
    throw new WeirError(
      'CLI_USAGE',
      `--jobmanager must be a URL such as http://127.0.0.1:8081, got "${text}"`,
    );
  }
}

/** An IPv6 address in a URL goes in brackets. */
export function hostForUrl(host: string): string {
  return host.includes(':') && !host.startsWith('[') ? `[${host}]` : host;
}
