package dev.multivector.lucene.pooling;

import java.util.Arrays;
import org.apache.lucene.util.InPlaceMergeSorter;

/**
 * Hierarchical token pooling: shrinks a document's token vectors at index time by clustering
 * similar tokens and replacing each cluster by its mean. This is the algorithm of PyLate's {@code
 * pool_embeddings_hierarchical}:
 *
 * <ol>
 *   <li>the first {@code protectedTokens} tokens (a [CLS] token, say) are kept as they are;
 *   <li>the remaining {@code n} tokens are grouped into {@code max(n / poolFactor, 1)} clusters
 *       (integer division) by Ward linkage over their cosine distances {@code 1 - a·b}, cut with
 *       the "maxclust" criterion of scipy's {@code fcluster};
 *   <li>the output is the protected tokens, then the plain mean (not re-normalised) of each
 *       cluster, in the order of scipy's cluster numbers.
 * </ol>
 *
 * Nothing is pooled (a copy of the input is returned) when {@code poolFactor} is 1 or fewer than
 * two tokens follow the protected ones. The cosine distance is only meaningful for unit-length
 * tokens, as ColBERT-style models produce; other inputs are accepted and treated the same way.
 *
 * <p><b>Agreement with the reference.</b> The linkage follows scipy's nearest-neighbour-chain
 * algorithm step by step (Lance-Williams updates for Ward, candidates scanned in index order, the
 * first of equal candidates kept), then scipy's relabelling of the dendrogram and its maxclust cut
 * and cluster numbering. Distances are computed in double precision from the float inputs, each dot
 * product summed in dimension order. Given the same distances, the partition is therefore the one
 * scipy computes, exact ties included. Results agree with other implementations of the reference
 * <em>exact ties aside</em>: where two candidate merges are at exactly the same distance (or, for
 * an implementation that rounds differently, such as PyLate's float32 matrix product, within
 * rounding of each other) the choice between them is arbitrary, and another implementation may
 * return a different, equally valid, partition. Ties in the dendrogram (merges at the same height,
 * for instance between duplicate tokens) can also leave fewer clusters than asked for, as in
 * scipy, which never splits merges of equal height.
 *
 * <p><b>Where the reference has no answer.</b> A dot product above 1 (inputs that are not unit
 * length, or by rounding near-duplicate unit tokens) gives a negative cosine distance, and scipy
 * then refuses the dendrogram ("negative distances"). This class clamps distances at zero instead;
 * that changes nothing where scipy answers.
 *
 * <p><b>Cost.</b> {@link #pool} allocates the condensed distance matrix, n(n-1)/2 doubles (1,024
 * tokens: about 4 MB; 4,096 tokens: about 67 MB), and a double copy of the tokens (n * dim
 * doubles). Time is O(n² dim) for the distances and O(n²) for the linkage.
 *
 * <p>Instances are immutable and thread-safe.
 *
 * @lucene.experimental
 */
public final class HierarchicalTokenPooler {

  /**
   * The most tokens {@link #pool} takes: it holds their n(n-1)/2 distances, 67 MB at 4,096 tokens
   * (a ColPali page has about 1,030, a ColBERT passage at most 512).
   */
  public static final int MAX_TOKENS = 4096;

  /** Default number of leading tokens kept unpooled, as in PyLate. */
  public static final int DEFAULT_PROTECTED_TOKENS = 1;

  private final int poolFactor;
  private final int protectedTokens;

  /**
   * Creates a pooler.
   *
   * @param poolFactor how many tokens, on average, become one: 1 pools nothing
   * @param protectedTokens how many leading tokens are kept unpooled
   * @throws IllegalArgumentException if {@code poolFactor < 1} or {@code protectedTokens < 0}
   */
  public HierarchicalTokenPooler(int poolFactor, int protectedTokens) {
    if (poolFactor < 1) {
      throw new IllegalArgumentException("poolFactor must be at least 1, got " + poolFactor);
    }
    if (protectedTokens < 0) {
      throw new IllegalArgumentException(
          "protectedTokens must not be negative, got " + protectedTokens);
    }
    this.poolFactor = poolFactor;
    this.protectedTokens = protectedTokens;
  }

  /** How many tokens, on average, become one. */
  public int poolFactor() {
    return poolFactor;
  }

  /** How many leading tokens are kept unpooled. */
  public int protectedTokens() {
    return protectedTokens;
  }

