#!/usr/bin/env bash
# A local single-node Apache Kafka broker (KRaft: broker and controller in one JVM) on
# 127.0.0.1:9092, for development and CI (Weir is tested against a real broker, never a mock).
#
#   scripts/kafka.sh start    resolve Kafka with Maven (kafka/pom.xml, cached in ~/.m2), format the
#                             storage once, start the broker and wait until it answers a request
#   scripts/kafka.sh stop     SIGTERM, wait, then SIGKILL
#   scripts/kafka.sh status   running or not (exit 0 when running, 3 when not)
#   scripts/kafka.sh reset    stop and delete the broker's data (topics, offsets)
#
# Everything lives in .kafka/ (gitignored): classpath, server.properties, data, pid and log.
# Environment: KAFKA_START_TIMEOUT (seconds, default 90), KAFKA_HEAP_OPTS (default -Xmx512m -Xms256m),
# and, for a second broker beside the first (tests that stop and restart a broker use one of their
# own), KAFKA_DIR (default .kafka), KAFKA_PORT (9092) and KAFKA_CONTROLLER_PORT (9093).
set -euo pipefail

ROOT="$(cd "$(dirname "$0")/.." && pwd)"
DIR="${KAFKA_DIR:-$ROOT/.kafka}"
POM="$ROOT/kafka/pom.xml"
CLASSPATH_FILE="$ROOT/.kafka/classpath.txt"
PID_FILE="$DIR/kafka.pid"
LOG_FILE="$DIR/kafka.log"
DATA_DIR="$DIR/data"
PROPS="$DIR/server.properties"
LOG4J="$DIR/log4j2.properties"
HOST=127.0.0.1
PORT="${KAFKA_PORT:-9092}"
CONTROLLER_PORT="${KAFKA_CONTROLLER_PORT:-9093}"
TIMEOUT="${KAFKA_START_TIMEOUT:-90}"
HEAP="${KAFKA_HEAP_OPTS:--Xmx512m -Xms256m}"

if [ -x "$ROOT/node_modules/.bin/node" ]; then NODE="$ROOT/node_modules/.bin/node"; else NODE=node; fi

log() { echo "kafka: $*"; }

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

# The classpath from Maven, recomputed when the pom changes.
classpath() {
  mkdir -p "$DIR" "$(dirname "$CLASSPATH_FILE")"
  if [ ! -s "$CLASSPATH_FILE" ] || [ "$POM" -nt "$CLASSPATH_FILE" ]; then
    log "resolving Apache Kafka with Maven (kafka/pom.xml)..." >&2
    if ! mvn -q -B -f "$POM" dependency:build-classpath -Dmdep.outputFile="$CLASSPATH_FILE.tmp" >"$DIR/mvn.log" 2>&1; then
      tail -n 30 "$DIR/mvn.log" >&2
      echo "kafka: Maven could not resolve kafka/pom.xml (log: $DIR/mvn.log)" >&2
      exit 1
    fi
    mv "$CLASSPATH_FILE.tmp" "$CLASSPATH_FILE"
  fi
  cat "$CLASSPATH_FILE"
}

write_config() {
  mkdir -p "$DATA_DIR"
  cat >"$PROPS" <<EOF
# Written by scripts/kafka.sh: a single-node KRaft broker+controller for development and tests.
process.roles=broker,controller
node.id=1
controller.quorum.voters=1@$HOST:$CONTROLLER_PORT
listeners=PLAINTEXT://$HOST:$PORT,CONTROLLER://$HOST:$CONTROLLER_PORT
advertised.listeners=PLAINTEXT://$HOST:$PORT
controller.listener.names=CONTROLLER
inter.broker.listener.name=PLAINTEXT
listener.security.protocol.map=PLAINTEXT:PLAINTEXT,CONTROLLER:PLAINTEXT
log.dirs=$DATA_DIR
num.partitions=1
default.replication.factor=1
min.insync.replicas=1
offsets.topic.replication.factor=1
offsets.topic.num.partitions=3
transaction.state.log.replication.factor=1
transaction.state.log.min.isr=1
transaction.state.log.num.partitions=3
share.coordinator.state.topic.replication.factor=1
share.coordinator.state.topic.min.isr=1
group.initial.rebalance.delay.ms=0
auto.create.topics.enable=true
delete.topic.enable=true
log.retention.hours=24
log.segment.bytes=67108864
EOF
  cat >"$LOG4J" <<'EOF'
status = warn
appender.out.type = Console
appender.out.name = STDOUT
appender.out.layout.type = PatternLayout
appender.out.layout.pattern = [%d] %p %m (%c)%n
rootLogger.level = INFO
rootLogger.appenderRef.out.ref = STDOUT
logger.kafka.name = kafka
logger.kafka.level = WARN
logger.apache.name = org.apache.kafka
logger.apache.level = WARN
logger.server.name = kafka.server.KafkaRaftServer
logger.server.level = INFO
EOF
}

