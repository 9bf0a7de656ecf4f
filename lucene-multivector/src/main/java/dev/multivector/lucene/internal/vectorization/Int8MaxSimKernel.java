package dev.multivector.lucene.internal.vectorization;

import java.lang.foreign.MemorySegment;

/**
 * MaxSim of float32 query tokens over int8 panels, with {@link Float32MaxSimKernel}'s running
 * maxima. An int8 panel holds 16 tokens in {@link #panelBytes(int) 16 * (dim + 4)} bytes: byte
 * {@code k * 16 + j} is the code of component {@code k} of token {@code j}, then 16
 * little-endian float32 scales, token {@code j}'s at byte {@code 16 * dim + 4 * j}. Token {@code
 * j} stands for {@code scale[j] * code[.. j]}, so its dot product with a query token {@code q} is
 * {@code scale[j] * sum_k q[k] * code[k * 16 + j]}.
 *
 * @lucene.internal
 */
public interface Int8MaxSimKernel {

  /** Bytes of one int8 panel of the given dimension. */
  static int panelBytes(int dim) {
    return Float32MaxSimKernel.LANES * (dim + Float.BYTES);
  }

  /**
   * Raises {@code maxima[i * 16 + lane]} to the dot product of query token {@code i} and each of
   * the {@code tokens} document tokens held as int8 panels from byte {@code offset} of {@code
   * panels} whose panel lane is {@code lane}.
   *
   * @param query the query's tokens, row-major
   * @param tokens at least 1; the panels hold {@code ceil(tokens / 16)} panels
   * @param maxima {@code 16 * query.length / dim} running maxima
   */
  void accumulate(
      float[] query, int dim, MemorySegment panels, long offset, int tokens, float[] maxima);

  /** A short name for logs and benchmark reports. */
  String name();
}