  /**
   * Pools a document's tokens. The input is neither modified nor retained.
   *
   * @param tokens one row per token, all rows of the same dimension
   * @return a new matrix: the protected tokens, then one mean per cluster
   * @throws IllegalArgumentException if the matrix is null or empty, a row is null, empty or of
   *     another dimension than the first, a value is NaN or infinite, or there are more than
   *     {@link #MAX_TOKENS} tokens to pool
   */
  public float[][] pool(float[][] tokens) {
    int[] labels = clusterLabels(tokens);
    if (labels == null) {
      float[][] copy = new float[tokens.length][];
      for (int i = 0; i < tokens.length; i++) {
        copy[i] = tokens[i].clone();
      }
      return copy;
    }
    int dim = tokens[0].length;
    int clusters = 0;
    for (int label : labels) {
      clusters = Math.max(clusters, label);
    }
    double[][] sums = new double[clusters][dim];
    int[] counts = new int[clusters];
    for (int t = 0; t < labels.length; t++) {
      float[] token = tokens[protectedTokens + t];
      double[] sum = sums[labels[t] - 1];
      counts[labels[t] - 1]++;
      for (int k = 0; k < dim; k++) {
        sum[k] += token[k];
      }
    }
    float[][] pooled = new float[protectedTokens + clusters][];
    for (int i = 0; i < protectedTokens; i++) {
      pooled[i] = tokens[i].clone();
    }
    for (int c = 0; c < clusters; c++) {
      float[] mean = new float[dim];
      for (int k = 0; k < dim; k++) {
        mean[k] = (float) (sums[c][k] / counts[c]);
      }
      pooled[protectedTokens + c] = mean;
    }
    return pooled;
  }

  /**
   * The flat cluster of each token after the protected ones, numbered from 1 in scipy's {@code
   * fcluster} order, or {@code null} when this pooler leaves the matrix as it is. Clusters are
   * numbered 1 to k with none empty.
   */
  int[] clusterLabels(float[][] tokens) {
    checkTokens(tokens);
    int n = tokens.length - Math.min(protectedTokens, tokens.length);
    int clusters = Math.max(n / poolFactor, 1);
    if (poolFactor == 1 || clusters >= n) {
      return null;
    }
    if (n > MAX_TOKENS) {
      throw new IllegalArgumentException(
          "cannot pool " + n + " tokens: hierarchical pooling takes at most "
              + MAX_TOKENS + " (it holds n(n-1)/2 distances in memory)");
    }
    double[] condensed = cosineDistances(tokens, protectedTokens, n);
    return cutMaxClusters(wardLinkage(condensed, n), n, clusters);
  }

  private static void checkTokens(float[][] tokens) {
    if (tokens == null) {
      throw new IllegalArgumentException("tokens must not be null");
    }
    if (tokens.length == 0) {
      throw new IllegalArgumentException("tokens must not be empty");
    }
    for (int i = 0; i < tokens.length; i++) {
      float[] token = tokens[i];
      if (token == null) {
        throw new IllegalArgumentException("token " + i + " is null");
      }
      if (token.length == 0) {
        throw new IllegalArgumentException("token " + i + " has no dimensions");
      }
      if (token.length != tokens[0].length) {
        throw new IllegalArgumentException(
            "token " + i + " has dimension " + token.length + " but token 0 has "
                + tokens[0].length);
      }
      for (int k = 0; k < token.length; k++) {
        if (Float.isFinite(token[k]) == false) {
          throw new IllegalArgumentException(
              "token " + i + " has a non-finite value " + token[k] + " at dimension " + k);
        }
      }
    }
  }

  /** Index of the distance of tokens (i, i + 1) in a condensed matrix of n tokens. */
  private static int firstOfRow(int n, int i) {
    // scipy's condensed_index(n, i, j) = n*i - i*(i+1)/2 + (j - i - 1), with j = i + 1
    return (int) ((long) n * i - (long) i * (i + 1) / 2);
  }

