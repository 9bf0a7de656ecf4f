package dev.multivector.lucene.internal.vectorization;

import java.lang.foreign.MemorySegment;

/**
 * Binarised MaxSim over bit panels, with {@link Float32MaxSimKernel}'s running maxima: the
 * similarity of a binarised query token and a document token is {@code scale * (dim - 2 *
 * hamming)}, the dot product of their sign vectors times the document token's scale.
 *
 * <p>A bit panel holds 16 tokens in {@link #panelBytes(int) 64 * (words(dim) + 1)} bytes: a token's
 * components are {@link #words(int)} little-endian 32-bit words (bit {@code b} of word {@code w}
 * is set when component {@code 32 * w + b} is positive; bits past {@code dim} are zero), and int
 * {@code w * 16 + j} of the panel is word {@code w} of token {@code j}; then 16 little-endian
 * float32 scales, token {@code j}'s at byte {@code 64 * words(dim) + 4 * j}. A query token is
 * binarised the same way.
 *
 * @lucene.internal
 */
public interface BitMaxSimKernel {

  /** 32-bit words of a binarised token of the given dimension. */
  static int words(int dim) {
    return (dim + Integer.SIZE - 1) / Integer.SIZE;
  }

  /** Bytes of one bit panel of the given dimension. */
  static int panelBytes(int dim) {
    return Float32MaxSimKernel.LANES * Integer.BYTES * (words(dim) + 1);
  }

  /**
   * Raises {@code maxima[i * 16 + lane]} to the similarity of binarised query token {@code i} and
   * each of the {@code tokens} document tokens held as bit panels from byte {@code offset} of
   * {@code panels} whose panel lane is {@code lane}.
   *
   * @param queryWords the binarised query tokens: token {@code i} is {@code queryWords[i *
   *     words(dim) .. (i + 1) * words(dim))}
   * @param tokens at least 1; the panels hold {@code ceil(tokens / 16)} panels
   */
  void accumulate(
      int[] queryWords, int dim, MemorySegment panels, long offset, int tokens, float[] maxima);

  /** A short name for logs and benchmark reports. */
  String name();
}
