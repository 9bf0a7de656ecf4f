package dev.multivector.lucene.codec;

import java.io.IOException;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Random;
import java.util.concurrent.Callable;
import org.apache.lucene.search.TaskExecutor;
import org.apache.lucene.util.VectorUtil;

/**
 * The centroids of a centroid token index, trained by two-level k-means, and the assignment of
 * tokens to them.
 *
 * <p>Training: k-means on part of the sample ({@value #COARSE_SAMPLE_PER_CENTROID} points a
 * centroid) finds {@code g} coarse centroids ({@code g} about {@code sqrt(C)}, a power of two; 1
 * for 256 centroids or fewer); the sample points of each coarse cluster then train that
 * cluster's share of the {@code C} centroids (in proportion to its points). A full k-means over C centroids would cost sample x C x dim per iteration; this costs
 * sample x (g + C / g) x dim.
 *
 * <p>Assignment: each token goes to the nearest centroid (Euclidean) among those of its {@value
 * #COARSE_PROBES} nearest coarse clusters, a few hundred dot products a token rather than C.
 * Centroids are numbered cluster by cluster.
 */
final class CentroidCodebook {

  static final int ITERATIONS = 10;

  /** Sample points a coarse centroid trains on. */
  private static final int COARSE_SAMPLE_PER_CENTROID = 256;

  /**
   * Coarse clusters whose centroids a token is compared with. Measured on the needle set (2
   * December; 151,070 tokens at dimension 384, 4,096 centroids, 23 token orders): with 1, 38% of
   * the tokens did not get their nearest centroid, and 6 orders of 23 lost a needle at k' = 50,
   * 16 probes (recall@20 against exact MaxSim from 0.677 to 0.997, median 0.983); with 2, 24%
   * and 3 orders (0.912 to 0.998, median 0.994); with 4, 13%.
   */
  static final int COARSE_PROBES = 2;

  /** Rows of a batch the kernel scores together. */
  private static final int BATCH = 32;

  final int dimension;
  /** Row-major, cluster by cluster. */
  final float[] centroids;

  final int count;
  private final CentroidPanels coarse;
  private final float[] coarseHalfNorms;
  private final int[] clusterStart; // cluster g has centroids [clusterStart[g], clusterStart[g + 1])
  private final CentroidPanels[] clusters;
  private final float[] halfNorms;

  private CentroidCodebook(int dimension, float[] coarseRows, int coarseCount, List<float[]> fineRows) {
    this.dimension = dimension;
    this.clusterStart = new int[coarseCount + 1];
    for (int g = 0; g < coarseCount; g++) {
      clusterStart[g + 1] = clusterStart[g] + fineRows.get(g).length / dimension;
    }
    this.count = clusterStart[coarseCount];
    this.centroids = new float[count * dimension];
    this.clusters = new CentroidPanels[coarseCount];
    for (int g = 0; g < coarseCount; g++) {
      float[] rows = fineRows.get(g);
      System.arraycopy(rows, 0, centroids, clusterStart[g] * dimension, rows.length);
      clusters[g] = CentroidPanels.of(rows, 0, rows.length / dimension, dimension);
    }
    this.coarse = CentroidPanels.of(coarseRows, 0, coarseCount, dimension);
    this.coarseHalfNorms = halfSquaredNorms(coarseRows, coarseCount, dimension);
    this.halfNorms = halfSquaredNorms(centroids, count, dimension);
  }

  /**
   * Trains at most {@code wanted} centroids (fewer if the sample has fewer points) on {@code n}
   * row-major sample points, the same for the same input and seed, the clusters' k-means in
   * parallel on {@code executor}.
   */
  static CentroidCodebook train(
      float[] sample, int n, int dimension, int wanted, long seed, TaskExecutor executor)
      throws IOException {
    Random random = new Random(seed);
    int coarseCount = coarseCount(Math.min(wanted, n));
    // The few coarse centroids train on a part of the sample, evenly spaced through it.
    int coarseSample = Math.min(n, COARSE_SAMPLE_PER_CENTROID * coarseCount);
    float[] coarsePoints = new float[coarseSample * dimension];
    for (int i = 0; i < coarseSample; i++) {
      System.arraycopy(sample, (int) ((long) i * n / coarseSample) * dimension, coarsePoints, i * dimension, dimension);
    }
    float[] coarseRows = kMeans(coarsePoints, coarseSample, dimension, coarseCount, random);
    int[] cluster = assign(sample, n, dimension, CentroidPanels.of(coarseRows, 0, coarseCount, dimension), halfSquaredNorms(coarseRows, coarseCount, dimension));
    int[] size = new int[coarseCount];
    for (int i = 0; i < n; i++) {
      size[cluster[i]]++;
    }
    int[] share = shares(size, n, Math.min(wanted, n));
    // The sample's points by cluster (in sample order within each); each cluster's task copies its
    // own, so the sample, which may be large, is never copied whole.
    int[] start = new int[coarseCount + 1];
    for (int g = 0; g < coarseCount; g++) {
      start[g + 1] = start[g] + size[g];
    }
    int[] byCluster = new int[n];
    int[] next = Arrays.copyOf(start, coarseCount);
    for (int i = 0; i < n; i++) {
      byCluster[next[cluster[i]]++] = i;
    }
    // Clusters without points are dropped: no token is nearer them than their neighbours' points.
    // Each cluster trains in its own task, with its own seed: the result does not depend on the
    // number of threads.
    List<Callable<float[]>> tasks = new ArrayList<>();
    float[] kept = new float[coarseCount * dimension];
    int keptCount = 0;
    for (int g = 0; g < coarseCount; g++) {
      if (size[g] == 0) {
        continue;
      }
      int from = start[g], points = size[g], centroids = share[g];
      long clusterSeed = seed * 31 + g;
      tasks.add(
          () -> {
            float[] rows = new float[points * dimension];
            for (int i = 0; i < points; i++) {
              System.arraycopy(sample, byCluster[from + i] * dimension, rows, i * dimension, dimension);
            }
            return kMeans(rows, points, dimension, centroids, new Random(clusterSeed));
          });
      System.arraycopy(coarseRows, g * dimension, kept, keptCount++ * dimension, dimension);
    }
    List<float[]> fine = executor.invokeAll(tasks);
    return new CentroidCodebook(dimension, Arrays.copyOf(kept, keptCount * dimension), keptCount, fine);
  }