# A real Kafka request: Metadata v0 over the wire; succeeds once the broker lists itself.
ping() {
  "$NODE" -e '
const net = require("node:net");
const [host, port] = [process.argv[1], Number(process.argv[2])];
const clientId = Buffer.from("weir-kafka-sh");
const body = Buffer.alloc(2 + 2 + 4 + 2 + clientId.length + 4);
let o = body.writeInt16BE(3, 0); // api key: Metadata
o = body.writeInt16BE(0, o); // version 0
o = body.writeInt32BE(1, o); // correlation id
o = body.writeInt16BE(clientId.length, o);
o += clientId.copy(body, o);
body.writeInt32BE(0, o); // no topics: all of them
const size = Buffer.alloc(4);
size.writeInt32BE(body.length);
const socket = net.connect({ host, port });
const fail = () => { socket.destroy(); process.exit(1); };
socket.setTimeout(2000, fail);
socket.on("error", fail);
socket.on("connect", () => socket.write(Buffer.concat([size, body])));
let data = Buffer.alloc(0);
socket.on("data", (chunk) => {
  data = Buffer.concat([data, chunk]);
  if (data.length < 4 || data.length < 4 + data.readInt32BE(0)) return;
  const brokers = data.readInt32BE(8); // after size and correlation id
  socket.destroy();
  process.exit(data.readInt32BE(4) === 1 && brokers >= 1 ? 0 : 1);
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
    log "a broker already answers on $HOST:$PORT (not started by this script); using it"
    return 0
  fi
  command -v java >/dev/null || { echo "kafka: java is not installed (Java 17+ needed)" >&2; exit 1; }
  command -v mvn >/dev/null || { echo "kafka: mvn is not installed" >&2; exit 1; }
  local started=$SECONDS cp
  cp="$(classpath)"
  write_config
  if [ ! -f "$DATA_DIR/meta.properties" ]; then
    local cluster_id
    cluster_id="$(java -cp "$cp" kafka.tools.StorageTool random-uuid 2>/dev/null | tail -n 1)"
    log "formatting $DATA_DIR (cluster id $cluster_id)"
    if ! java -Dlog4j2.configurationFile="$LOG4J" -cp "$cp" kafka.tools.StorageTool format \
      -t "$cluster_id" -c "$PROPS" >"$DIR/format.log" 2>&1; then
      cat "$DIR/format.log" >&2
      echo "kafka: formatting the storage failed" >&2
      exit 1
    fi
  fi
  log "starting on $HOST:$PORT (log: $LOG_FILE)"
  (
    # The broker keeps none of the caller's other descriptors: a pipe it held open would keep
    # whoever reads that pipe (a test's execFile, CI's log capture) waiting until the broker exits.
    for fd in /proc/self/fd/*; do
      fd="${fd##*/}"
      if [ "$fd" -gt 2 ]; then eval "exec $fd>&-" 2>/dev/null || true; fi
    done
    # shellcheck disable=SC2086 # HEAP holds several options
    exec nohup java $HEAP -XX:+UseG1GC -XX:MaxGCPauseMillis=20 -Djava.awt.headless=true \
      -Dlog4j2.configurationFile="$LOG4J" -Dkafka.logs.dir="$DIR" \
      -cp "$cp" kafka.Kafka "$PROPS" >"$LOG_FILE" 2>&1 </dev/null
  ) &
  echo $! >"$PID_FILE"
  pid=$!
  local deadline=$((SECONDS + TIMEOUT))
  until ping; do
    if ! kill -0 "$pid" 2>/dev/null; then
      tail -n 40 "$LOG_FILE" >&2
      rm -f "$PID_FILE"
      echo "kafka: the broker exited during startup (log above, $LOG_FILE)" >&2
      exit 1
    fi
    if [ "$SECONDS" -ge "$deadline" ]; then
      tail -n 40 "$LOG_FILE" >&2
      echo "kafka: no answer on $HOST:$PORT after ${TIMEOUT}s (log above); stopping it" >&2
      stop >&2
      exit 1
    fi
    sleep 0.5
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
  kill -TERM "$pid" 2>/dev/null || true
  local i
  for i in $(seq 1 60); do
    kill -0 "$pid" 2>/dev/null || break
    sleep 0.5
  done
  if kill -0 "$pid" 2>/dev/null; then
    log "still running after 30s: SIGKILL"
    kill -KILL "$pid" 2>/dev/null || true
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
    log "not started by this script, but a broker answers on $HOST:$PORT"
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
  rm -rf "$DATA_DIR"
  log "data deleted"
  ;;
*)
  echo "usage: scripts/kafka.sh start|stop|status|reset" >&2
  exit 2
  ;;
esac
