#!/usr/bin/env bash
# A local single-node Apache Cassandra 5.0 on 127.0.0.1:9042 (native protocol), for development and
# CI (the Cassandra connector is tested against a real node, never a mock).
#
#   scripts/cassandra.sh start    resolve cassandra-all with Maven (cached in ~/.m2), write the
#                                 configuration, start the node and wait until it answers a CQL query
#   scripts/cassandra.sh stop     SIGTERM to the node's process group, wait, then SIGKILL
#   scripts/cassandra.sh status   running or not (exit 0 when running, 3 when not)
#   scripts/cassandra.sh reset    stop and delete the node's data (keyspaces, commit log)
#
# Everything lives in .cassandra/ (gitignored): the pom and classpath, cassandra.yaml, logback.xml,
# data, commit log, pid and logs. The node is sized for a small shared machine: a 1 GiB heap, one
# token, one compactor, no JMX, no Thrift-era extras. Environment: CASSANDRA_START_TIMEOUT (seconds,
# default 180), CASSANDRA_HEAP_OPTS (default -Xms512m -Xmx1g), CASSANDRA_DIR (default .cassandra),
# CASSANDRA_PORT (9042) and CASSANDRA_STORAGE_PORT (7000).
set -euo pipefail

ROOT="$(cd "$(dirname "$0")/.." && pwd)"
VERSION=5.0.6
DIR="${CASSANDRA_DIR:-$ROOT/.cassandra}"
POM="$DIR/pom.xml"
CLASSPATH_FILE="$DIR/classpath-$VERSION.txt"
PID_FILE="$DIR/cassandra.pid"
LOG_DIR="$DIR/logs"
LOG_FILE="$LOG_DIR/stdout.log"
YAML="$DIR/cassandra.yaml"
LOGBACK="$DIR/logback.xml"
HOST=127.0.0.1
PORT="${CASSANDRA_PORT:-9042}"
STORAGE_PORT="${CASSANDRA_STORAGE_PORT:-7000}"
TIMEOUT="${CASSANDRA_START_TIMEOUT:-180}"
HEAP="${CASSANDRA_HEAP_OPTS:--Xms512m -Xmx1g}"

if [ -x "$ROOT/node_modules/.bin/node" ]; then NODE="$ROOT/node_modules/.bin/node"; else NODE=node; fi

log() { echo "cassandra: $*"; }

running_pid() {
  [ -f "$PID_FILE" ] || return 1
  local pid
  pid="$(cat "$PID_FILE")"
  if [ -n "$pid" ] && kill -0 "$pid" 2>/dev/null; then
    echo "$pid"
    return 0
  fi
  return 1
}

# The classpath from Maven: cassandra-all and its runtime dependencies, resolved once per version.
classpath() {
  mkdir -p "$DIR"
  if [ ! -s "$CLASSPATH_FILE" ]; then
    log "resolving org.apache.cassandra:cassandra-all:$VERSION with Maven..." >&2
    cat >"$POM" <<EOF
<?xml version="1.0" encoding="UTF-8"?>
<!-- Written by scripts/cassandra.sh, only to resolve the classpath of a local node. -->
<project xmlns="http://maven.apache.org/POM/4.0.0">
  <modelVersion>4.0.0</modelVersion>
  <groupId>dev.weir</groupId>
  <artifactId>weir-cassandra-node</artifactId>
  <version>0.1.0</version>
  <packaging>pom</packaging>
  <dependencies>
    <dependency>
      <groupId>org.apache.cassandra</groupId>
      <artifactId>cassandra-all</artifactId>
      <version>$VERSION</version>
    </dependency>
  </dependencies>
</project>
EOF
    if ! mvn -q -B -f "$POM" dependency:build-classpath -Dmdep.outputFile="$CLASSPATH_FILE.tmp" >"$DIR/mvn.log" 2>&1; then
      tail -n 30 "$DIR/mvn.log" >&2
      echo "cassandra: Maven could not resolve cassandra-all:$VERSION (log: $DIR/mvn.log)" >&2
      exit 1
    fi
    mv "$CLASSPATH_FILE.tmp" "$CLASSPATH_FILE"
  fi
  cat "$CLASSPATH_FILE"
}