  /** The coarse centroids, row-major. */
  float[] coarseCentroids() {
    return coarse.rows();
  }

  /** The coarse cluster of {@code centroid}. */
  int clusterOf(int centroid) {
    int found = Arrays.binarySearch(clusterStart, centroid);
    // clusterStart has no duplicates: empty clusters were dropped at training
    return found >= 0 ? found : -found - 2;
  }

  /** About sqrt(centroids), a power of two; 1 for 256 or fewer. */
  static int coarseCount(int centroids) {
    if (centroids <= 256) {
      return 1;
    }
    int log2 = 31 - Integer.numberOfLeadingZeros(centroids);
    return 1 << ((log2 + 1) / 2);
  }

  /**
   * Splits {@code total} among clusters in proportion to their sizes: each cluster with points
   * gets at least 1 and at most its size, the rest goes to the largest remainders first.
   */
  private static int[] shares(int[] size, int n, int total) {
    int[] share = new int[size.length];
    double[] remainder = new double[size.length];
    int given = 0;
    for (int g = 0; g < size.length; g++) {
      if (size[g] > 0) {
        double exact = (double) total * size[g] / n;
        share[g] = Math.min(size[g], Math.max(1, (int) exact));
        remainder[g] = exact - share[g];
        given += share[g];
      }
    }
    Integer[] byRemainder = new Integer[size.length];
    Arrays.setAll(byRemainder, g -> g);
    Arrays.sort(byRemainder, (a, b) -> Double.compare(remainder[b], remainder[a]));
    for (boolean grew = true; given < total && grew; ) {
      grew = false;
      for (int i = 0; i < byRemainder.length && given < total; i++) {
        int g = byRemainder[i];
        if (share[g] < size[g]) {
          share[g]++;
          given++;
          grew = true;
        }
      }
    }
    return share;
  }

  /**
   * Lloyd's k-means of {@code n} row-major points into {@code k <= n} centroids, started from k
   * distinct points drawn at random; a cluster left empty restarts from a random point.
   */
  static float[] kMeans(float[] points, int n, int dimension, int k, Random random) {
    float[] centroids = new float[k * dimension];
    int[] order = new int[n];
    for (int i = 0; i < n; i++) {
      order[i] = i;
    }
    for (int c = 0; c < k; c++) { // a partial Fisher-Yates shuffle draws k distinct points
      int j = c + random.nextInt(n - c);
      int swap = order[c];
      order[c] = order[j];
      order[j] = swap;
      System.arraycopy(points, order[c] * dimension, centroids, c * dimension, dimension);
    }
    if (k == 1 || k == n) {
      return k == 1 ? mean(points, n, dimension) : centroids;
    }
    double[] sums = new double[k * dimension];
    int[] sizes = new int[k];
    for (int iteration = 0; iteration < ITERATIONS; iteration++) {
      int[] nearest =
          assign(points, n, dimension, CentroidPanels.of(centroids, 0, k, dimension), halfSquaredNorms(centroids, k, dimension));
      Arrays.fill(sums, 0);
      Arrays.fill(sizes, 0);
      for (int i = 0; i < n; i++) {
        int c = nearest[i];
        sizes[c]++;
        for (int d = 0; d < dimension; d++) {
          sums[c * dimension + d] += points[i * dimension + d];
        }
      }
      for (int c = 0; c < k; c++) {
        if (sizes[c] == 0) {
          System.arraycopy(points, random.nextInt(n) * dimension, centroids, c * dimension, dimension);
        } else {
          for (int d = 0; d < dimension; d++) {
            centroids[c * dimension + d] = (float) (sums[c * dimension + d] / sizes[c]);
          }
        }
      }
    }
    return centroids;
  }

