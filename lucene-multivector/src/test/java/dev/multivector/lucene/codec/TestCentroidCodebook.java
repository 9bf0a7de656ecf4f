package dev.multivector.lucene.codec;

import java.util.Random;
import org.apache.lucene.search.TaskExecutor;
import org.apache.lucene.tests.util.LuceneTestCase;
import org.apache.lucene.tests.util.TestUtil;

/**
 * {@link CentroidCodebook#assign} gives each token the nearest centroid among those of its {@value
 * CentroidCodebook#COARSE_PROBES} nearest coarse clusters, checked against a double-precision
 * search; training is the same for the same input.
 */
public class TestCentroidCodebook extends LuceneTestCase {

  public void testAssignToNearestInNearestCoarseClusters() throws Exception {
    Random random = random();
    int dimension = TestUtil.nextInt(random, 2, 40);
    int sampleSize = TestUtil.nextInt(random, 3000, 6000);
    // more than 256 centroids: several coarse clusters
    int wanted = TestUtil.nextInt(random, 300, 600);
    float[] sample = randomRows(random, sampleSize, dimension);
    CentroidCodebook codebook = train(sample, sampleSize, dimension, wanted);
    assertTrue(codebook.coarseCentroids().length / dimension >= CentroidCodebook.COARSE_PROBES);

    int n = TestUtil.nextInt(random, 1, 2000);
    float[] tokens = randomRows(random, n, dimension);
    int[] assigned = new int[n];
    codebook.assign(tokens, n, assigned);

    float[] coarse = codebook.coarseCentroids();
    int coarseCount = coarse.length / dimension;
    for (int t = 0; t < n; t++) {
      // the coarse clusters to search, and those within rounding of the last of them
      double[] coarseDistance = new double[coarseCount];
      for (int g = 0; g < coarseCount; g++) {
        coarseDistance[g] = distance(tokens, t, coarse, g, dimension);
      }
      double[] sorted = coarseDistance.clone();
      java.util.Arrays.sort(sorted);
      double last = sorted[CentroidCodebook.COARSE_PROBES - 1];
      int expected = -1;
      for (int c = 0; c < codebook.count; c++) {
        if (coarseDistance[codebook.clusterOf(c)] <= last
            && (expected < 0
                || distance(tokens, t, codebook.centroids, c, dimension)
                    < distance(tokens, t, codebook.centroids, expected, dimension))) {
          expected = c;
        }
      }
      if (assigned[t] != expected) { // only a float rounding tie may differ
        assertTrue(
            "token " + t + ": centroid " + assigned[t] + " of a cluster not probed",
            coarseDistance[codebook.clusterOf(assigned[t])] <= last + 1e-4);
        assertTrue(
            "token " + t + ": centroid " + assigned[t] + ", nearer " + expected,
            distance(tokens, t, codebook.centroids, assigned[t], dimension)
                <= distance(tokens, t, codebook.centroids, expected, dimension) + 1e-4);
      }
    }
  }

  public void testSameInputSameCodebook() throws Exception {
    Random random = random();
    int dimension = TestUtil.nextInt(random, 2, 16);
    int sampleSize = TestUtil.nextInt(random, 1, 3000);
    float[] sample = randomRows(random, sampleSize, dimension);
    int wanted = TestUtil.nextInt(random, 1, 400);
    assertArrayEquals(
        train(sample, sampleSize, dimension, wanted).centroids,
        train(sample, sampleSize, dimension, wanted).centroids,
        0f);
  }

  private static CentroidCodebook train(float[] sample, int n, int dimension, int wanted) throws Exception {
    return CentroidCodebook.train(sample, n, dimension, wanted, 42, new TaskExecutor(Runnable::run));
  }

  private static float[] randomRows(Random random, int n, int dimension) {
    float[] rows = new float[n * dimension];
    for (int i = 0; i < rows.length; i++) {
      rows[i] = (float) random.nextGaussian();
    }
    return rows;
  }

  private static double distance(float[] a, int i, float[] b, int j, int dimension) {
    double sum = 0;
    for (int d = 0; d < dimension; d++) {
      double diff = (double) a[i * dimension + d] - b[j * dimension + d];
      sum += diff * diff;
    }
    return sum;
  }
}
