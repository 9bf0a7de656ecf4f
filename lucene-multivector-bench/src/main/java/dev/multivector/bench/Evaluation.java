package dev.multivector.bench;

import dev.multivector.bench.data.VectorDataset;
import dev.multivector.bench.encoder.ProgressBar;
import dev.multivector.bench.metrics.Metrics;
import java.io.IOException;
import java.lang.management.ManagementFactory;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import org.apache.lucene.search.IndexSearcher;
import org.apache.lucene.search.ScoreDoc;
import org.apache.lucene.search.TopDocs;

/**
 * Runs strategies over a data set's queries the luceneutil way: a warm-up pass, then a timed pass,
 * one query at a time; quality against the labels and against the exact top k.
 */
final class Evaluation {

  /** How deep every strategy ranks: Recall@100 needs 100. */
  static final int DEPTH = 100;

  private static final long WARMUP_NANOS = 3_000_000_000L;

  /** A named quality metric at a depth, such as Hit@20 or nDCG@10. */
  record Quality(String name, Metrics.Metric metric) {
    static Quality hit(int k) {
      return new Quality("Hit@" + k, (ranking, gains) -> Metrics.hit(ranking, gains, k));
    }

    static Quality ndcg(int k) {
      return new Quality("nDCG@" + k, (ranking, gains) -> Metrics.ndcg(ranking, gains, k));
    }

    static Quality recall(int k) {
      return new Quality("Recall@" + k, (ranking, gains) -> Metrics.recall(ranking, gains, k));
    }
  }

  /** One row of the results table. */
  record Result(
      Strategy strategy,
      Map<String, Double> quality,
      double recallVsExact,
      double p50Millis,
      double p99Millis,
      double qps,
      double cpuMillisPerQuery,
      double indexSeconds,
      double indexMegabytes,
      double bytesPerToken,
      long storedTokens) {

    /** The quality named {@code name}, or the recall against the exact top k for "recall". */
    double value(String name) {
      return name.equals(RECALL_VS_EXACT) ? recallVsExact : quality.get(name);
    }
  }

  /** The chart's name for the recall against the exact top k. */
  static final String RECALL_VS_EXACT = "recall vs exact";

  private final VectorDataset data;
  private final List<Quality> qualities;
  private final int exactK;

  /** @param exactK the depth of the recall against the exact top k (recall@exactK) */
  Evaluation(VectorDataset data, List<Quality> qualities, int exactK) {
    this.data = data;
    this.qualities = qualities;
    this.exactK = exactK;
  }

  /** Each query's ranking of dataset document ids, top {@link #DEPTH}; no timing. */
  Map<String, List<String>> rankings(Strategy strategy, BenchIndex index, IndexSearcher searcher)
      throws IOException {
    Map<String, List<String>> rankings = new LinkedHashMap<>();
    for (int q = 0; q < data.queries().size(); q++) {
      rankings.put(data.queryIds().get(q), ids(index, strategy.search().search(searcher, data.queries().get(q), DEPTH)));
    }
    return rankings;
  }

  Result run(Strategy strategy, BenchIndex index, IndexSearcher searcher, Map<String, List<String>> exact)
      throws IOException {
    List<float[][]> queries = data.queries();
    // Warm-up: passes over the queries until the JIT has settled (at least two passes, three
    // seconds, at most twenty passes), so small data sets are not timed in the interpreter.
    long warmupStart = System.nanoTime();
    try (ProgressBar warmup = new ProgressBar("warm-up " + strategy.name() + " " + strategy.parameters(), queries.size(), "queries")) {
      for (int pass = 0;
          pass < 2 || (pass < 20 && System.nanoTime() - warmupStart < WARMUP_NANOS);
          pass++) {
        for (float[][] query : queries) {
          strategy.search().search(searcher, query, DEPTH);
          if (pass == 0) {
            warmup.advance(1);
          }
        }
      }
    }
    double[] millis = new double[queries.size()];
    Map<String, List<String>> rankings = new LinkedHashMap<>();
    var os = (com.sun.management.OperatingSystemMXBean) ManagementFactory.getOperatingSystemMXBean();
    long cpuStart = os.getProcessCpuTime();
    for (int q = 0; q < queries.size(); q++) {
      long start = System.nanoTime();
      TopDocs hits = strategy.search().search(searcher, queries.get(q), DEPTH);
      millis[q] = (System.nanoTime() - start) / 1e6;
      rankings.put(data.queryIds().get(q), ids(index, hits));
    }
    double cpuMillis = (os.getProcessCpuTime() - cpuStart) / 1e6;
    double totalMillis = Arrays.stream(millis).sum();
    Arrays.sort(millis);

    Map<String, Double> quality = new LinkedHashMap<>();
    for (Quality q : qualities) {
      quality.put(q.name(), Metrics.mean(data.qrels(), rankings, q.metric()));
    }
    double recall = 0;
    for (String query : data.queryIds()) {
      recall += Metrics.recallVsExact(rankings.get(query), exact.get(query), exactK);
    }
    return new Result(
        strategy,
        quality,
        recall / data.queryIds().size(),
        ExhaustiveLatency.percentile(millis, 50),
        ExhaustiveLatency.percentile(millis, 99),
        queries.size() * 1000.0 / totalMillis,
        cpuMillis / queries.size(),
        index.buildSeconds,
        index.totalBytes() / 1e6,
        index.storedTokens == 0 ? 0 : (double) index.totalBytes() / index.storedTokens,
        index.storedTokens);
  }

  private static List<String> ids(BenchIndex index, TopDocs hits) {
    List<String> ids = new ArrayList<>(hits.scoreDocs.length);
    for (ScoreDoc hit : hits.scoreDocs) {
      ids.add(index.datasetIds[hit.doc]);
    }
    return ids;
  }
}
