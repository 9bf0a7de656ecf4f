package dev.multivector.lucene.simd;

import java.lang.foreign.MemorySegment;

/**
 * MaxSim over panels (see {@link dev.multivector.lucene.codec.MultiVectorValues}), a document's
 * panels at a time: {@link #accumulate} raises, for each query token, sixteen running maxima (one
 * per panel lane) with the dot products of the query token and a run of document tokens; the
 * MaxSim is the sum over query tokens of the largest of its sixteen.
 */
interface MaxSimKernel {

  /** Panel lanes: the running maxima of a query token. */
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
   * @param maxima {@code 16 * query.length / dim} running maxima, negative infinity to start with
   */
  void accumulate(float[] query, int dim, MemorySegment panels, long offset, int tokens, float[] maxima);

  /** A short name for logs and benchmark reports. */
  String name();

  /** The sum over the query's tokens of their largest running maximum. */
  static float sumOfMaxima(float[] maxima, int queryTokens) {
    float sum = 0;
    for (int i = 0; i < queryTokens; i++) {
      float max = Float.NEGATIVE_INFINITY;
      for (int lane = 0; lane < LANES; lane++) {
        max = Math.max(max, maxima[i * LANES + lane]);
      }
      sum += max;
    }
    return sum;
  }
}
