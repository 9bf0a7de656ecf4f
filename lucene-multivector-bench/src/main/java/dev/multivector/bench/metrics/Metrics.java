package dev.multivector.bench.metrics;

import dev.multivector.bench.data.Qrels;
import java.util.Arrays;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;

/**
 * Retrieval quality metrics over ranked lists of document ids.
 *
 * <p>Judgements are given as a map from document id to gain ({@link Qrels#gains(String)}); a
 * document is relevant when its gain is positive, and an unjudged document has gain 0.
 */
public final class Metrics {
  private Metrics() {}

  /** A per-query metric: a score of one ranking against one query's judgements. */
  @FunctionalInterface
  public interface Metric {
    double score(List<String> ranking, Map<String, Integer> gains);
  }

  /**
   * nDCG@k with linear gains and the standard discount: DCG@k = sum over ranks i = 1..k of
   * gain(doc_i) / log2(i + 1); the ideal DCG ranks all judged documents of the query by gain.
   * Returns 0 when the query has no relevant document.
   */
  public static double ndcg(List<String> ranking, Map<String, Integer> gains, int k) {
    checkK(k);
    double dcg = 0;
    for (int i = 0; i < Math.min(k, ranking.size()); i++) {
      dcg += gains.getOrDefault(ranking.get(i), 0) / log2(i + 2);
    }
    int[] ideal = gains.values().stream().mapToInt(Integer::intValue).filter(g -> g > 0).toArray();
    Arrays.sort(ideal);
    double idcg = 0;
    for (int i = 0; i < Math.min(k, ideal.length); i++) {
      idcg += ideal[ideal.length - 1 - i] / log2(i + 2);
    }
    return idcg == 0 ? 0 : dcg / idcg;
  }

  /** Hit@k: 1 if a relevant document is among the first k, else 0. */
  public static double hit(List<String> ranking, Map<String, Integer> gains, int k) {
    checkK(k);
    for (int i = 0; i < Math.min(k, ranking.size()); i++) {
      if (gains.getOrDefault(ranking.get(i), 0) > 0) {
        return 1;
      }
    }
    return 0;
  }

  /**
   * Recall@k against labels: the share of the query's relevant documents found among the first
   * k. Returns 0 when the query has no relevant document.
   */
  public static double recall(List<String> ranking, Map<String, Integer> gains, int k) {
    checkK(k);
    long relevant = gains.values().stream().filter(g -> g > 0).count();
    if (relevant == 0) {
      return 0;
    }
    Set<String> seen = new HashSet<>();
    int found = 0;
    for (int i = 0; i < Math.min(k, ranking.size()); i++) {
      String doc = ranking.get(i);
      if (seen.add(doc) && gains.getOrDefault(doc, 0) > 0) {
        found++;
      }
    }
    return (double) found / relevant;
  }

  /**
   * Recall@k of an approximate top-k against the exact top-k (luceneutil's KnnGraphTester): the
   * share of the exact first k ids that the approximate first k ids hold. When the exact list has
   * fewer than k ids (a collection smaller than k), the denominator is its length. Ties at the
   * k-th exact score are not treated specially: compare against one exact ranking.
   */
  public static <T> double recallVsExact(List<T> approximate, List<T> exact, int k) {
    checkK(k);
    Set<T> truth = new HashSet<>(exact.subList(0, Math.min(k, exact.size())));
    if (truth.isEmpty()) {
      return 1;
    }
    Set<T> found = new HashSet<>(approximate.subList(0, Math.min(k, approximate.size())));
    found.retainAll(truth);
    return (double) found.size() / truth.size();
  }

  /**
   * The mean of a metric over the queries of {@code qrels} that have at least one relevant
   * document (as trec_eval and BEIR average). A query missing from {@code rankings} scores as an
   * empty ranking.
   *
   * @param rankings query id to ranked document ids
   */
  public static double mean(Qrels qrels, Map<String, List<String>> rankings, Metric metric) {
    double sum = 0;
    int queries = 0;
    for (String query : qrels.queryIds()) {
      Map<String, Integer> gains = qrels.gains(query);
      if (gains.values().stream().anyMatch(g -> g > 0)) {
        sum += metric.score(rankings.getOrDefault(query, List.of()), gains);
        queries++;
      }
    }
    return queries == 0 ? 0 : sum / queries;
  }

  private static double log2(int x) {
    return Math.log(x) / Math.log(2);
  }

  private static void checkK(int k) {
    if (k < 1) {
      throw new IllegalArgumentException("k must be >= 1, got " + k);
    }
  }
}