  /**
   * Cosine distances {@code max(0, 1 - a·b)} of tokens {@code [from, from + n)}, in condensed form
   * (the upper triangle, row by row), in double precision. Each dot product is summed in
   * dimension order, as the fixture generator does, so that both compute the same doubles.
   */
  private static double[] cosineDistances(float[][] tokens, int from, int n) {
    int dim = tokens[from].length;
    // One array per dimension, and each row of dot products accumulated in an array indexed like
    // them: for a fixed token i and dimension k the products with all later tokens form one loop
    // that the JIT vectorises across tokens, without changing the order of each sum.
    double[][] columns = new double[dim][n];
    for (int j = 0; j < n; j++) {
      float[] token = tokens[from + j];
      for (int k = 0; k < dim; k++) {
        columns[k][j] = token[k];
      }
    }
    double[] condensed = new double[(int) ((long) n * (n - 1) / 2)];
    double[] dots = new double[n];
    for (int i = 0; i < n - 1; i++) {
      Arrays.fill(dots, 0);
      for (double[] column : columns) {
        double a = column[i];
        for (int j = i + 1; j < n; j++) {
          dots[j] += a * column[j];
        }
      }
      int offset = firstOfRow(n, i) - i - 1;
      for (int j = i + 1; j < n; j++) {
        condensed[offset + j] = Math.max(0, 1 - dots[j]);
      }
    }
    return condensed;
  }

  /**
   * A dendrogram as scipy's linkage matrix: row r merges nodes {@code left[r] < right[r]} (node ids
   * below n are tokens, node n + r is the cluster row r forms) at {@code height[r]}; rows are
   * sorted by height and every row comes after the rows of its children.
   */
  private record Dendrogram(int[] left, int[] right, double[] height) {}

  /**
   * Ward linkage of n tokens by the nearest-neighbour-chain algorithm, as scipy's {@code nn_chain}
   * computes it, followed by scipy's sort and relabelling. Overwrites {@code condensed}.
   */
  private static Dendrogram wardLinkage(double[] condensed, int n) {
    int[] rowStart = new int[n]; // condensed index of (i, j), i < j, is rowStart[i] + j
    for (int i = 0; i < n; i++) {
      rowStart[i] = firstOfRow(n, i) - i - 1;
    }
    int[] size = new int[n]; // cluster size in each slot
    Arrays.fill(size, 1);
    // Slots still holding a cluster, in increasing order: scanning them in this order, as scipy
    // scans all slots and skips empty ones, keeps its choice among equal distances.
    int[] live = new int[n];
    for (int i = 0; i < n; i++) {
      live[i] = i;
    }
    int liveCount = n;
    int[] chain = new int[n];
    int chainLength = 0;
    int[] mergedX = new int[n - 1];
    int[] mergedY = new int[n - 1];
    double[] mergeHeight = new double[n - 1];

    int y = 0;
    for (int step = 0; step < n - 1; step++) {
      if (chainLength == 0) {
        chain[chainLength++] = live[0];
      }
      // Grow the chain of nearest neighbours until two clusters are each other's nearest.
      int x;
      double min;
      while (true) {
        x = chain[chainLength - 1];
        if (chainLength > 1) {
          // Prefer the previous element of the chain on ties, so the chain cannot cycle.
          y = chain[chainLength - 2];
          min = condensed[x < y ? rowStart[x] + y : rowStart[y] + x];
        } else {
          min = Double.POSITIVE_INFINITY;
        }
        int p = 0;
        for (; live[p] < x; p++) {
          int i = live[p];
          if (condensed[rowStart[i] + x] < min) {
            min = condensed[rowStart[i] + x];
            y = i;
          }
        }
        for (p++; p < liveCount; p++) { // skips x itself
          int i = live[p];
          if (condensed[rowStart[x] + i] < min) {
            min = condensed[rowStart[x] + i];
            y = i;
          }
        }
        if (chainLength > 1 && y == chain[chainLength - 2]) {
          break;
        }
        chain[chainLength++] = y;
      }
      chainLength -= 2;

      // As scipy (and fastcluster): the merged cluster takes the higher slot.
      if (x > y) {
        int swap = x;
        x = y;
        y = swap;
      }
      int sizeX = size[x];
      int sizeY = size[y];
      mergedX[step] = x;
      mergedY[step] = y;
      mergeHeight[step] = min;
      size[y] = sizeX + sizeY;
      int p = Arrays.binarySearch(live, 0, liveCount, x);
      System.arraycopy(live, p + 1, live, p, --liveCount - p);
      for (int q = 0; q < liveCount; q++) {
        int i = live[q];
        if (i != y) {
          int ix = i < x ? rowStart[i] + x : rowStart[x] + i;
          int iy = i < y ? rowStart[i] + y : rowStart[y] + i;
          condensed[iy] = ward(condensed[ix], condensed[iy], min, sizeX, sizeY, size[i]);
        }
      }
    }

    // Sort the merges by height; ties keep the order of the merges (scipy's stable mergesort).
    int[] order = new int[n - 1];
    for (int i = 0; i < order.length; i++) {
      order[i] = i;
    }
    new InPlaceMergeSorter() {
      @Override
      protected int compare(int i, int j) {
        double a = mergeHeight[order[i]];
        double b = mergeHeight[order[j]];
        return a < b ? -1 : a > b ? 1 : Integer.compare(order[i], order[j]);
      }

      @Override
      protected void swap(int i, int j) {
        int tmp = order[i];
        order[i] = order[j];
        order[j] = tmp;
      }
    }.sort(0, order.length);

    // Turn slots into node ids with a union-find over the sorted merges, as scipy's label() does.
    int[] parent = new int[2 * n - 1];
    for (int i = 0; i < parent.length; i++) {
      parent[i] = i;
    }
    int[] left = new int[n - 1];
    int[] right = new int[n - 1];
    double[] height = new double[n - 1];
    for (int r = 0; r < n - 1; r++) {
      int a = find(parent, mergedX[order[r]]);
      int b = find(parent, mergedY[order[r]]);
      left[r] = Math.min(a, b);
      right[r] = Math.max(a, b);
      height[r] = mergeHeight[order[r]];
      parent[a] = parent[b] = n + r;
    }
    return new Dendrogram(left, right, height);
  }

