#!/usr/bin/env bash
# The needle benchmark through the OpenSearch plugin on a real 3-node cluster beside the library
# in-process, from one command (run from anywhere):
#
#   bash lucene-multivector-opensearch/src/test/cluster/cluster-bench.sh [bench options, e.g. --pages 200]
#
# Builds the plugin zip and the bench, fetches the OpenSearch 3.8.0 distribution from Maven Central,
# starts 3 nodes on 127.0.0.1 (ports 19200-19202, 19300-19302), runs `BenchMain cluster`, writes
# bench-results/cluster.md, and stops every node it started. The cluster's data folder is deleted.
set -euo pipefail
root=$(cd "$(dirname "$0")/../../../.." && pwd)
cd "$root"
mvn -B -q -DskipTests -pl lucene-multivector-opensearch,lucene-multivector-bench -am install
mvn -B -q -pl lucene-multivector-opensearch dependency:copy@real-cluster-distribution
mvn -B -q -pl lucene-multivector-bench dependency:build-classpath -Dmdep.outputFile=target/bench-classpath.txt

version=$(sed -n 's:.*<real-cluster.version>\(.*\)</real-cluster.version>.*:\1:p' lucene-multivector-opensearch/pom.xml)
dist_zip=$root/lucene-multivector-opensearch/target/real-cluster-dist/opensearch-$version.zip
plugin_zip=$(echo "$root"/lucene-multivector-opensearch/target/lucene-multivector-opensearch-*.zip)
work=$root/lucene-multivector-opensearch/target/cluster-bench
http_base=${REAL_CLUSTER_HTTP_PORT:-19200}
transport_base=${REAL_CLUSTER_TRANSPORT_PORT:-19300}
nodes=3
delete_work_on_exit=true
source "$(dirname "$0")/cluster.sh"

for ((i = 0; i < nodes; i++)); do start_node "$i"; done
wait_for $nodes green "$http_base"
"$jdk/bin/java" -Xmx4g --add-modules jdk.incubator.vector \
  -cp "lucene-multivector-bench/target/classes:lucene-multivector/target/classes:$(cat lucene-multivector-bench/target/bench-classpath.txt)" \
  dev.multivector.bench.BenchMain cluster --url "http://127.0.0.1:$http_base" "$@"