write_config() {
  mkdir -p "$DIR/data" "$DIR/commitlog" "$DIR/hints" "$DIR/saved_caches" "$DIR/cdc_raw" "$DIR/triggers" "$LOG_DIR"
  cat >"$YAML" <<EOF
# Written by scripts/cassandra.sh: a single node for development and tests, small on memory and CPU.
cluster_name: weir-dev
num_tokens: 1
initial_token: 0
allocate_tokens_for_local_replication_factor: 1
partitioner: org.apache.cassandra.dht.Murmur3Partitioner
endpoint_snitch: SimpleSnitch
seed_provider:
  - class_name: org.apache.cassandra.locator.SimpleSeedProvider
    parameters:
      - seeds: "$HOST:$STORAGE_PORT"
listen_address: $HOST
storage_port: $STORAGE_PORT
rpc_address: $HOST
native_transport_port: $PORT
start_native_transport: true
data_file_directories:
  - $DIR/data
commitlog_directory: $DIR/commitlog
hints_directory: $DIR/hints
saved_caches_directory: $DIR/saved_caches
cdc_raw_directory: $DIR/cdc_raw
commitlog_sync: periodic
commitlog_sync_period: 10000ms
commitlog_segment_size: 8MiB
authenticator: AllowAllAuthenticator
authorizer: AllowAllAuthorizer
role_manager: CassandraRoleManager
# Small and few: the machine is shared with the tests and other services.
concurrent_reads: 8
concurrent_writes: 8
concurrent_counter_writes: 4
concurrent_compactors: 1
compaction_throughput: 16MiB/s
memtable_heap_space: 128MiB
memtable_offheap_space: 128MiB
memtable_flush_writers: 1
key_cache_size: 16MiB
counter_cache_size: 0MiB
native_transport_max_threads: 32
# A development node: no snapshots on drop/truncate, no hints, no materialized views.
auto_snapshot: false
snapshot_before_compaction: false
hinted_handoff_enabled: false
materialized_views_enabled: false
sasi_indexes_enabled: false
disk_failure_policy: stop
commit_failure_policy: stop
read_request_timeout: 10000ms
write_request_timeout: 10000ms
range_request_timeout: 20000ms
request_timeout: 20000ms
EOF
  cat >"$LOGBACK" <<EOF
<configuration scan="false">
  <appender name="FILE" class="ch.qos.logback.core.FileAppender">
    <file>$LOG_DIR/system.log</file>
    <encoder><pattern>%-5level [%thread] %date{ISO8601} %F:%L - %msg%n</pattern></encoder>
  </appender>
  <appender name="STDOUT" class="ch.qos.logback.core.ConsoleAppender">
    <filter class="ch.qos.logback.classic.filter.ThresholdFilter"><level>WARN</level></filter>
    <encoder><pattern>%-5level [%thread] %date{ISO8601} %F:%L - %msg%n</pattern></encoder>
  </appender>
  <root level="INFO">
    <appender-ref ref="FILE" />
    <appender-ref ref="STDOUT" />
  </root>
</configuration>
EOF
}

