#!/usr/bin/env bash
# The plugin on a real 3-node OpenSearch cluster, from the integ-test-zip distribution, on 127.0.0.1:
# install the plugin zip, start 3 nodes (as nobody when run as root: OpenSearch refuses root), run
# RealClusterCheck (create the index, bulk-index, queries equal to the library's, 400s for bad input),
# kill -9 one node, check again once the cluster is yellow, restart it, check again once green;
# then run the README's OpenSearch example against it.
# Every node started here is stopped by its pid on exit, whether the checks pass or fail.
#
# usage: real-cluster-test.sh DISTRIBUTION_ZIP PLUGIN_ZIP WORK_DIR CLASSPATH_FILE CLASSES
# (CLASSPATH_FILE: the test classpath's jars; CLASSES: the module's class folders, ':'-separated)
# Maven runs it in the integration-test phase (-DskipRealCluster=true skips it).
set -euo pipefail

dist_zip=$1
plugin_zip=$2
work=$3
classpath="$5:$(cat "$4")"
http_base=${REAL_CLUSTER_HTTP_PORT:-19200}
transport_base=${REAL_CLUSTER_TRANSPORT_PORT:-19300}
nodes=3

source "$(dirname "$0")/cluster.sh"

check() {
  "$jdk/bin/java" --add-modules jdk.incubator.vector -cp "$classpath" dev.multivector.opensearch.RealClusterCheck "$@"
}

for ((i = 0; i < nodes; i++)); do start_node "$i"; done
wait_for $nodes green "$http_base"
check index "http://127.0.0.1:$http_base"
wait_for $nodes green "$http_base"

victim=$((nodes - 1))
log "kill -9 node n$victim (pid $(cat "$work/n$victim/pid"))"
kill -KILL "$(cat "$work/n$victim/pid")"
rm -f "$work/n$victim/pid"
wait_for $((nodes - 1)) yellow "$http_base"
check verify "http://127.0.0.1:$http_base"

start_node "$victim"
wait_for $nodes green "$http_base"
check verify "http://127.0.0.1:$((http_base + victim))"

# The README's OpenSearch example, as written but for the port.
readme=$(cd "$(dirname "$0")/../../../.." && pwd)/README.md
example=$(awk '/<!-- opensearch-example/ {found = 1; next} found && /^```bash/ {inside = 1; next} inside && /^```$/ {exit} inside' "$readme")
[[ -n "$example" ]] || { echo "no opensearch-example block in $readme" >&2; exit 1; }
output=$(bash -euo pipefail -c "${example//localhost:9200/127.0.0.1:$http_base}")
searches=$(grep -o '"hits":{"total"' <<< "$output" | wc -l)
if [[ "$output" == *'"error"'* || "$output" != *'"acknowledged":true'* || "$output" != *'"errors":false'* || $searches -ne 3 ]]; then
  echo "the README's example failed:" >&2
  echo "$output" >&2
  exit 1
fi
log "README example: index created, 2 documents, 3 searches answered"
log "all checks passed"
