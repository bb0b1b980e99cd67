#!/usr/bin/env bash
# Apache Flink's reference results for the Nexmark SQL queries (test/sql/nexmark/README.md).
#
#   scripts/flink-reference.sh            all queries, q0 to q22
#   scripts/flink-reference.sh q5,q7      only these; the other manifest entries are kept
#
# 1. writes the side input of q13 (test/sql/nexmark/side_input.txt: "i,i" for i in 0..9999);
# 2. dumps 100,000 events of Weir's Nexmark generator at 1,000 events/s of event time as JSON lines
#    (test/sql/flink-reference/dump-events.ts -> test/sql/flink-reference/target/events.jsonl);
# 3. builds the Maven project test/sql/flink-reference (Flink 2.3.0 from Maven Central, cached in
#    ~/.m2) and runs it at parallelism 1 with a 2 GB heap;
# 4. writes test/sql/nexmark/expected/qN.jsonl.gz (or qN.head.jsonl.gz) and manifest.json.
#
# Idempotent: the same tree gives byte-identical outputs. Needs Java 17+, Maven and node_modules.
# Scratch files (the events and the full canonical outputs, under target/) stay out of git.
set -euo pipefail

ROOT="$(cd "$(dirname "$0")/.." && pwd)"
PROJECT="$ROOT/test/sql/flink-reference"
NEXMARK="$ROOT/test/sql/nexmark"
TARGET="$PROJECT/target"
EVENTS=100000
RATE=1000
ONLY="${1:-}"

NODE="$ROOT/node_modules/.bin/node"
[ -x "$NODE" ] || NODE="$(command -v node)"

mkdir -p "$TARGET/flink-home/data" "$NEXMARK/expected"

echo "side input: $NEXMARK/side_input.txt"
seq 0 9999 | awk '{ print $1 "," $1 }' > "$TARGET/side_input.txt"
cmp -s "$TARGET/side_input.txt" "$NEXMARK/side_input.txt" || cp "$TARGET/side_input.txt" "$NEXMARK/side_input.txt"
cp "$NEXMARK/side_input.txt" "$TARGET/flink-home/data/side_input.txt"

echo "events: $EVENTS at $RATE/s -> $TARGET/events.jsonl"
(cd "$ROOT" && NODE_OPTIONS=--conditions=weir-source "$NODE" "$PROJECT/dump-events.ts" \
  "$TARGET/events.jsonl" --events "$EVENTS" --rate "$RATE")

echo "build: $PROJECT"
mvn -B -q -f "$PROJECT/pom.xml" compile dependency:build-classpath \
  -Dmdep.outputFile="$TARGET/classpath.txt"

echo "run: Flink $(sed -n 's:.*<flink.version>\(.*\)</flink.version>.*:\1:p' "$PROJECT/pom.xml")"
java -Xmx2g -XX:ActiveProcessorCount=2 \
  -cp "$TARGET/classes:$(cat "$TARGET/classpath.txt")" dev.weir.flinkref.ReferenceRunner \
  --events "$TARGET/events.jsonl" --queries "$NEXMARK" --flink-home "$TARGET/flink-home" \
  --work "$TARGET/work" --out "$NEXMARK/expected" --rate "$RATE" ${ONLY:+--only "$ONLY"} \
  2> >(grep -v '^SLF4J' >&2)

echo "outputs: $NEXMARK/expected ($(du -sh "$NEXMARK/expected" | cut -f1))"
