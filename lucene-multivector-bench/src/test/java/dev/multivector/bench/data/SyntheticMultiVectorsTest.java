package dev.multivector.bench.data;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.multivector.lucene.MaxSimReference;
import java.util.Arrays;
import org.junit.jupiter.api.Test;

class SyntheticMultiVectorsTest {

  @Test
  void colbertLikeShapes() {
    VectorDataset ds = SyntheticMultiVectors.generate(SyntheticMultiVectors.colbertLike(300, 40, 1));
    assertEquals(300, ds.documents().size());
    assertEquals(40, ds.queries().size());
    assertEquals(128, ds.dimension());
    int[] lengths = ds.documents().stream().mapToInt(m -> m.length).sorted().toArray();
    assertTrue(lengths[0] >= 30 && lengths[lengths.length - 1] <= 180, Arrays.toString(lengths));
    int median = lengths[lengths.length / 2];
    assertTrue(median >= 55 && median <= 85, "median " + median);
    assertTrue(ds.queries().stream().allMatch(q -> q.length == 32));
    ds.documents().forEach(SyntheticMultiVectorsTest::assertUnitRows);
    ds.queries().forEach(SyntheticMultiVectorsTest::assertUnitRows);
    assertEquals(40, ds.qrels().queryIds().size());
  }

  @Test
  void colpaliLikeShapes() {
    VectorDataset ds = SyntheticMultiVectors.generate(SyntheticMultiVectors.colpaliLike(5, 3, 1));
    assertTrue(ds.documents().stream().allMatch(m -> m.length == 1024 && m[0].length == 128));
    assertTrue(ds.queries().stream().allMatch(q -> q.length == 20 && q[0].length == 128));
    assertUnitRows(ds.documents().get(4));
  }

  @Test
  void seeded() {
    VectorDataset a = SyntheticMultiVectors.generate(SyntheticMultiVectors.colbertLike(50, 5, 9));
    VectorDataset b = SyntheticMultiVectors.generate(SyntheticMultiVectors.colbertLike(50, 5, 9));
    VectorDataset c = SyntheticMultiVectors.generate(SyntheticMultiVectors.colbertLike(50, 5, 10));
    for (int d = 0; d < 50; d++) {
      assertTrue(Arrays.deepEquals(a.documents().get(d), b.documents().get(d)));
    }
    for (int q = 0; q < 5; q++) {
      assertTrue(Arrays.deepEquals(a.queries().get(q), b.queries().get(q)));
      assertEquals(a.qrels().gains(a.queryIds().get(q)), b.qrels().gains(b.queryIds().get(q)));
    }
    assertFalse(Arrays.deepEquals(a.documents().get(0), c.documents().get(0)));
  }

  /** The query's target document is its exact MaxSim top-1 (the labels mean something). */
  @Test
  void targetIsTheMaxSimTop1() {
    VectorDataset ds = SyntheticMultiVectors.generate(SyntheticMultiVectors.colbertLike(500, 30, 3));
    int hits = 0;
    for (int q = 0; q < ds.queries().size(); q++) {
      float[][] query = ds.queries().get(q);
      int best = -1;
      double bestScore = Double.NEGATIVE_INFINITY;
      for (int d = 0; d < ds.documents().size(); d++) {
        double s = MaxSimReference.maxSim(query, ds.documents().get(d));
        if (s > bestScore) {
          bestScore = s;
          best = d;
        }
      }
      if (ds.qrels().gains(ds.queryIds().get(q)).containsKey(ds.docIds().get(best))) {
        hits++;
      }
    }
    assertTrue(hits >= 27, "target was top-1 for " + hits + " of 30 queries");
  }

