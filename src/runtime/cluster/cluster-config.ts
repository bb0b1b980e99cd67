/**
 * The cluster's configuration: Flink's keyed options, each with a type and a default, read from a
 * YAML file (`config.yaml`, as Flink 2), overridden by `-D key=value`, with the two secrets also from
 * the environment. The file may nest keys or write them dotted, or mix both: `rest: { port: 8081 }`
 * is `rest.port: 8081`. Every key is known: an unknown one (a typo) fails the start with the file and
 * line and the nearest known key, and a bad value names its key, its value, where it was set and
 * what was expected. Nothing is silently ignored.
 *
 * The options are data ({@link CLUSTER_CONFIG_OPTIONS}): docs/cluster.md's table and the REST API's
 * `/config` come from them.
 */
import { existsSync, readFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { isAbsolute, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { isMap, isScalar, isSeq, LineCounter, type Node, parseDocument } from 'yaml';
import { WeirError } from '../../core/errors.ts';

/** How a value is written and what it becomes. */
export type ConfigValueType =
  /** A host name or an IP address. */
  | 'host'
  /** A TCP port, 0 to 65535 (0: any free port). */
  | 'port'
  /** A port or a range of ports `9250-9260` (the first free one is taken; 0: any free port). */
  | 'ports'
  /** A positive integer. */
  | 'count'
  /** `true` or `false`. */
  | 'boolean'
  /** Flink's durations: `10 s`, `10s`, `500 ms`, `1 min`, `2 h`, `1 d`; a plain number is milliseconds. Becomes milliseconds. */
  | 'duration'
  /** Flink's memory sizes: `100 mb`, `64m`, `1 gb`, `512 kb`; a plain number is bytes. Becomes bytes. */
  | 'size'
  /** A memory size as above, which becomes whole mebibytes (at least 16). */
  | 'megabytes'
  /** A directory or file: a path (relative to the working directory) or a `file://` URL. Becomes an absolute path. */
  | 'path'
  /** A directory for checkpoints: a path or `file://` URL (becomes an absolute path), or another scheme's URL (kept). */
  | 'storage'
  /** A non-empty string that is never shown (`******`). */
  | 'secret'
  /** A log level: trace, debug, info, warn, error or fatal. */
  | 'log-level';

/** One option: its key, type, default (when it has one) and what it means. */
export interface ClusterConfigOption {
  key: string;
  type: ConfigValueType;
  /** The default, as it is written in a file; undefined: unset unless configured. */
  default?: string;
  /** The environment variable that supplies the value when neither the file nor `-D` sets it. */
  env?: string;
  description: string;
}

/** Every option of the cluster, in the order docs/cluster.md lists them. */
export const CLUSTER_CONFIG_OPTIONS: readonly ClusterConfigOption[] = [
  {
    key: 'jobmanager.rpc.address',
    type: 'host',
    default: '127.0.0.1',
    description: 'The address TaskManagers and clients dial to reach the JobManager over RPC.',
  },
  { key: 'jobmanager.rpc.port', type: 'port', default: '6123', description: "The JobManager's RPC port." },
  {
    key: 'jobmanager.bind-host',
    type: 'host',
    default: '127.0.0.1',
    description:
      'The address the JobManager binds its RPC server to. An address other than loopback requires `security.rpc.secret`.',
  },
  {
    key: 'rest.address',
    type: 'host',
    default: '127.0.0.1',
    description: 'The address clients (the CLI) dial to reach the REST API.',
  },
  { key: 'rest.port', type: 'port', default: '8081', description: 'The port of the REST API.' },
  {
    key: 'rest.bind-address',
    type: 'host',
    default: '127.0.0.1',
    description:
      'The address the REST API binds to. An address other than loopback requires `rest.auth.token`.',
  },
  {
    key: 'rest.auth.token',
    type: 'secret',
    env: 'WEIR_REST_TOKEN',
    description: 'The bearer token every REST request must carry (`Authorization: Bearer <token>`).',
  },
  {
    key: 'rest.server.max-content-length',
    type: 'size',
    default: '104857600',
    description: 'The largest request body the REST API accepts, so the largest job artifact.',
  },
  {
    key: 'security.rpc.secret',
    type: 'secret',
    env: 'WEIR_RPC_SECRET',
    description: 'The shared secret of the RPC handshake between the JobManager and the TaskManagers.',
  },
  {
    key: 'security.ssl.rest.enabled',
    type: 'boolean',
    default: 'false',
    description: 'TLS for the REST API.',
  },
  { key: 'security.ssl.rest.key', type: 'path', description: "The REST API's private key (PEM)." },
  { key: 'security.ssl.rest.cert', type: 'path', description: "The REST API's certificate chain (PEM)." },
  {
    key: 'security.ssl.internal.enabled',
    type: 'boolean',
    default: 'false',
    description: 'TLS for RPC and the data plane between the processes.',
  },
  { key: 'security.ssl.internal.key', type: 'path', description: "This process's private key (PEM)." },
  { key: 'security.ssl.internal.cert', type: 'path', description: "This process's certificate chain (PEM)." },
  {
    key: 'security.ssl.internal.ca',
    type: 'path',
    description: 'The certificate authority (PEM) that signed the certificates of the processes.',
  },
  {
    key: 'taskmanager.numberOfTaskSlots',
    type: 'count',
    default: '1',
    description: 'Task slots (worker threads) per TaskManager.',
  },
  {
    key: 'taskmanager.host',
    type: 'host',
    default: '127.0.0.1',
    description: 'The address other TaskManagers dial to reach this one for data.',
  },
  {
    key: 'taskmanager.bind-host',
    type: 'host',
    default: '127.0.0.1',
    description: 'The address the TaskManager binds its data server to.',
  },
  {
    key: 'taskmanager.data.port',
    type: 'port',
    default: '0',
    description: "The port of the TaskManager's data server (0: any free port).",
  },
  {
    key: 'taskmanager.memory.slot.heap.size',
    type: 'megabytes',
    description: "The V8 heap limit of each slot's worker thread (unset: Node's default).",
  },
  {
    key: 'heartbeat.interval',
    type: 'duration',
    default: '10000',
    description: 'How often the JobManager and the TaskManagers exchange heartbeats.',
  },
  {
    key: 'heartbeat.timeout',
    type: 'duration',
    default: '50000',
    description: 'After how long without a heartbeat a TaskManager (or the JobManager) is taken as lost.',
  },
  {
    key: 'slot.request.timeout',
    type: 'duration',
    default: '300000',
    description: 'How long a job waits for enough slots before it fails with NOT_ENOUGH_SLOTS.',
  },
  {
    key: 'task.cancellation.timeout',
    type: 'duration',
    default: '5000',
    description: 'How long a cancelled task may take to stop before its slot is torn down.',
  },
  {
    key: 'state.checkpoints.dir',
    type: 'storage',
    description: 'The default checkpoint directory, shared by all processes (`file://`).',
  },
  {
    key: 'state.savepoints.dir',
    type: 'storage',
    description: 'The default savepoint directory; savepoint paths given by clients must stay inside it.',
  },
  {
    key: 'web.upload.dir',
    type: 'path',
    description:
      'Where the JobManager and TaskManagers store job artifacts (default `<tmpdir>/weir-<uid>/artifacts`).',
  },
  {
    key: 'env.log.dir',
    type: 'path',
    env: 'WEIR_LOG_DIR',
    description:
      'The directory of the log files: `jobmanager-<pid>.log`, `taskmanager-<id>.log` (JSON lines), and the output of the processes `weir cluster start` runs (default the runtime directory `log/`, `weir cluster start`: its directory). See docs/observability.md.',
  },
  {
    key: 'log.level',
    type: 'log-level',
    default: 'info',
    description: 'The lowest level written to the log file: trace, debug, info, warn, error or fatal.',
  },
  {
    key: 'log.file',
    type: 'path',
    description:
      "This process's log file, instead of one in `env.log.dir` (`weir run` writes one only with this, `--log-file` or `env.log.dir`).",
  },
  { key: 'env.pid.dir', type: 'path', description: 'The pid file directory of `weir cluster start`.' },
  {
    key: 'metrics.latency.interval',
    type: 'duration',
    default: '0',
    description:
      "How often sources emit latency markers, recorded by the sinks into latency histograms (0: off); a job's `env.getConfig().setLatencyTrackingInterval(ms)` takes precedence. See docs/observability.md.",
  },
  {
    key: 'metrics.reporter.prom.port',
    type: 'ports',
    default: '9249-9259',
    description:
      "The port of this process's Prometheus endpoint (`/metrics`), or a range: the first free port in it, so that a JobManager and TaskManagers sharing a host each get one (0: any free port). When none is free the process runs on without it.",
  },
  {
    key: 'metrics.reporter.prom.host',
    type: 'host',
    default: '127.0.0.1',
    description:
      'The address the Prometheus endpoint binds to. An address other than loopback requires `rest.auth.token` (Prometheus sends it as a bearer token).',
  },
];

/** The configured values, typed, nested as the keys are. */
export interface ClusterConfigValues {
  jobmanager: { rpc: { address: string; port: number }; bindHost: string };
  rest: {
    address: string;
    port: number;
    bindAddress: string;
    auth: { token: string | undefined };
    server: { maxContentLength: number };
  };
  security: {
    rpc: { secret: string | undefined };
    ssl: {
      rest: { enabled: boolean; key: string | undefined; cert: string | undefined };
      internal: {
        enabled: boolean;
        key: string | undefined;
        cert: string | undefined;
        ca: string | undefined;
      };
    };
  };
  taskmanager: {
    numberOfTaskSlots: number;
    host: string;
    bindHost: string;
    data: { port: number };
    /** `heap.size` in mebibytes. */
    memory: { slot: { heap: { size: number | undefined } } };
  };
  /** Milliseconds. */
  heartbeat: { interval: number; timeout: number };
  /** Milliseconds. */
  slot: { request: { timeout: number } };
  /** Milliseconds. */
  task: { cancellation: { timeout: number } };
  state: { checkpoints: { dir: string | undefined }; savepoints: { dir: string | undefined } };
  web: { upload: { dir: string } };
  env: { log: { dir: string | undefined }; pid: { dir: string | undefined } };
  log: { level: 'trace' | 'debug' | 'info' | 'warn' | 'error' | 'fatal'; file: string | undefined };
  /** `port`: a port or a range `from-to`, as written. */
  metrics: {
    reporter: { prom: { port: string; host: string } };
    /** Milliseconds (0: latency tracking off). */
    latency: { interval: number };
  };
}

/** Where a value came from. */
export type ConfigSource =
  | { kind: 'default' }
  | { kind: 'file'; file: string; line: number }
  | { kind: 'define' }
  | { kind: 'env'; name: string };

/** The cluster's configuration: the typed values, and what a process shows of them. */
export interface ClusterConfig extends ClusterConfigValues {
  /** The configuration file read, if any. */
  readonly file: string | undefined;
  /** Where the value of `key` came from. */
  sourceOf(key: string): ConfigSource;
  /**
   * Every option with a value, by key, as it can be written back (durations in ms, sizes in bytes,
   * heap size in mebibytes), secrets as `******`: what `GET /config` and the logs show.
   */
  toDisplay(): Record<string, string>;
}

/** Options of {@link loadClusterConfig}. */
export interface LoadClusterConfigOptions {
  /** `--config <file>`; else `$WEIR_CONF_DIR/config.yaml`; else no file. */
  file?: string;
  /** `-D key=value` settings, in order (a later one wins). */
  defines?: readonly string[];
  /** The environment (default `process.env`): `WEIR_CONF_DIR`, `WEIR_REST_TOKEN`, `WEIR_RPC_SECRET`. */
  env?: Record<string, string | undefined>;
}

const REDACTED = '******';
const BY_KEY = new Map(CLUSTER_CONFIG_OPTIONS.map((o) => [o.key, o]));

/** A raw setting: its value as written and where. */
interface Setting {
  value: unknown;
  source: ConfigSource;
}

/**
 * Reads the configuration: the file, then `-D` settings over it, then the secrets from the
 * environment where neither set them, then the defaults.
 *
 * @throws WeirError INVALID_CONFIG for a file that cannot be read or parsed, an unknown key (with the
 * nearest known one), a key set twice in the file, a bad value, or settings that contradict each
 * other (a heartbeat timeout not above the interval, TLS without its key and certificate).
 *
 * @example
 * const config = loadClusterConfig({ file: 'conf/config.yaml', defines: ['rest.port=9081'] });
 * config.rest.port; // 9081
 * config.heartbeat.timeout; // 50000 (ms)
 */
export function loadClusterConfig(options: LoadClusterConfigOptions = {}): ClusterConfig {
  const env = options.env ?? process.env;
  const file = options.file ?? (env.WEIR_CONF_DIR ? join(env.WEIR_CONF_DIR, 'config.yaml') : undefined);
  const settings = new Map<string, Setting>();
  if (file !== undefined) {
    for (const [key, setting] of readConfigFile(resolve(file), options.file === undefined))
      settings.set(key, setting);
  }
  for (const define of options.defines ?? []) {
    const [key, value] = parseDefine(define);
    settings.set(key, { value, source: { kind: 'define' } });
  }
  for (const option of CLUSTER_CONFIG_OPTIONS) {
    const value = option.env !== undefined ? env[option.env] : undefined;
    if (!settings.has(option.key) && value !== undefined && value !== '') {
      settings.set(option.key, { value, source: { kind: 'env', name: option.env! } });
    }
  }

  const values = new Map<string, unknown>();
  const sources = new Map<string, ConfigSource>();
  for (const option of CLUSTER_CONFIG_OPTIONS) {
    const setting = settings.get(option.key);
    if (setting !== undefined) {
      values.set(option.key, convert(option, setting));
      sources.set(option.key, setting.source);
    } else if (option.default !== undefined) {
      values.set(option.key, convert(option, { value: option.default, source: { kind: 'default' } }));
      sources.set(option.key, { kind: 'default' });
    } else {
      sources.set(option.key, { kind: 'default' });
    }
  }
  if (values.get('web.upload.dir') === undefined) {
    const user = process.getuid?.() ?? (env.USER || env.USERNAME || 'user');
    values.set('web.upload.dir', join(tmpdir(), `weir-${user}`, 'artifacts'));
  }
  checkTogether(values, sources);

  const config = nest(values) as unknown as ClusterConfigValues;
  const resolvedFile = file === undefined ? undefined : resolve(file);
  return Object.assign(config, {
    file: resolvedFile,
    sourceOf(key: string): ConfigSource {
      const source = sources.get(key);
      if (source === undefined) throw new WeirError('INVALID_ARGUMENT', `no configuration key ${key}`);
      return source;
    },
    toDisplay(): Record<string, string> {
      const shown: Record<string, string> = {};
      for (const option of CLUSTER_CONFIG_OPTIONS) {
        const value = values.get(option.key);
        if (value === undefined) continue;
        shown[option.key] = display(option, value);
      }
      return shown;
    },
  });
}

/** The settings of a configuration file, flattened to dotted keys, each with its line. */
function readConfigFile(file: string, fromConfDir: boolean): Map<string, Setting> {
  if (!existsSync(file)) {
    throw new WeirError(
      'INVALID_CONFIG',
      fromConfDir
        ? `no configuration file ${file}: WEIR_CONF_DIR names a directory without a config.yaml`
        : `no configuration file ${file}`,
    );
  }
  let text: string;
  try {
    text = readFileSync(file, 'utf8');
  } catch (cause) {
    throw new WeirError(
      'INVALID_CONFIG',
      `cannot read the configuration file ${file}: ${(cause as Error).message}`,
      {
        cause,
      },
    );
  }
  const lineCounter = new LineCounter();
  const doc = parseDocument(text, { lineCounter, prettyErrors: false, uniqueKeys: true });
  const parseError = doc.errors[0];
  if (parseError !== undefined) {
    const at = lineCounter.linePos(parseError.pos[0]);
    throw new WeirError(
      'INVALID_CONFIG',
      `the configuration file ${file}:${at.line}:${at.col} is not valid YAML: ${parseError.message.split('\n')[0]}`,
      { cause: parseError },
    );
  }
  const settings = new Map<string, Setting>();
  const lineOf = (node: Node | null | undefined): number =>
    node?.range ? lineCounter.linePos(node.range[0]).line : 1;
  const walk = (node: Node | null, prefix: string): void => {
    if (node === null) return;
    if (!isMap(node)) {
      throw new WeirError(
        'INVALID_CONFIG',
        prefix === ''
          ? `the configuration file ${file}:${lineOf(node)} must be a map of keys to values`
          : `${prefix} in ${file}:${lineOf(node)} is not an option: expected a map under it`,
      );
    }
    for (const pair of node.items) {
      const keyNode = pair.key as Node | null;
      const keyText = isScalar(keyNode) ? String(keyNode.value) : undefined;
      const line = lineOf(keyNode);
      if (keyText === undefined || keyText === '') {
        throw new WeirError('INVALID_CONFIG', `${file}:${line}: a key must be a plain name`);
      }
      const key = prefix === '' ? keyText : `${prefix}.${keyText}`;
      const value = pair.value as Node | null;
      if (isMap(value)) {
        walk(value, key);
        continue;
      }
      const option = BY_KEY.get(key);
      if (option === undefined) {
        throw new WeirError(
          'INVALID_CONFIG',
          `unknown configuration key ${key} in ${file}:${line}${nearestHint(key)}`,
        );
      }
      const earlier = settings.get(key);
      if (earlier !== undefined && earlier.source.kind === 'file') {
        throw new WeirError(
          'INVALID_CONFIG',
          `${key} is set twice in ${file}: on line ${earlier.source.line} and on line ${line}`,
        );
      }
      if (isSeq(value)) {
        throw new WeirError(
          'INVALID_CONFIG',
          `${key} in ${file}:${line} is a list: expected ${EXPECTED[option.type]}`,
        );
      }
      const scalar = isScalar(value) ? value.value : null;
      settings.set(key, {
        value: scalar,
        source: { kind: 'file', file, line: value ? lineOf(value) : line },
      });
    }
  };
  walk(doc.contents as Node | null, '');
  return settings;
}

/** `key=value` -> [key, value]; the key known. */
function parseDefine(define: string): [string, string] {
  const at = define.indexOf('=');
  if (at <= 0) {
    throw new WeirError('INVALID_CONFIG', `-D ${define}: expected -D key=value`);
  }
  const key = define.slice(0, at).trim();
  if (!BY_KEY.has(key)) {
    throw new WeirError(
      'INVALID_CONFIG',
      `unknown configuration key ${key} in -D ${define}${nearestHint(key)}`,
    );
  }
  return [key, define.slice(at + 1).trim()];
}

/** What each type expects, for messages. */
const EXPECTED: Record<ConfigValueType, string> = {
  host: 'a host name or IP address',
  port: 'a port, an integer from 0 to 65535',
  ports: "a port from 0 to 65535 or a range such as '9250-9260'",
  count: 'a positive integer',
  boolean: 'true or false',
  duration: "a duration such as '10 s', '500 ms', '1 min' (a plain number is milliseconds)",
  size: "a memory size such as '100 mb', '64m', '1 gb' (a plain number is bytes)",
  megabytes: "a memory size of at least 16 mb, such as '512m' or '1 gb' (a plain number is bytes)",
  path: 'a path or a file:// URL',
  storage: 'a path or a URL such as file:///shared/checkpoints',
  secret: 'a non-empty string',
  'log-level': 'one of trace, debug, info, warn, error, fatal',
};

const DURATION_UNITS: Record<string, number> = {
  ms: 1,
  milli: 1,
  millis: 1,
  millisecond: 1,
  milliseconds: 1,
  s: 1000,
  sec: 1000,
  secs: 1000,
  second: 1000,
  seconds: 1000,
  m: 60_000,
  min: 60_000,
  mins: 60_000,
  minute: 60_000,
  minutes: 60_000,
  h: 3_600_000,
  hour: 3_600_000,
  hours: 3_600_000,
  d: 86_400_000,
  day: 86_400_000,
  days: 86_400_000,
};

const SIZE_UNITS: Record<string, number> = {
  b: 1,
  bytes: 1,
  k: 1024,
  kb: 1024,
  kibibytes: 1024,
  m: 1024 ** 2,
  mb: 1024 ** 2,
  mebibytes: 1024 ** 2,
  g: 1024 ** 3,
  gb: 1024 ** 3,
  gibibytes: 1024 ** 3,
  t: 1024 ** 4,
  tb: 1024 ** 4,
  tebibytes: 1024 ** 4,
};

/** The setting's value as the option's type, or INVALID_CONFIG naming key, value, source and expectation. */
function convert(option: ClusterConfigOption, setting: Setting): unknown {
  const raw = setting.value;
  const text = typeof raw === 'string' ? raw.trim() : raw === null || raw === undefined ? '' : String(raw);
  const bad = (why = `expected ${EXPECTED[option.type]}`): WeirError =>
    new WeirError(
      'INVALID_CONFIG',
      `${option.key} = ${option.type === 'secret' ? REDACTED : JSON.stringify(text)} (${describeSource(setting.source)}) is not valid: ${why}`,
    );
  if (typeof raw === 'object' && raw !== null) throw bad();
  switch (option.type) {
    case 'host':
      if (!/^[A-Za-z0-9._:%[\]-]+$/.test(text)) throw bad();
      return text;
    case 'secret':
      if (text === '') throw bad();
      return text;
    case 'port': {
      if (!/^\d+$/.test(text) || Number(text) > 65_535) throw bad();
      return Number(text);
    }
    case 'ports': {
      const range = /^(\d+)(?:\s*-\s*(\d+))?$/.exec(text);
      const from = Number(range?.[1]);
      const to = range?.[2] === undefined ? from : Number(range[2]);
      if (!range || to > 65_535 || to < from || (from === 0 && to !== 0)) throw bad();
      return from === to ? String(from) : `${from}-${to}`;
    }
    case 'count': {
      if (!/^\d+$/.test(text) || Number(text) < 1 || !Number.isSafeInteger(Number(text))) throw bad();
      return Number(text);
    }
    case 'boolean': {
      const lower = text.toLowerCase();
      if (lower !== 'true' && lower !== 'false') throw bad();
      return lower === 'true';
    }
    case 'duration': {
      const ms = withUnit(text, DURATION_UNITS);
      if (ms === undefined) throw bad();
      return ms;
    }
    case 'size': {
      const bytes = withUnit(text, SIZE_UNITS);
      if (bytes === undefined || bytes === 0) throw bad();
      return bytes;
    }
    case 'megabytes': {
      const bytes = withUnit(text, SIZE_UNITS);
      if (bytes === undefined) throw bad();
      const mb = Math.floor(bytes / 1024 ** 2);
      if (mb < 16)
        throw bad(`${text} is ${mb === 0 ? 'less than 1' : mb} mb: expected ${EXPECTED.megabytes}`);
      return mb;
    }
    case 'log-level':
      if (!/^(trace|debug|info|warn|error|fatal)$/.test(text.toLowerCase())) throw bad();
      return text.toLowerCase();
    case 'path':
    case 'storage': {
      if (text === '') throw bad();
      if (text.startsWith('file:')) {
        try {
          return fileURLToPath(text);
        } catch (cause) {
          throw bad(`${(cause as Error).message}`);
        }
      }
      if (/^[a-z][a-z0-9+.-]*:\/\//i.test(text)) {
        if (option.type === 'path') throw bad();
        return text;
      }
      return isAbsolute(text) ? text : resolve(text);
    }
  }
}

/** `10 s` -> 10000 with the duration units; plain digits are the base unit; undefined when not a whole amount. */
function withUnit(text: string, units: Record<string, number>): number | undefined {
  const match = /^(\d+)\s*([A-Za-zµ]*)$/.exec(text);
  if (!match) return undefined;
  const unit = match[2].toLowerCase();
  const factor = unit === '' ? 1 : units[unit];
  if (factor === undefined) return undefined;
  const value = Number(match[1]) * factor;
  return Number.isSafeInteger(value) ? value : undefined;
}

/** The value as it can be written back: durations in ms, sizes in bytes, megabytes as `<n>m`. */
function display(option: ClusterConfigOption, value: unknown): string {
  switch (option.type) {
    case 'secret':
      return REDACTED;
    case 'duration':
      return `${value} ms`;
    case 'megabytes':
      return `${value}m`;
    default:
      return String(value);
  }
}

/** `/etc/weir/config.yaml:3`, `-D`, `$WEIR_REST_TOKEN`, `default`. */
export function describeSource(source: ConfigSource): string {
  switch (source.kind) {
    case 'file':
      return `${source.file}:${source.line}`;
    case 'define':
      return '-D';
    case 'env':
      return `$${source.name}`;
    case 'default':
      return 'default';
  }
}

/** Rules between options. */
function checkTogether(values: Map<string, unknown>, sources: Map<string, ConfigSource>): void {
  const at = (key: string) => `${key} (${describeSource(sources.get(key)!)})`;
  const interval = values.get('heartbeat.interval') as number;
  const timeout = values.get('heartbeat.timeout') as number;
  if (timeout <= interval) {
    throw new WeirError(
      'INVALID_CONFIG',
      `heartbeat.timeout (${timeout} ms, ${describeSource(sources.get('heartbeat.timeout')!)}) must be longer than heartbeat.interval (${interval} ms, ${describeSource(sources.get('heartbeat.interval')!)})`,
    );
  }
  if (interval === 0) {
    throw new WeirError('INVALID_CONFIG', `${at('heartbeat.interval')} must be above 0 ms`);
  }
  for (const [scope, needed] of [
    ['rest', ['key', 'cert']],
    ['internal', ['key', 'cert', 'ca']],
  ] as const) {
    if (values.get(`security.ssl.${scope}.enabled`) !== true) continue;
    for (const part of needed) {
      const key = `security.ssl.${scope}.${part}`;
      const file = values.get(key) as string | undefined;
      if (file === undefined) {
        throw new WeirError(
          'INVALID_CONFIG',
          `${at(`security.ssl.${scope}.enabled`)} is true but ${key} is not set: TLS needs a private key, a certificate${scope === 'internal' ? ' and the CA that signed the certificates' : ''} (PEM files)`,
        );
      }
      if (!existsSync(file)) {
        throw new WeirError('INVALID_CONFIG', `${at(key)} names ${file}, which does not exist`);
      }
    }
  }
}

/** `rest.bind-address` -> `{ rest: { bindAddress } }`: dotted keys nested, kebab-case segments camelCased. */
function nest(values: Map<string, unknown>): Record<string, unknown> {
  const root: Record<string, unknown> = {};
  for (const option of CLUSTER_CONFIG_OPTIONS) {
    const path = option.key.split('.').map((s) => s.replace(/-([a-z])/g, (_, c: string) => c.toUpperCase()));
    let node = root;
    for (const segment of path.slice(0, -1)) node = (node[segment] ??= {}) as Record<string, unknown>;
    node[path.at(-1)!] = values.get(option.key);
  }
  return root;
}

/**
 * A hint for an unknown `key`: the known key a few edits away (`: did you mean rest.port?`), else the
 * keys under the same parent, else a key with the same last part, else where the keys are listed.
 */
function nearestHint(key: string): string {
  let best: string | undefined;
  let bestDistance = Number.POSITIVE_INFINITY;
  for (const option of CLUSTER_CONFIG_OPTIONS) {
    const distance = editDistance(key.toLowerCase(), option.key.toLowerCase());
    if (distance < bestDistance) {
      best = option.key;
      bestDistance = distance;
    }
  }
  if (best !== undefined && bestDistance <= Math.max(2, Math.floor(key.length / 5)))
    return `: did you mean ${best}?`;
  const parent = key.slice(0, key.lastIndexOf('.') + 1);
  const siblings = parent === '' ? [] : CLUSTER_CONFIG_OPTIONS.filter((o) => o.key.startsWith(parent));
  if (siblings.length > 0)
    return `: the keys under ${parent.slice(0, -1)} are ${siblings.map((o) => o.key).join(', ')}`;
  const last = key.split('.').at(-1)!;
  const same = CLUSTER_CONFIG_OPTIONS.find((o) => o.key.split('.').at(-1) === last);
  if (same !== undefined) return `: did you mean ${same.key}?`;
  return ' (docs/cluster.md lists the keys)';
}

/** Levenshtein distance. */
function editDistance(a: string, b: string): number {
  let previous = Array.from({ length: b.length + 1 }, (_, i) => i);
  for (let i = 1; i <= a.length; i++) {
    const current = [i];
    for (let j = 1; j <= b.length; j++) {
      current[j] = Math.min(
        previous[j] + 1,
        current[j - 1] + 1,
        previous[j - 1] + (a[i - 1] === b[j - 1] ? 0 : 1),
      );
    }
    previous = current;
  }
  return previous[b.length];
}
