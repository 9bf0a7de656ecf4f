package dev.multivector.lucene.internal.vectorization;

import java.lang.foreign.MemorySegment;
import java.util.Arrays;

/**
 * MaxSim over float32 panels (16 tokens, dimension-major: float {@code k * 16 + j} of a panel is
 * component {@code k} of its token {@code j}), a document's panels at a time: {@link #accumulate}
 * raises, for each query token, sixteen running maxima (one per panel lane) with the dot products
 * of the query token and a run of document tokens; the MaxSim is the sum over query tokens of the
 * largest of its sixteen.
 *
 * @lucene.internal
 */
public interface Float32MaxSimKernel {

  /** Panel lanes: tokens per panel, and running maxima per query token. */
  int LANES = 16;

  /**
   * Raises {@code maxima[i * 16 + lane]} to the dot product of query token {@code i} and each of
   * the {@code tokens} document tokens held as panels (little-endian float32) from byte {@code
   * offset} of {@code panels} whose panel lane is {@code lane}. The segment may be a heap array or
   * memory-mapped index data: kernels read it in place.
   *
   * @param query the query's tokens, row-major: token {@code i} is {@code query[i * dim .. (i+1) *
   *     dim)}
   * @param tokens at least 1; the panels hold {@code ceil(tokens / 16)} panels, zero-padded
   * @param maxima {@code 16 * query.length / dim} running maxima (see {@link #newMaxima})
   */
  void accumulate(
      float[] query, int dim, MemorySegment panels, long offset, int tokens, float[] maxima);

  /**
   * Sets {@code scores[i * stride + j]} to the dot product of row {@code i} of {@code rows}
   * (row-major) and token {@code j} of the run (held as for {@link #accumulate}), for each of its
   * {@code tokens <= stride} tokens: a query's scores against every centroid.
   *
   * <p>This implementation scores a panel at a time through {@link #accumulate}; kernels that can
   * store whole blocks override it.
   */
  default void dotProducts(
      float[] rows, int dim, MemorySegment panels, long offset, int tokens, float[] scores, int stride) {
    final int n = rows.length / dim;
    final float[] maxima = new float[n * LANES];
    for (int first = 0; first < tokens; first += LANES) {
      final int inPanel = Math.min(LANES, tokens - first);
      resetMaxima(maxima);
      accumulate(rows, dim, panels, offset + (long) first * dim * Float.BYTES, inPanel, maxima);
      for (int i = 0; i < n; i++) {
        System.arraycopy(maxima, i * LANES, scores, i * stride + first, inPanel);
      }
    }
  }

  /**
   * For each row-major vector of {@code rows}, the token of the run (held as for {@link
   * #accumulate}) with the largest dot product minus {@code bias[token]}: where that exceeds {@code
   * best[i]}, sets {@code best[i]} to it and {@code out[i]} to the token; ties go to the lower
   * token. Nearest-centroid search, with {@code bias} half the centroids' squared norms.
   *
   * <p>This implementation scans {@link #dotProducts}; kernels that can keep the winners in
   * registers override it.
   */
  default void nearest(
      float[] rows, int dim, MemorySegment panels, long offset, int tokens, float[] bias, int[] out, float[] best) {
    final int n = rows.length / dim;
    final float[] scores = new float[n * tokens];
    dotProducts(rows, dim, panels, offset, tokens, scores, tokens);
    for (int i = 0; i < n; i++) {
      for (int token = 0; token < tokens; token++) {
        final float s = scores[i * tokens + token] - bias[token];
        if (s > best[i]) {
          best[i] = s;
          out[i] = token;
        }
      }
    }
  }

  /** A short name for logs and benchmark reports. */
  String name();

  /** Running maxima for a query of {@code queryTokens} tokens, reset for a first document. */
  static float[] newMaxima(int queryTokens) {
    float[] maxima = new float[queryTokens * LANES];
    resetMaxima(maxima);
    return maxima;
  }

  /** Resets running maxima for the next document. */
  static void resetMaxima(float[] maxima) {
    Arrays.fill(maxima, Float.NEGATIVE_INFINITY);
  }

  /** The sum over the query's tokens of their largest running maximum: the MaxSim. */
  static float sumOfMaxima(float[] maxima, int queryTokens) {
    float sum = 0;
    for (int i = 0; i < queryTokens; i++) {
      sum += maximum(maxima, i);
    }
    return sum;
  }

  /** As {@link #sumOfMaxima(float[], int)}, query token {@code i}'s maximum times {@code weights[i]}. */
  static float sumOfMaxima(float[] maxima, float[] weights) {
    float sum = 0;
    for (int i = 0; i < weights.length; i++) {
      sum += weights[i] * maximum(maxima, i);
    }
    return sum;
  }

  private static float maximum(float[] maxima, int queryToken) {
    float max = Float.NEGATIVE_INFINITY;
    for (int lane = 0; lane < LANES; lane++) {
      max = Math.max(max, maxima[queryToken * LANES + lane]);
    }
    return max;
  }
}