  /**
   * With topics, the exact MaxSim top 10 are documents of the query's topic, and the documents
   * drawn with a larger topic share (higher gain) rank higher on average.
   */
  @Test
  void topicsGiveGradedRelevance() {
    var config =
        new SyntheticMultiVectors.Config(
            "topics", 2000, 20, 64, 30, 70, 180, 32, 2048, 0.4f, 0.6f, 5,
            new SyntheticMultiVectors.Topics(100, 32, 0.3f, 0.7f, 0.75f));
    VectorDataset ds = SyntheticMultiVectors.generate(config);
    int onTopic = 0;
    int possible = 0;
    double[] meanRankByGain = new double[4];
    int[] countByGain = new int[4];
    for (int q = 0; q < ds.queries().size(); q++) {
      float[][] query = ds.queries().get(q);
      var gains = ds.qrels().gains(ds.queryIds().get(q));
      assertTrue(gains.size() >= 5, "topic of query " + q + " has " + gains.size() + " documents");
      possible += Math.min(10, gains.size());
      Integer[] order = new Integer[ds.documents().size()];
      double[] scores = new double[order.length];
      for (int d = 0; d < order.length; d++) {
        order[d] = d;
        scores[d] = MaxSimReference.maxSim(query, ds.documents().get(d));
      }
      Arrays.sort(order, (a, b) -> Double.compare(scores[b], scores[a]));
      for (int r = 0; r < order.length; r++) {
        Integer gain = gains.get(ds.docIds().get(order[r]));
        if (gain != null) {
          assertTrue(gain >= 1 && gain <= 3, "gain " + gain);
          meanRankByGain[gain] += r;
          countByGain[gain]++;
          if (r < 10) {
            onTopic++;
          }
        }
      }
    }
    assertTrue(onTopic >= 0.95 * possible, onTopic + " of " + possible + " possible exact top-10 documents are on topic");
    for (int g = 1; g <= 3; g++) {
      meanRankByGain[g] /= countByGain[g];
    }
    assertTrue(
        meanRankByGain[3] < meanRankByGain[2] && meanRankByGain[2] < meanRankByGain[1],
        "mean exact rank by gain: " + Arrays.toString(meanRankByGain));
  }

  private static void assertUnitRows(float[][] m) {
    for (float[] v : m) {
      double norm = 0;
      for (float x : v) {
        norm += x * x;
      }
      assertEquals(1.0, Math.sqrt(norm), 1e-5);
    }
  }

  @Test
  void sameDataTwiceIsEqual() {
    float[][] x = SyntheticMultiVectors.generate(SyntheticMultiVectors.colpaliLike(1, 1, 5)).queries().get(0);
    float[][] y = SyntheticMultiVectors.generate(SyntheticMultiVectors.colpaliLike(1, 1, 5)).queries().get(0);
    assertArrayEquals(x[0], y[0]);
  }

  /** The scale command's stream draws what generate draws, document for document, then the same queries. */
  @Test
  void streamDrawsAsGenerate() {
    SyntheticMultiVectors.Config config =
        new SyntheticMultiVectors.Config("stream", 500, 7, 16, 5, 10, 20, 4, 64, 0.4f, 0.6f, 3, new SyntheticMultiVectors.Topics(25, 8, 0.3f, 0.7f, 0.75f));
    VectorDataset all = SyntheticMultiVectors.generate(config);
    SyntheticMultiVectors.DocumentStream stream = new SyntheticMultiVectors.DocumentStream(config);
    assertEquals(500, stream.size());
    for (int d = 0; d < 500; d++) {
      SyntheticMultiVectors.Document doc = stream.next();
      assertEquals(d, doc.number());
      assertEquals(all.docIds().get(d), doc.id());
      assertTrue(Arrays.deepEquals(all.documents().get(d), doc.tokens()));
    }
    assertEquals(null, stream.next());
    VectorDataset queries = stream.queries();
    assertTrue(queries.documents().isEmpty());
    assertEquals(all.queryIds(), queries.queryIds());
    assertTrue(Arrays.deepEquals(all.queries().toArray(), queries.queries().toArray()));
    assertEquals(all.qrels(), queries.qrels());
    org.junit.jupiter.api.Assertions.assertThrows(IllegalStateException.class, () -> new SyntheticMultiVectors.DocumentStream(config).queries());
  }
}