  private static float[] mean(float[] points, int n, int dimension) {
    double[] sum = new double[dimension];
    for (int i = 0; i < n; i++) {
      for (int d = 0; d < dimension; d++) {
        sum[d] += points[i * dimension + d];
      }
    }
    float[] mean = new float[dimension];
    for (int d = 0; d < dimension; d++) {
      mean[d] = (float) (sum[d] / n);
    }
    return mean;
  }

  /** The nearest of all {@code centroids} to each point. */
  private static int[] assign(
      float[] points, int n, int dimension, CentroidPanels centroids, float[] halfNorms) {
    int[] nearest = new int[n];
    float[] best = new float[BATCH];
    int[] out = new int[BATCH];
    for (int from = 0; from < n; from += BATCH) {
      int rows = Math.min(BATCH, n - from);
      float[] batch = Arrays.copyOfRange(points, from * dimension, (from + rows) * dimension);
      centroids.nearest(batch, halfNorms, out, best);
      System.arraycopy(out, 0, nearest, from, rows);
    }
    return nearest;
  }

  static float[] halfSquaredNorms(float[] rows, int count, int dimension) {
    float[] norms = new float[count];
    for (int c = 0; c < count; c++) {
      float[] row = Arrays.copyOfRange(rows, c * dimension, (c + 1) * dimension);
      norms[c] = VectorUtil.dotProduct(row, row) / 2;
    }
    return norms;
  }

  /**
   * The centroid of each of {@code n} row-major tokens: the nearest among the centroids of its
   * {@value #COARSE_PROBES} nearest coarse clusters. Tokens are scored in batches, against the
   * coarse centroids, then cluster by cluster.
   */
  void assign(float[] tokens, int n, int[] out) {
    int clusterCount = clusters.length;
    int probes = Math.min(COARSE_PROBES, clusterCount);
    int[] probed = nearestCoarse(tokens, n, probes);
    // (token, cluster) pairs by cluster, then each cluster's tokens in batches against its
    // centroids; a token keeps the best of its clusters' winners.
    int[] start = new int[clusterCount + 1];
    for (int g : probed) {
      start[g + 1]++;
    }
    for (int g = 0; g < clusterCount; g++) {
      start[g + 1] += start[g];
    }
    int[] members = new int[probed.length];
    int[] next = Arrays.copyOf(start, clusterCount);
    for (int i = 0; i < probed.length; i++) {
      members[next[probed[i]]++] = i / probes;
    }
    float[] bestScore = new float[n];
    Arrays.fill(bestScore, Float.NEGATIVE_INFINITY);
    int[] nearest = new int[BATCH];
    float[] nearestScore = new float[BATCH];
    for (int g = 0; g < clusterCount; g++) {
      if (start[g] == start[g + 1]) {
        continue;
      }
      float[] halfNormsOfCluster = Arrays.copyOfRange(halfNorms, clusterStart[g], clusterStart[g + 1]);
      for (int from = start[g]; from < start[g + 1]; from += BATCH) {
        int rows = Math.min(BATCH, start[g + 1] - from);
        float[] batch = new float[rows * dimension];
        for (int i = 0; i < rows; i++) {
          System.arraycopy(tokens, members[from + i] * dimension, batch, i * dimension, dimension);
        }
        clusters[g].nearest(batch, halfNormsOfCluster, nearest, nearestScore);
        for (int i = 0; i < rows; i++) {
          int token = members[from + i];
          if (nearestScore[i] > bestScore[token]) { // clusters in order: the first of equals wins
            bestScore[token] = nearestScore[i];
            out[token] = clusterStart[g] + nearest[i];
          }
        }
      }
    }
  }

  /**
   * The {@code probes} nearest coarse clusters of each token (Euclidean), nearest first: token
   * {@code i}'s are entries {@code [i * probes, (i + 1) * probes)}.
   */
  private int[] nearestCoarse(float[] tokens, int n, int probes) {
    int clusterCount = clusters.length;
    int[] probed = new int[n * probes];
    float[] scores = new float[BATCH * clusterCount];
    for (int from = 0; from < n; from += BATCH) {
      int rows = Math.min(BATCH, n - from);
      coarse.dotProducts(
          Arrays.copyOfRange(tokens, from * dimension, (from + rows) * dimension), 0, clusterCount, scores, clusterCount);
      for (int i = 0; i < rows; i++) {
        int row = i * clusterCount;
        for (int g = 0; g < clusterCount; g++) {
          scores[row + g] -= coarseHalfNorms[g];
        }
        for (int p = 0; p < probes; p++) { // selection: probes is small
          int best = 0;
          for (int g = 1; g < clusterCount; g++) {
            if (scores[row + g] > scores[row + best]) {
              best = g;
            }
          }
          probed[(from + i) * probes + p] = best;
          scores[row + best] = Float.NEGATIVE_INFINITY;
        }
      }
    }
    return probed;
  }
}
