# Functions to run a real OpenSearch cluster on 127.0.0.1, sourced by real-cluster-test.sh and
# cluster-bench.sh. Before sourcing, set: dist_zip, plugin_zip, work, nodes, http_base, transport_base
# (and delete_work_on_exit=true to delete the nodes' folder at the end). It unpacks the distribution,
# installs the plugin, and traps EXIT to stop every node it started.

log() { echo "[real-cluster $(date -u +%H:%M:%S)] $*"; }

# A JDK 22+ (the library's minimum; OpenSearch 3.8 runs on it too): JAVA_HOME, else /usr/lib/jvm.
java_major() { "$1/bin/java" -XshowSettings:properties -version 2>&1 | sed -n 's/^ *java.specification.version = //p'; }
jdk=""
for candidate in "${JAVA_HOME:-}" /usr/lib/jvm/*; do
  if [[ -n "$candidate" && -x "$candidate/bin/java" ]] && (( $(java_major "$candidate") >= 22 )); then
    jdk=$candidate
    break
  fi
done
[[ -n "$jdk" ]] || { echo "no JDK 22+ found (JAVA_HOME or /usr/lib/jvm)" >&2; exit 1; }

for ((i = 0; i < nodes; i++)); do
  for port in $((http_base + i)) $((transport_base + i)); do
    if (echo > "/dev/tcp/127.0.0.1/$port") 2>/dev/null; then
      echo "port $port is in use: set REAL_CLUSTER_HTTP_PORT / REAL_CLUSTER_TRANSPORT_PORT" >&2
      exit 1
    fi
  done
done

rm -rf "$work"
mkdir -p "$work"
log "unpacking $(basename "$dist_zip")"
if command -v unzip > /dev/null; then
  unzip -q "$dist_zip" -d "$work"
else
  python3 -m zipfile -e "$dist_zip" "$work"
fi
home=$(echo "$work"/opensearch-*)
chmod -R a+rX "$home"
chmod a+x "$home"/bin/*
JAVA_HOME=$jdk "$home/bin/opensearch-plugin" install --batch "file://$plugin_zip" 2>&1 | grep -v "no-jdk" || true
[[ -d "$home/plugins/lucene-multivector" ]] || { echo "plugin install failed" >&2; exit 1; }

as_node_user=()
if [[ $EUID -eq 0 ]]; then
  as_node_user=(setpriv --reuid=nobody --regid=nogroup --clear-groups)
fi

seeds=""
managers=""
for ((i = 0; i < nodes; i++)); do
  seeds+="${seeds:+,}127.0.0.1:$((transport_base + i))"
  managers+="${managers:+,}n$i"
done

start_node() {
  local i=$1 dir=$work/n$1
  mkdir -p "$dir/data" "$dir/logs"
  if [[ ! -d "$dir/config" ]]; then
    cp -r "$home/config" "$dir/config"
    # The GC log, heap dumps and error files under the node's own folder, writable by its user.
    sed -i "s#logs/gc.log#$dir/logs/gc.log#; s#HeapDumpPath=data#HeapDumpPath=$dir/data#; s#ErrorFile=logs/#ErrorFile=$dir/logs/#" \
      "$dir/config/jvm.options"
  fi
  if [[ $EUID -eq 0 ]]; then
    chown -R nobody:nogroup "$dir"
  fi
  rm -f "$dir/pid"
  (cd "$dir" && "${as_node_user[@]}" env JAVA_HOME="$jdk" OPENSEARCH_PATH_CONF="$dir/config" \
    OPENSEARCH_JAVA_OPTS="-Xms512m -Xmx512m" "$home/bin/opensearch" -d -p "$dir/pid" \
    -Enode.name="n$i" -Ecluster.name=multivector-real-cluster -Enetwork.host=127.0.0.1 \
    -Ehttp.port=$((http_base + i)) -Etransport.port=$((transport_base + i)) \
    -Epath.data="$dir/data" -Epath.logs="$dir/logs" \
    -Ediscovery.seed_hosts="$seeds" -Ecluster.initial_cluster_manager_nodes="$managers" \
    > "$work/n$i.start.log" 2>&1 < /dev/null)
  for _ in $(seq 1 60); do
    [[ -s "$dir/pid" ]] && break
    sleep 1
  done
  [[ -s "$dir/pid" ]] || { echo "node n$i did not start:" >&2; cat "$work/n$i.start.log" >&2; return 1; }
  log "node n$i started, pid $(cat "$dir/pid")"
}

stop_all() {
  local status=$?
  for ((i = 0; i < nodes; i++)); do
    local pidfile=$work/n$i/pid
    if [[ -s "$pidfile" ]]; then
      local pid
      pid=$(cat "$pidfile")
      kill -TERM "$pid" 2>/dev/null || true
      for _ in $(seq 1 30); do kill -0 "$pid" 2>/dev/null || break; sleep 1; done
      kill -KILL "$pid" 2>/dev/null || true
      log "node n$i (pid $pid) stopped"
    fi
  done
  if [[ $status -ne 0 ]]; then
    for ((i = 0; i < nodes; i++)); do
      echo "---- last lines of n$i's log ----" >&2
      tail -n 30 "$work/n$i/logs/multivector-real-cluster.log" 2>/dev/null >&2 || true
    done
  fi
  if [[ "${delete_work_on_exit:-false}" == true ]]; then
    rm -rf "$work"
  fi
  exit $status
}
trap stop_all EXIT

# Waits until the cluster has $1 nodes and status $2 (or better).
wait_for() {
  local wanted_nodes=$1 status=$2 port=$3
  for _ in $(seq 1 180); do
    local health
    health=$(curl -s "http://127.0.0.1:$port/_cluster/health?wait_for_nodes=$wanted_nodes&wait_for_status=$status&timeout=1s" || true)
    if [[ "$health" == *'"timed_out":false'* ]]; then
      log "cluster: $wanted_nodes nodes, $status or better"
      return 0
    fi
    sleep 1
  done
  echo "cluster did not reach $wanted_nodes nodes and $status: $health" >&2
  return 1
}

