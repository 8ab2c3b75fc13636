#!/usr/bin/env bash
# broker.sh — one Apache Kafka broker in KRaft mode (broker and controller in one process, no
# ZooKeeper) on 127.0.0.1, from its Maven Central jars on the local JDK: what the streams suite
# (`npm run test:streams`) and the stream benchmark run against.
#
#   broker.sh fetch                      fetch the jars once into $KAFKA_HOME/lib (Maven)
#   broker.sh start PORT CPORT DIR       format DIR, start the broker there, wait until it listens;
#                                        prints its pid (also in DIR/pid); its log is DIR/broker.log
#   broker.sh stop DIR                   stop the broker started in DIR (by its pid) and remove DIR
#   broker.sh tool CLASS [ARGS...]       run one of Kafka's tools (org.apache.kafka.tools.CLASS)
#
# Environment: KAFKA_VERSION (default 4.4.0), KAFKA_HOME (default ~/.cache/slipway/kafka/<version>),
# KAFKA_HEAP (default 256m), KAFKA_TIMEOUT seconds to wait for the port (default 60).
set -euo pipefail

KAFKA_VERSION="${KAFKA_VERSION:-4.4.0}"
KAFKA_HOME="${KAFKA_HOME:-${XDG_CACHE_HOME:-$HOME/.cache}/slipway/kafka/$KAFKA_VERSION}"
HERE="$(cd "$(dirname "$0")" && pwd)"
CP="$KAFKA_HOME/lib/*"

log() { printf '[kafka %s] %s\n' "$(date +%T)" "$*" >&2; }
die() { log "ERROR: $*"; exit 1; }

fetch() {
  # The marker names the pom's hash: a changed pom fetches again.
  local marker
  marker="$KAFKA_HOME/lib/.complete-$(sha256sum "$HERE/pom.xml" | cut -c1-16)"
  if [ -f "$marker" ]; then return; fi
  command -v mvn >/dev/null || die "Maven (mvn) is needed to fetch the Kafka jars: apt-get install maven"
  log "fetching Apache Kafka $KAFKA_VERSION from Maven Central into $KAFKA_HOME/lib"
  mkdir -p "$KAFKA_HOME/lib"
  mvn -q -B -ntp -f "$HERE/pom.xml" -Dkafka.version="$KAFKA_VERSION" \
    dependency:copy-dependencies -DoutputDirectory="$KAFKA_HOME/lib"
  touch "$marker"
}

# Kafka's own command-line tools on the same jars, e.g.
#   broker.sh tool TopicCommand --bootstrap-server 127.0.0.1:9092 --create --topic t --partitions 3
#   broker.sh tool ConsoleProducer --bootstrap-server 127.0.0.1:9092 --topic t
#   broker.sh tool consumer.ConsoleConsumer --bootstrap-server 127.0.0.1:9092 --topic t --from-beginning
tool() {
  fetch
  local name="$1"
  shift
  exec java -cp "$CP" "org.apache.kafka.tools.$name" "$@"
}

start() {
  local port="$1" cport="$2" dir="$3"
  command -v java >/dev/null || die "a JDK (java 17+) is needed to run the Kafka broker"
  fetch
  mkdir -p "$dir/data"
  cat >"$dir/server.properties" <<PROPS
process.roles=broker,controller
node.id=1
controller.quorum.voters=1@127.0.0.1:$cport
listeners=PLAINTEXT://127.0.0.1:$port,CONTROLLER://127.0.0.1:$cport
advertised.listeners=PLAINTEXT://127.0.0.1:$port
controller.listener.names=CONTROLLER
inter.broker.listener.name=PLAINTEXT
log.dirs=$dir/data
num.partitions=1
offsets.topic.replication.factor=1
offsets.topic.num.partitions=4
transaction.state.log.replication.factor=1
transaction.state.log.min.isr=1
share.coordinator.state.topic.replication.factor=1
share.coordinator.state.topic.min.isr=1
group.initial.rebalance.delay.ms=0
auto.create.topics.enable=false
PROPS
  local id
  id="$(java -cp "$CP" kafka.tools.StorageTool random-uuid 2>/dev/null | tail -1)"
  java -cp "$CP" kafka.tools.StorageTool format -t "$id" -c "$dir/server.properties" >"$dir/format.log" 2>&1 ||
    die "formatting $dir failed: $(cat "$dir/format.log")"
  nohup java "-Xmx${KAFKA_HEAP:-256m}" -cp "$CP" kafka.Kafka "$dir/server.properties" \
    >"$dir/broker.log" 2>&1 &
  local pid=$!
  echo "$pid" >"$dir/pid"
  local deadline=$((SECONDS + ${KAFKA_TIMEOUT:-60}))
  until (exec 3<>"/dev/tcp/127.0.0.1/$port") 2>/dev/null; do
    kill -0 "$pid" 2>/dev/null || die "the broker exited; its log: $(tail -20 "$dir/broker.log")"
    [ "$SECONDS" -lt "$deadline" ] || die "the broker did not listen on 127.0.0.1:$port within ${KAFKA_TIMEOUT:-60} s"
    sleep 0.2
  done
  echo "$pid"
}

stop() {
  local dir="$1"
  if [ -f "$dir/pid" ]; then
    local pid
    pid="$(cat "$dir/pid")"
    if kill "$pid" 2>/dev/null; then
      for _ in $(seq 1 50); do kill -0 "$pid" 2>/dev/null || break; sleep 0.2; done
      kill -9 "$pid" 2>/dev/null || true
    fi
  fi
  rm -rf "$dir"
}

case "${1:-}" in
  fetch) fetch ;;
  start) [ $# -eq 4 ] || die "usage: broker.sh start PORT CONTROLLER_PORT DIR"; start "$2" "$3" "$4" ;;
  stop) [ $# -eq 2 ] || die "usage: broker.sh stop DIR"; stop "$2" ;;
  tool) [ $# -ge 2 ] || die "usage: broker.sh tool CLASS [ARGS...] (a class of org.apache.kafka.tools)"; shift; tool "$@" ;;
  *) die "usage: broker.sh fetch | start PORT CONTROLLER_PORT DIR | stop DIR | tool CLASS [ARGS...]" ;;
esac
