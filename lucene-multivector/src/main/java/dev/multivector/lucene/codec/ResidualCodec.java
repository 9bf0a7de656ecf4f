package dev.multivector.lucene.codec;

import java.util.Arrays;

/**
 * ColBERTv2's residual compression: a token {@code x} assigned to centroid {@code c} is stored as
 * {@code b} bits a dimension, the bucket of each component of its residual {@code r = x - c}
 * among {@code 2^b} buckets shared by every dimension. The {@code 2^b - 1} cutoffs between
 * buckets are the residual values' quantiles {@code i / 2^b}; a bucket stands for its weight, the
 * quantile {@code (i + 0.5) / 2^b}. So a token decodes to {@code c + weight[code]} per dimension.
 *
 * <p>Codes are packed {@code 8 / b} to a byte, dimension {@code (8 / b) * j + i} in bits {@code
 * [b * i, b * (i + 1))} of byte {@code j}; a dimension count that does not fill the last byte
 * leaves its high bits 0. A query token {@code q} scores a token as {@code q . c + q . r~}, and
 * the second term is a sum of one table look-up a code byte ({@link #lookupTable}): codes are never
 * decoded to floats.
 */
final class ResidualCodec {

  /** The most residual values whose quantiles set the buckets, drawn from the sample. */
  static final int QUANTILE_SAMPLE = 1 << 20;

  final int bits;
  final float[] cutoffs; // 2^b - 1, ascending
  final float[] weights; // 2^b, ascending

  ResidualCodec(int bits, float[] cutoffs, float[] weights) {
    this.bits = bits;
    this.cutoffs = cutoffs;
    this.weights = weights;
  }

  /** Buckets of equal shares of {@code residuals} (which this sorts). */
  static ResidualCodec train(int bits, float[] residuals) {
    Arrays.sort(residuals);
    int buckets = 1 << bits;
    float[] cutoffs = new float[buckets - 1];
    float[] weights = new float[buckets];
    for (int i = 0; i < buckets; i++) {
      if (i > 0) {
        cutoffs[i - 1] = quantile(residuals, (double) i / buckets);
      }
      weights[i] = quantile(residuals, (i + 0.5) / buckets);
    }
    return new ResidualCodec(bits, cutoffs, weights);
  }

  private static float quantile(float[] sorted, double q) {
    return sorted.length == 0 ? 0 : sorted[(int) Math.min(sorted.length - 1, Math.floor(q * sorted.length))];
  }

  /** Bytes of the codes of a token of {@code dimension} components. */
  int codeBytes(int dimension) {
    return (dimension * bits + 7) / 8;
  }

  /** The bucket of a residual value: the number of cutoffs at or below it. */
  int bucket(float residual) {
    int bucket = 0;
    for (float cutoff : cutoffs) { // no branch: cutoffs are few, and residuals random
      bucket += residual >= cutoff ? 1 : 0;
    }
    return bucket;
  }

  /**
   * Encodes the residual of {@code token[from .. from + dimension)} from {@code
   * centroids[centroidFrom ..]} into {@code out[outFrom .. outFrom + codeBytes)}.
   */
  void encode(
      float[] token, int from, float[] centroids, int centroidFrom, int dimension, byte[] out, int outFrom) {
    int perByte = 8 / bits;
    Arrays.fill(out, outFrom, outFrom + codeBytes(dimension), (byte) 0);
    for (int d = 0; d < dimension; d++) {
      int code = bucket(token[from + d] - centroids[centroidFrom + d]);
      out[outFrom + d / perByte] |= (byte) (code << (bits * (d % perByte)));
    }
  }

  /** The code of dimension {@code d} in a token's codes. */
  int code(byte[] codes, int from, int d) {
    int perByte = 8 / bits;
    return (codes[from + d / perByte] >>> (bits * (d % perByte))) & ((1 << bits) - 1);
  }

  /**
   * The table with which {@link #score} computes {@code q . r~} of a token: entry {@code j * 256
   * + v} is the dot product of {@code q}'s dimensions in code byte {@code j} with the weights that
   * byte value {@code v} stands for.
   */
  float[] lookupTable(float[] q) {
    int perByte = 8 / bits;
    int codeBytes = codeBytes(q.length);
    int mask = (1 << bits) - 1;
    float[] table = new float[codeBytes * 256];
    for (int j = 0; j < codeBytes; j++) {
      for (int v = 0; v < 256; v++) {
        float sum = 0;
        for (int i = 0; i < perByte; i++) {
          int d = j * perByte + i;
          if (d < q.length) {
            sum += q[d] * weights[(v >>> (bits * i)) & mask];
          }
        }
        table[j * 256 + v] = sum;
      }
    }
    return table;
  }

  /** {@code q . r~} of the token whose codes are {@code codes[from .. from + codeBytes)}. */
  static float score(float[] table, byte[] codes, int from, int codeBytes) {
    // Four sums: one would wait on each addition before the next.
    float s0 = 0, s1 = 0, s2 = 0, s3 = 0;
    int j = 0;
    for (; j + 3 < codeBytes; j += 4) {
      s0 += table[(j << 8) | (codes[from + j] & 0xFF)];
      s1 += table[((j + 1) << 8) | (codes[from + j + 1] & 0xFF)];
      s2 += table[((j + 2) << 8) | (codes[from + j + 2] & 0xFF)];
      s3 += table[((j + 3) << 8) | (codes[from + j + 3] & 0xFF)];
    }
    for (; j < codeBytes; j++) {
      s0 += table[(j << 8) | (codes[from + j] & 0xFF)];
    }
    return (s0 + s1) + (s2 + s3);
  }
}