# A real CQL request over the native protocol (v4): STARTUP, then a query of system.local; succeeds
# once the node answers it with rows.
ping() {
  "$NODE" -e '
const net = require("node:net");
const [host, port] = [process.argv[1], Number(process.argv[2])];
const frame = (stream, opcode, body) => {
  const header = Buffer.alloc(9);
  header.writeUInt8(0x04, 0); // request, protocol v4
  header.writeInt16BE(stream, 2);
  header.writeUInt8(opcode, 4);
  header.writeInt32BE(body.length, 5);
  return Buffer.concat([header, body]);
};
const str = (s, bytes = 2) => {
  const b = Buffer.from(s);
  const n = Buffer.alloc(bytes);
  bytes === 2 ? n.writeUInt16BE(b.length) : n.writeInt32BE(b.length);
  return Buffer.concat([n, b]);
};
const startup = frame(1, 0x01, Buffer.concat([Buffer.from([0, 1]), str("CQL_VERSION"), str("3.0.0")]));
const query = frame(2, 0x07, Buffer.concat([str("SELECT release_version FROM system.local", 4), Buffer.from([0, 1, 0])]));
const socket = net.connect({ host, port });
const fail = () => { socket.destroy(); process.exit(1); };
socket.setTimeout(5000, fail);
socket.on("error", fail);
socket.on("connect", () => socket.write(startup));
let data = Buffer.alloc(0);
socket.on("data", (chunk) => {
  data = Buffer.concat([data, chunk]);
  while (data.length >= 9 && data.length >= 9 + data.readInt32BE(5)) {
    const opcode = data.readUInt8(4);
    const stream = data.readInt16BE(2);
    data = data.subarray(9 + data.readInt32BE(5));
    if (stream === 1 && opcode === 0x02) socket.write(query); // READY
    else if (stream === 2 && opcode === 0x08) { socket.destroy(); process.exit(0); } // RESULT
    else fail();
  }
});
' "$HOST" "$PORT" >/dev/null 2>&1
}

start() {
  local pid
  if pid="$(running_pid)"; then
    log "already running (pid $pid) on $HOST:$PORT"
    return 0
  fi
  if ping; then
    log "a node already answers on $HOST:$PORT (not started by this script); using it"
    return 0
  fi
  command -v java >/dev/null || { echo "cassandra: java is not installed (Java 17 needed)" >&2; exit 1; }
  command -v mvn >/dev/null || { echo "cassandra: mvn is not installed" >&2; exit 1; }
  local started=$SECONDS cp jamm
  cp="$(classpath)"
  jamm="$(tr ':' '\n' <<<"$cp" | grep '/jamm-[^/]*\.jar$' | head -n 1)"
  write_config
  log "starting $VERSION on $HOST:$PORT (logs: $LOG_DIR)"
  (
    # The node keeps none of the caller's other descriptors: a pipe it held open would keep
    # whoever reads that pipe (a test's execFile, CI's log capture) waiting until the node exits.
    for fd in /proc/self/fd/*; do
      fd="${fd##*/}"
      if [ "$fd" -gt 2 ]; then eval "exec $fd>&-" 2>/dev/null || true; fi
    done
    # Its own process group, so that stop reaches every process it forks.
    # The JPMS options are those Cassandra 5.0 ships for Java 17 (conf/jvm17-server.options).
    # shellcheck disable=SC2086 # HEAP holds several options
    exec setsid nohup java $HEAP -Xss256k -XX:+UseG1GC -XX:MaxGCPauseMillis=300 \
      -XX:+ParallelRefProcEnabled -XX:MaxTenuringThreshold=1 -XX:G1HeapRegionSize=4m \
      -XX:MaxDirectMemorySize=512m -XX:+ExitOnOutOfMemoryError \
      -XX:CICompilerCount=2 -XX:ParallelGCThreads=2 -XX:ConcGCThreads=1 \
      -Djava.awt.headless=true -Djava.net.preferIPv4Stack=true \
      -Djdk.attach.allowAttachSelf=true \
      --add-exports java.base/jdk.internal.misc=ALL-UNNAMED \
      --add-exports java.management.rmi/com.sun.jmx.remote.internal.rmi=ALL-UNNAMED \
      --add-exports java.rmi/sun.rmi.registry=ALL-UNNAMED \
      --add-exports java.rmi/sun.rmi.server=ALL-UNNAMED \
      --add-exports java.sql/java.sql=ALL-UNNAMED \
      --add-exports java.base/java.lang.ref=ALL-UNNAMED \
      --add-exports jdk.unsupported/sun.misc=ALL-UNNAMED \
      --add-exports jdk.compiler/com.sun.tools.javac.file=ALL-UNNAMED \
      --add-exports jdk.attach/sun.tools.attach=ALL-UNNAMED \
      --add-opens java.base/java.lang.module=ALL-UNNAMED \
      --add-opens java.base/jdk.internal.loader=ALL-UNNAMED \
      --add-opens java.base/jdk.internal.ref=ALL-UNNAMED \
      --add-opens java.base/jdk.internal.reflect=ALL-UNNAMED \
      --add-opens java.base/jdk.internal.math=ALL-UNNAMED \
      --add-opens java.base/jdk.internal.module=ALL-UNNAMED \
      --add-opens java.base/jdk.internal.util.jar=ALL-UNNAMED \
      --add-opens jdk.management/com.sun.management.internal=ALL-UNNAMED \
      --add-opens java.base/sun.nio.ch=ALL-UNNAMED \
      --add-opens java.base/java.io=ALL-UNNAMED \
      --add-opens java.base/java.lang.reflect=ALL-UNNAMED \
      --add-opens jdk.compiler/com.sun.tools.javac=ALL-UNNAMED \
      --add-opens java.base/java.lang=ALL-UNNAMED \
      --add-opens java.base/java.util=ALL-UNNAMED \
      -Dio.netty.tryReflectionSetAccessible=true \
      -Dio.netty.allocator.useCacheForAllThreads=true -Dio.netty.allocator.maxOrder=11 \
      ${jamm:+-javaagent:$jamm} \
      -Dcassandra.config="file://$YAML" -Dlogback.configurationFile="$LOGBACK" \
      -Dcassandra.logdir="$LOG_DIR" -Dcassandra.storagedir="$DIR" -Dcassandra.triggers_dir="$DIR/triggers" \
      -Dcassandra-foreground=yes -Dcassandra.skip_wait_for_gossip_to_settle=0 \
      -Dcassandra.ring_delay_ms=0 -Dcassandra.superuser_setup_delay_ms=0 \
      -cp "$cp" org.apache.cassandra.service.CassandraDaemon >"$LOG_FILE" 2>&1 </dev/null
  ) &
  pid=$!
  echo "$pid" >"$PID_FILE"
  local deadline=$((SECONDS + TIMEOUT))
  until ping; do
    if ! kill -0 "$pid" 2>/dev/null; then
      tail -n 40 "$LOG_FILE" >&2
      rm -f "$PID_FILE"
      echo "cassandra: the node exited during startup (log above, $LOG_FILE and $LOG_DIR/system.log)" >&2
      exit 1
    fi
    if [ "$SECONDS" -ge "$deadline" ]; then
      tail -n 40 "$LOG_DIR/system.log" >&2 || true
      echo "cassandra: no CQL answer on $HOST:$PORT after ${TIMEOUT}s (log above); stopping it" >&2
      stop >&2
      exit 1
    fi
    sleep 1
  done
  log "ready on $HOST:$PORT (pid $pid) after $((SECONDS - started))s"
}

