import assert from 'node:assert/strict';
import { mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { after, describe, it } from 'node:test';
import { isWeirError } from '../../core/errors.ts';
import { CLUSTER_CONFIG_OPTIONS, loadClusterConfig } from './cluster-config.ts';

const dir = mkdtempSync(join(tmpdir(), 'weir-cluster-config-'));
after(() => rmSync(dir, { recursive: true, force: true }));
let files = 0;

/** A configuration file with `text`, in a fresh directory (also usable as WEIR_CONF_DIR). */
function configFile(text: string): string {
  const confDir = join(dir, `conf-${++files}`);
  mkdirSync(confDir);
  const file = join(confDir, 'config.yaml');
  writeFileSync(file, text);
  return file;
}

/** The INVALID_CONFIG message of loading with `options`. */
function invalid(options: Parameters<typeof loadClusterConfig>[0]): string {
  try {
    loadClusterConfig({ env: {}, ...options });
  } catch (error) {
    assert.ok(isWeirError(error), String(error));
    assert.equal(error.code, 'INVALID_CONFIG', error.message);
    return error.message;
  }
  assert.fail('the configuration should have been refused');
}

describe('loadClusterConfig', () => {
  it("has Flink's defaults, loopback binds, and no secrets, without a file", () => {
    const config = loadClusterConfig({ env: {} });
    assert.equal(config.file, undefined);
    assert.equal(config.jobmanager.rpc.address, '127.0.0.1');
    assert.equal(config.jobmanager.rpc.port, 6123);
    assert.equal(config.jobmanager.bindHost, '127.0.0.1');
    assert.equal(config.rest.address, '127.0.0.1');
    assert.equal(config.rest.port, 8081);
    assert.equal(config.rest.bindAddress, '127.0.0.1');
    assert.equal(config.rest.auth.token, undefined);
    assert.equal(config.rest.server.maxContentLength, 104_857_600);
    assert.equal(config.security.rpc.secret, undefined);
    assert.equal(config.security.ssl.rest.enabled, false);
    assert.equal(config.security.ssl.internal.enabled, false);
    assert.equal(config.taskmanager.numberOfTaskSlots, 1);
    assert.equal(config.taskmanager.host, '127.0.0.1');
    assert.equal(config.taskmanager.bindHost, '127.0.0.1');
    assert.equal(config.taskmanager.data.port, 0);
    assert.equal(config.taskmanager.memory.slot.heap.size, undefined);
    assert.equal(config.heartbeat.interval, 10_000);
    assert.equal(config.heartbeat.timeout, 50_000);
    assert.equal(config.slot.request.timeout, 300_000);
    assert.equal(config.task.cancellation.timeout, 5_000);
    assert.equal(config.state.checkpoints.dir, undefined);
    assert.equal(config.web.upload.dir, join(tmpdir(), `weir-${process.getuid!()}`, 'artifacts'));
    assert.deepEqual(config.sourceOf('rest.port'), { kind: 'default' });
  });

  it('reads nested maps and flat dotted keys alike, and mixed', () => {
    const nested = loadClusterConfig({
      file: configFile('rest:\n  port: 9081\n  bind-address: 0.0.0.0\n  auth:\n    token: abc\n'),
      env: {},
    });
    const flat = loadClusterConfig({
      file: configFile('rest.port: 9081\nrest.bind-address: 0.0.0.0\nrest.auth.token: abc\n'),
      env: {},
    });
    const mixed = loadClusterConfig({
      file: configFile('rest:\n  port: 9081\n  bind-address: 0.0.0.0\nrest.auth:\n  token: abc\n'),
      env: {},
    });
    for (const config of [nested, flat, mixed]) {
      assert.equal(config.rest.port, 9081);
      assert.equal(config.rest.bindAddress, '0.0.0.0');
      assert.equal(config.rest.auth.token, 'abc');
    }
    assert.deepEqual(nested.sourceOf('rest.port'), { kind: 'file', file: nested.file, line: 2 });
    assert.deepEqual(flat.sourceOf('rest.auth.token'), { kind: 'file', file: flat.file, line: 3 });
  });

  it('reads every key of the table from a file, typed', () => {
    const pem = join(dir, 'x.pem');
    writeFileSync(pem, 'not really a PEM');
    const config = loadClusterConfig({
      env: {},
      file: configFile(
        [
          'jobmanager.rpc.address: jm.example',
          'jobmanager.rpc.port: 7000',
          'jobmanager.bind-host: 0.0.0.0',
          'rest.address: rest.example',
          'rest.server.max-content-length: 64m',
          'security.rpc.secret: s3cret',
          'security.ssl.rest.enabled: true',
          `security.ssl.rest.key: ${pem}`,
          `security.ssl.rest.cert: file://${pem}`,
          'security.ssl.internal.enabled: "TRUE"',
          `security.ssl.internal.key: ${pem}`,
          `security.ssl.internal.cert: ${pem}`,
          `security.ssl.internal.ca: ${pem}`,
          'taskmanager.numberOfTaskSlots: 4',
          'taskmanager.host: 10.0.0.2',
          'taskmanager.bind-host: "::"',
          'taskmanager.data.port: 6200',
          'taskmanager.memory.slot.heap.size: 1 gb',
          'heartbeat.interval: 2 s',
          'heartbeat.timeout: 1 min',
          'slot.request.timeout: 500 ms',
          'task.cancellation.timeout: 30000',
          'state.checkpoints.dir: file:///shared/checkpoints',
          'state.savepoints.dir: s3://bucket/savepoints',
          'web.upload.dir: artifacts',
          'env.log.dir: /var/log/weir',
          'env.pid.dir: /run/weir',
        ].join('\n'),
      ),
    });
    assert.equal(config.jobmanager.rpc.address, 'jm.example');
    assert.equal(config.jobmanager.rpc.port, 7000);
    assert.equal(config.jobmanager.bindHost, '0.0.0.0');
    assert.equal(config.rest.address, 'rest.example');
    assert.equal(config.rest.server.maxContentLength, 64 * 1024 * 1024);
    assert.equal(config.security.rpc.secret, 's3cret');
    assert.deepEqual(config.security.ssl.rest, { enabled: true, key: pem, cert: pem });
    assert.deepEqual(config.security.ssl.internal, { enabled: true, key: pem, cert: pem, ca: pem });
    assert.equal(config.taskmanager.numberOfTaskSlots, 4);
    assert.equal(config.taskmanager.host, '10.0.0.2');
    assert.equal(config.taskmanager.bindHost, '::');
    assert.equal(config.taskmanager.data.port, 6200);
    assert.equal(config.taskmanager.memory.slot.heap.size, 1024);
    assert.equal(config.heartbeat.interval, 2_000);
    assert.equal(config.heartbeat.timeout, 60_000);
    assert.equal(config.slot.request.timeout, 500);
    assert.equal(config.task.cancellation.timeout, 30_000);
    assert.equal(config.state.checkpoints.dir, '/shared/checkpoints');
    assert.equal(config.state.savepoints.dir, 's3://bucket/savepoints');
    assert.equal(config.web.upload.dir, resolve('artifacts'));
    assert.equal(config.env.log.dir, '/var/log/weir');
    assert.equal(config.env.pid.dir, '/run/weir');
  });

  it("accepts Flink's forms of durations and sizes", () => {
    const durations: [string, number][] = [
      ['10 s', 10_000],
      ['10s', 10_000],
      ['500 ms', 500],
      ['1 min', 60_000],
      ['2m', 120_000],
      ['1 h', 3_600_000],
      ['1d', 86_400_000],
      ['7 seconds', 7_000],
      ['1500', 1_500],
    ];
    for (const [text, ms] of durations) {
      const config = loadClusterConfig({ env: {}, defines: [`slot.request.timeout=${text}`] });
      assert.equal(config.slot.request.timeout, ms, text);
    }
    const sizes: [string, number][] = [
      ['100 mb', 100 * 1024 ** 2],
      ['64m', 64 * 1024 ** 2],
      ['1 gb', 1024 ** 3],
      ['512 kb', 512 * 1024],
      ['2048', 2048],
      ['10 bytes', 10],
    ];
    for (const [text, bytes] of sizes) {
      const config = loadClusterConfig({ env: {}, defines: [`rest.server.max-content-length=${text}`] });
      assert.equal(config.rest.server.maxContentLength, bytes, text);
    }
  });

  it('lets -D override the file, a later -D an earlier one', () => {
    const file = configFile('rest:\n  port: 9081\ntaskmanager.numberOfTaskSlots: 2\n');
    const config = loadClusterConfig({ file, env: {}, defines: ['rest.port=9999', 'rest.port = 9998'] });
    assert.equal(config.rest.port, 9998);
    assert.equal(config.taskmanager.numberOfTaskSlots, 2);
    assert.deepEqual(config.sourceOf('rest.port'), { kind: 'define' });
  });

  it('finds config.yaml in WEIR_CONF_DIR; --config wins over it', () => {
    const inConfDir = configFile('rest.port: 7001\n');
    const confDir = resolve(inConfDir, '..');
    assert.equal(loadClusterConfig({ env: { WEIR_CONF_DIR: confDir } }).rest.port, 7001);
    assert.equal(loadClusterConfig({ env: { WEIR_CONF_DIR: confDir } }).file, inConfDir);
    const explicit = configFile('rest.port: 7002\n');
    assert.equal(loadClusterConfig({ file: explicit, env: { WEIR_CONF_DIR: confDir } }).rest.port, 7002);
    assert.match(
      invalid({ env: { WEIR_CONF_DIR: dir } }),
      /WEIR_CONF_DIR names a directory without a config\.yaml/,
    );
    assert.match(invalid({ file: join(dir, 'nope.yaml') }), /no configuration file .*nope\.yaml/);
  });

  it('takes the secrets from WEIR_REST_TOKEN and WEIR_RPC_SECRET only where the file and -D do not set them', () => {
    const env = { WEIR_REST_TOKEN: 'from-env', WEIR_RPC_SECRET: 'rpc-from-env' };
    const fromEnv = loadClusterConfig({ env });
    assert.equal(fromEnv.rest.auth.token, 'from-env');
    assert.equal(fromEnv.security.rpc.secret, 'rpc-from-env');
    assert.deepEqual(fromEnv.sourceOf('rest.auth.token'), { kind: 'env', name: 'WEIR_REST_TOKEN' });
    const fromFile = loadClusterConfig({ env, file: configFile('rest.auth.token: from-file\n') });
    assert.equal(fromFile.rest.auth.token, 'from-file');
    const fromDefine = loadClusterConfig({ env, defines: ['security.rpc.secret=from-define'] });
    assert.equal(fromDefine.security.rpc.secret, 'from-define');
  });

  it('shows every set value for display, and secrets as ******', () => {
    const config = loadClusterConfig({
      env: { WEIR_RPC_SECRET: 'hush' },
      defines: ['rest.auth.token=t0ken', 'taskmanager.memory.slot.heap.size=512m'],
    });
    const shown = config.toDisplay();
    assert.equal(shown['rest.auth.token'], '******');
    assert.equal(shown['security.rpc.secret'], '******');
    assert.equal(shown['rest.port'], '8081');
    assert.equal(shown['heartbeat.timeout'], '50000 ms');
    assert.equal(shown['taskmanager.memory.slot.heap.size'], '512m');
    assert.equal(shown['security.ssl.rest.enabled'], 'false');
    assert.equal('state.checkpoints.dir' in shown, false);
    assert.doesNotMatch(JSON.stringify(shown), /t0ken|hush/);
    // What is shown reads back as the same configuration.
    const again = loadClusterConfig({
      env: {},
      defines: Object.entries(shown)
        .filter(([, v]) => v !== '******')
        .map(([k, v]) => `${k}=${v}`),
    });
    const publicPart = Object.fromEntries(Object.entries(shown).filter(([, v]) => v !== '******'));
    assert.deepEqual(again.toDisplay(), publicPart);
  });

  it('refuses an unknown key in the file, naming the file and line, with the nearest key', () => {
    const file = configFile('rest:\n  port: 8081\n  prot: 9\n');
    const message = invalid({ file });
    assert.match(
      message,
      /unknown configuration key rest\.prot in .*config\.yaml:3: did you mean rest\.port\?/,
    );
    assert.ok(message.includes(`${file}:3`), message);
    assert.match(
      invalid({ file: configFile('heartbeat.timout: 5 s\n') }),
      /heartbeat\.timout .*:1: did you mean heartbeat\.timeout\?/,
    );
    assert.match(
      invalid({ file: configFile('rest.bind-host: 0.0.0.0\n') }),
      /rest\.bind-host .*: the keys under rest are rest\.address, rest\.port, rest\.bind-address/,
    );
    assert.match(invalid({ file: configFile('nothing.like.it: 1\n') }), /docs\/cluster\.md lists the keys/);
  });

  it('refuses an unknown key in -D, with the nearest key, and a -D without =', () => {
    assert.match(
      invalid({ defines: ['taskmanager.numberOfTaskSlot=2'] }),
      /unknown configuration key taskmanager\.numberOfTaskSlot in -D .*: did you mean taskmanager\.numberOfTaskSlots\?/,
    );
    assert.match(invalid({ defines: ['rest.port'] }), /-D rest\.port: expected -D key=value/);
  });

  it('refuses bad values, naming the key, the value, where it was set and what is expected', () => {
    const file = configFile('rest:\n  port: 80a\n');
    assert.ok(
      invalid({ file }).includes(
        `rest.port = "80a" (${file}:2) is not valid: expected a port, an integer from 0 to 65535`,
      ),
    );
    assert.match(
      invalid({ defines: ['rest.port=70000'] }),
      /rest\.port = "70000" \(-D\) is not valid: expected a port/,
    );
    assert.match(
      invalid({ defines: ['heartbeat.interval=10 parsecs'] }),
      /heartbeat\.interval = "10 parsecs" \(-D\) is not valid: expected a duration such as '10 s'/,
    );
    assert.match(invalid({ defines: ['rest.server.max-content-length=lots'] }), /expected a memory size/);
    assert.match(invalid({ defines: ['security.ssl.rest.enabled=yes'] }), /expected true or false/);
    assert.match(invalid({ defines: ['taskmanager.numberOfTaskSlots=0'] }), /expected a positive integer/);
    assert.match(invalid({ defines: ['taskmanager.host=a host'] }), /expected a host name or IP address/);
    assert.match(
      invalid({ defines: ['taskmanager.memory.slot.heap.size=512'] }),
      /512 is less than 1 mb: expected a memory size of at least 16 mb/,
    );
    assert.match(
      invalid({ defines: ['web.upload.dir=s3://bucket/x'] }),
      /web\.upload\.dir .* expected a path/,
    );
    assert.match(invalid({ file: configFile('rest.port: [1, 2]\n') }), /rest\.port in .*:1 is a list/);
    assert.match(invalid({ file: configFile('rest.port:\n') }), /rest\.port = "" .* expected a port/);
  });

  it('never shows a bad secret', () => {
    const message = invalid({ file: configFile('rest.auth.token: [secret, parts]\n') });
    assert.doesNotMatch(message, /secret, parts/);
  });

  it('refuses a file that is not YAML, or not a map, at its line', () => {
    assert.match(
      invalid({ file: configFile('rest:\n  port: 1\n bad indent: [\n') }),
      /config\.yaml:\d+:\d+ is not valid YAML/,
    );
    assert.match(invalid({ file: configFile('- rest.port\n') }), /config\.yaml:1 must be a map/);
    assert.match(
      invalid({ file: configFile('rest.port: 1\nrest.port: 2\n') }),
      /config\.yaml:2:1 is not valid YAML: Map keys must be unique/,
    );
  });

  it('refuses a key set twice, nested and flat', () => {
    assert.match(
      invalid({ file: configFile('rest:\n  port: 1\nrest.port: 2\n') }),
      /rest\.port is set twice in .*config\.yaml: on line 2 and on line 3/,
    );
  });

  it('refuses a heartbeat timeout not above the interval, and TLS without its files', () => {
    assert.match(
      invalid({ defines: ['heartbeat.interval=10 s', 'heartbeat.timeout=5 s'] }),
      /heartbeat\.timeout \(5000 ms, -D\) must be longer than heartbeat\.interval \(10000 ms, -D\)/,
    );
    assert.match(
      invalid({ defines: ['security.ssl.rest.enabled=true'] }),
      /security\.ssl\.rest\.enabled \(-D\) is true but security\.ssl\.rest\.key is not set/,
    );
    assert.match(
      invalid({
        defines: [
          'security.ssl.rest.enabled=true',
          `security.ssl.rest.key=${join(dir, 'missing.pem')}`,
          `security.ssl.rest.cert=${join(dir, 'missing.pem')}`,
        ],
      }),
      /security\.ssl\.rest\.key \(-D\) names .*missing\.pem, which does not exist/,
    );
  });

  it('lists every option in docs/cluster.md', () => {
    const docs = readFileSync(join(import.meta.dirname, '../../../docs/cluster.md'), 'utf8');
    for (const option of CLUSTER_CONFIG_OPTIONS) {
      assert.ok(docs.includes(`| \`${option.key}\` |`), `docs/cluster.md has no row for ${option.key}`);
    }
  });
});