  /** Lance-Williams update for Ward, written as scipy writes it, so rounding is the same. */
  private static double ward(
      double dXI, double dYI, double dXY, int sizeX, int sizeY, int sizeI) {
    double t = 1.0 / (sizeX + sizeY + sizeI);
    return Math.sqrt(
        (sizeI + sizeX) * t * dXI * dXI + (sizeI + sizeY) * t * dYI * dYI - sizeI * t * dXY * dXY);
  }

  private static int find(int[] parent, int node) {
    int root = node;
    while (parent[root] != root) {
      root = parent[root];
    }
    while (parent[node] != root) {
      int next = parent[node];
      parent[node] = root;
      node = next;
    }
    return root;
  }

  /**
   * Flat clusters of n tokens as scipy's {@code fcluster(Z, t=maxClusters, criterion="maxclust")}
   * forms and numbers them, for {@code 1 <= maxClusters < n}.
   */
  private static int[] cutMaxClusters(Dendrogram dendrogram, int n, int maxClusters) {
    int[] left = dendrogram.left();
    int[] right = dendrogram.right();
    double[] height = dendrogram.height();
    // scipy binary-searches the rows for the lowest cutoff (each row's largest height within its
    // subtree) that leaves at most maxClusters clusters, and keeps every merge at or below it.
    // Rows are sorted by height and come after their children, so that largest height is the
    // row's own, and a cutoff of height[r] leaves 1 + (number of heights above it) clusters: the
    // lowest cutoff leaving at most maxClusters is height[n - 1 - maxClusters]. Merges tied with
    // it are all kept, which can leave fewer clusters.
    double cutoff = height[n - 1 - maxClusters];

    // Number clusters in scipy's traversal order: depth first from the root, the left subtree
    // before the right one, and a node's own leaf children after its subtrees.
    int[] labels = new int[n];
    int[] clusterOf = new int[n - 1]; // the cluster that row r lies in, 0 while above the cut
    int[] stack = new int[2 * n]; // rows to visit, and ~row to label a row's leaves
    int top = 0;
    int clusters = 0;
    stack[top++] = n - 2;
    while (top > 0) {
      int row = stack[--top];
      if (row >= 0) {
        if (clusterOf[row] == 0 && height[row] <= cutoff) {
          clusterOf[row] = ++clusters;
        }
        stack[top++] = ~row;
        if (right[row] >= n) {
          clusterOf[right[row] - n] = clusterOf[row];
          stack[top++] = right[row] - n;
        }
        if (left[row] >= n) { // pushed last: visited first
          clusterOf[left[row] - n] = clusterOf[row];
          stack[top++] = left[row] - n;
        }
      } else {
        row = ~row;
        if (left[row] < n) {
          labels[left[row]] = clusterOf[row] != 0 ? clusterOf[row] : ++clusters;
        }
        if (right[row] < n) {
          labels[right[row]] = clusterOf[row] != 0 ? clusterOf[row] : ++clusters;
        }
      }
    }
    return labels;
  }
}