stop() {
  local pid
  if ! pid="$(running_pid)"; then
    rm -f "$PID_FILE"
    log "not running"
    return 0
  fi
  log "stopping (pid $pid)"
  # setsid made the node a process group leader with its pid as the group id.
  kill -TERM -- "-$pid" 2>/dev/null || kill -TERM "$pid" 2>/dev/null || true
  local i
  for i in $(seq 1 60); do
    kill -0 "$pid" 2>/dev/null || break
    sleep 0.5
  done
  if kill -0 "$pid" 2>/dev/null; then
    log "still running after 30s: SIGKILL"
    kill -KILL -- "-$pid" 2>/dev/null || kill -KILL "$pid" 2>/dev/null || true
  fi
  rm -f "$PID_FILE"
  log "stopped"
}

status() {
  local pid
  if pid="$(running_pid)"; then
    if ping; then
      log "running (pid $pid), answering on $HOST:$PORT"
    else
      log "running (pid $pid), not answering on $HOST:$PORT yet"
    fi
    return 0
  fi
  if ping; then
    log "not started by this script, but a node answers on $HOST:$PORT"
    return 0
  fi
  log "not running"
  return 3
}

case "${1:-}" in
start) start ;;
stop) stop ;;
status) status ;;
reset)
  stop
  rm -rf "$DIR/data" "$DIR/commitlog" "$DIR/hints" "$DIR/saved_caches" "$DIR/cdc_raw"
  log "data deleted"
  ;;
*)
  echo "usage: scripts/cassandra.sh start|stop|status|reset" >&2
  exit 2
  ;;
esac
