package dev.multivector.bench.metrics;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;

import dev.multivector.bench.data.Qrels;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;

class MetricsTest {
  private static final double EPS = 1e-9;

  private static double log2(int x) {
    return Math.log(x) / Math.log(2);
  }

  /**
   * Judged: a=3, b=2, c=1, d=0 (judged non-relevant); e unjudged. Ranking: d, a, e, c, b.
   *
   * <p>DCG@3 = 0/log2(2) + 3/log2(3) + 0/log2(4) = 3/1.58496 = 1.89279. Ideal order a, b, c:
   * IDCG@3 = 3/1 + 2/1.58496 + 1/2 = 3 + 1.26186 + 0.5 = 4.76186. nDCG@3 = 0.39749.
   *
   * <p>DCG@5 adds c at rank 4 (1/log2(5) = 0.43068) and b at rank 5 (2/log2(6) = 0.77371):
   * 3.09718; IDCG@5 = IDCG@3 (only three relevant documents): nDCG@5 = 0.65042.
   */
  @Test
  void ndcgByHand() {
    Map<String, Integer> gains = Map.of("a", 3, "b", 2, "c", 1, "d", 0);
    List<String> ranking = List.of("d", "a", "e", "c", "b");
    double idcg = 3 + 2 / log2(3) + 1 / log2(4);
    assertEquals(3 / log2(3) / idcg, Metrics.ndcg(ranking, gains, 3), EPS);
    assertEquals(0.39749, Metrics.ndcg(ranking, gains, 3), 1e-5);
    assertEquals(0.65042, Metrics.ndcg(ranking, gains, 5), 1e-5);
    assertEquals(0.65042, Metrics.ndcg(ranking, gains, 10), 1e-5); // ranking shorter than k
    assertEquals(1.0, Metrics.ndcg(List.of("a", "b", "c", "d"), gains, 10), EPS);
    assertEquals(0.0, Metrics.ndcg(List.of("d", "e"), gains, 10), EPS);
  }

  /** The ideal ranking uses all judged labels, not only those retrieved. */
  @Test
  void ndcgIdealFromAllLabels() {
    Map<String, Integer> gains = Map.of("a", 1, "b", 1);
    // only a retrieved, at rank 1: DCG = 1; IDCG = 1 + 1/log2(3) = 1.63093; nDCG = 0.61315
    assertEquals(0.61315, Metrics.ndcg(List.of("a", "x"), gains, 10), 1e-5);
    assertEquals(0.0, Metrics.ndcg(List.of("a"), Map.of("a", 0), 10), EPS); // nothing relevant
  }

  @Test
  void hit() {
    Map<String, Integer> gains = Map.of("a", 2, "d", 0);
    List<String> ranking = List.of("d", "x", "a");
    assertEquals(0.0, Metrics.hit(ranking, gains, 1), EPS); // d is judged but not relevant
    assertEquals(0.0, Metrics.hit(ranking, gains, 2), EPS);
    assertEquals(1.0, Metrics.hit(ranking, gains, 3), EPS);
    assertEquals(1.0, Metrics.hit(ranking, gains, 20), EPS);
  }

  /** Relevant: a, b, c, e (4); d judged non-relevant. */
  @Test
  void recallAgainstLabels() {
    Map<String, Integer> gains = Map.of("a", 1, "b", 4, "c", 2, "d", 0, "e", 1);
    List<String> ranking = List.of("b", "d", "x", "a", "c");
    assertEquals(1 / 4.0, Metrics.recall(ranking, gains, 1), EPS);
    assertEquals(1 / 4.0, Metrics.recall(ranking, gains, 3), EPS);
    assertEquals(3 / 4.0, Metrics.recall(ranking, gains, 5), EPS);
    assertEquals(3 / 4.0, Metrics.recall(ranking, gains, 100), EPS);
    assertEquals(0.0, Metrics.recall(ranking, Map.of("d", 0), 100), EPS);
  }

  @Test
  void recallVsExactTopK() {
    List<Integer> exact = List.of(7, 3, 9, 1, 4);
    List<Integer> approx = List.of(3, 8, 7, 4, 2);
    // top-3: exact {7,3,9}, approx {3,8,7}: 2 of 3
    assertEquals(2 / 3.0, Metrics.recallVsExact(approx, exact, 3), EPS);
    // top-5: exact {7,3,9,1,4}, approx {3,8,7,4,2}: 3 of 5
    assertEquals(3 / 5.0, Metrics.recallVsExact(approx, exact, 5), EPS);
    // fewer exact results than k (collection of 5 docs, k = 10): denominator 5
    assertEquals(3 / 5.0, Metrics.recallVsExact(approx, exact, 10), EPS);
    // approximate list shorter than k
    assertEquals(1 / 3.0, Metrics.recallVsExact(List.of(9), exact, 3), EPS);
    assertEquals(1.0, Metrics.recallVsExact(exact, exact, 5), EPS);
  }

  @Test
  void meanOverQueriesWithRelevantDocuments() {
    Qrels qrels =
        new Qrels(
            Map.of(
                "q1", Map.of("a", 1),
                "q2", Map.of("b", 1),
                "q3", Map.of("c", 0))); // q3 has no relevant document: not averaged
    Map<String, List<String>> rankings =
        Map.of("q1", List.of("a"), "q3", List.of("c")); // q2 missing: scores 0
    assertEquals(0.5, Metrics.mean(qrels, rankings, (r, g) -> Metrics.hit(r, g, 10)), EPS);
  }

  @Test
  void rejectsBadK() {
    assertThrows(IllegalArgumentException.class, () -> Metrics.ndcg(List.of(), Map.of(), 0));
  }
}
