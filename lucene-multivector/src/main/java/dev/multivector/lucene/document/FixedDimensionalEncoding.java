package dev.multivector.lucene.document;

import java.util.Arrays;
import java.util.Random;

/**
 * MUVERA's fixed-dimensional encoding (Dhulipala et al., NeurIPS 2024): one vector per document
 * and one per query whose inner product approximates MaxSim, so that a single-vector index can
 * find MaxSim's candidates.
 *
 * <p>Each of {@code repetitions} repetitions draws {@code simHashBits} random Gaussian hyperplanes
 * and puts each token in the bucket of its signs (2<sup>simHashBits</sup> buckets). A query's
 * block for a bucket is the sum of its tokens in the bucket; a document's is the mean of its
 * tokens in the bucket or, if none is, the token whose signs differ from the bucket's in fewest
 * hyperplanes. For a query token, the dot product with the document's block of its bucket stands
 * for its best match: tokens that fall in the same bucket are likely to be close. Each block is
 * then multiplied by a random +-1/sqrt(p) matrix of {@code projectionDimension} p rows (none if p
 * equals the token dimension), and the blocks of every bucket and repetition are concatenated:
 * {@code repetitions x 2^simHashBits x p} dimensions.
 *
 * <p>The random draws depend on the dimension, the settings and {@code seed} only: an encoder
 * built with the same arguments encodes alike in every JVM, so documents and queries match.
 */
final class FixedDimensionalEncoding {

  private final int dimension, repetitions, simHashBits, projectionDimension;
  // Transposed, so that each loop runs over many independent sums (which the JIT vectorizes, in
  // the same order on every JVM) rather than over one dot product:
  private final float[] hyperplanes; // [k * repetitions * simHashBits + r * simHashBits + i]
  private final float[][] projections; // [repetition][k * projectionDimension + j]; null: identity

  FixedDimensionalEncoding(
      int dimension, int repetitions, int simHashBits, int projectionDimension, long seed) {
    if (dimension < 1) {
      throw new IllegalArgumentException("dimension must be at least 1, got " + dimension);
    }
    new MultiVectorFieldConfig.Fde(repetitions, simHashBits, projectionDimension, seed); // validates
    this.dimension = dimension;
    this.repetitions = repetitions;
    this.simHashBits = simHashBits;
    this.projectionDimension = projectionDimension;
    Random random = new Random(seed);
    int planes = repetitions * simHashBits;
    this.hyperplanes = new float[dimension * planes];
    this.projections =
        projectionDimension == dimension ? null : new float[repetitions][dimension * projectionDimension];
    float sign = (float) (1 / Math.sqrt(projectionDimension));
    for (int r = 0; r < repetitions; r++) {
      for (int i = 0; i < simHashBits; i++) {
        for (int k = 0; k < dimension; k++) {
          hyperplanes[k * planes + r * simHashBits + i] = (float) random.nextGaussian();
        }
      }
      if (projections != null) {
        for (int j = 0; j < projectionDimension; j++) {
          for (int k = 0; k < dimension; k++) {
            projections[r][k * projectionDimension + j] = random.nextBoolean() ? sign : -sign;
          }
        }
      }
    }
  }

  /** Dimensions of an encoding: {@code repetitions x 2^simHashBits x projectionDimension}. */
  int encodedDimension() {
    return repetitions * (1 << simHashBits) * projectionDimension;
  }

  /** A query's encoding: per bucket, the sum of its tokens. */
  float[] encodeQuery(float[][] tokens) {
    return encode(tokens, false);
  }

  /** A document's encoding: per bucket, the mean of its tokens, or its nearest token if none. */
  float[] encodeDocument(float[][] tokens) {
    return encode(tokens, true);
  }

  private float[] encode(float[][] tokens, boolean document) {
    if (tokens.length == 0) {
      throw new IllegalArgumentException("no tokens to encode");
    }
    final int buckets = 1 << simHashBits;
    int[][] bucketOf = buckets(tokens);
    float[] out = new float[encodedDimension()];
    float[][] blocks = new float[buckets][dimension];
    int[] counts = new int[buckets];
    for (int r = 0; r < repetitions; r++) {
      for (float[] block : blocks) {
        Arrays.fill(block, 0);
      }
      Arrays.fill(counts, 0);
      for (int t = 0; t < tokens.length; t++) {
        int bucket = bucketOf[r][t];
        counts[bucket]++;
        float[] block = blocks[bucket];
        float[] token = tokens[t];
        for (int k = 0; k < dimension; k++) {
          block[k] += token[k];
        }
      }
      for (int b = 0; b < buckets; b++) {
        if (document && counts[b] == 0) {
          System.arraycopy(tokens[nearestToken(bucketOf[r], b)], 0, blocks[b], 0, dimension);
        } else if (document && counts[b] > 1) {
          float scale = 1f / counts[b];
          for (int k = 0; k < dimension; k++) {
            blocks[b][k] *= scale;
          }
        }
        project(r, blocks[b], out, (r * buckets + b) * projectionDimension);
      }
    }
    return out;
  }

  /**
   * Each token's bucket in each repetition ({@code [repetition][token]}): bit i is set if the token
   * lies on the positive side of the repetition's hyperplane i.
   */
  private int[][] buckets(float[][] tokens) {
    int planes = repetitions * simHashBits;
    int[][] bucketOf = new int[repetitions][tokens.length];
    float[] dots = new float[planes];
    for (int t = 0; t < tokens.length; t++) {
      float[] token = tokens[t];
      if (token.length != dimension) {
        throw new IllegalArgumentException(
            "token " + t + " has dimension " + token.length + ", the encoding's is " + dimension);
      }
      Arrays.fill(dots, 0);
      for (int k = 0; k < dimension; k++) {
        float x = token[k];
        int base = k * planes;
        for (int p = 0; p < planes; p++) {
          dots[p] += x * hyperplanes[base + p];
        }
      }
      for (int r = 0; r < repetitions; r++) {
        int bucket = 0;
        for (int i = 0; i < simHashBits; i++) {
          if (dots[r * simHashBits + i] > 0) {
            bucket |= 1 << i;
          }
        }
        bucketOf[r][t] = bucket;
      }
    }
    return bucketOf;
  }

  /** The first token whose bucket differs from {@code bucket} in fewest bits. */
  private static int nearestToken(int[] bucketOf, int bucket) {
    int best = 0, bestDistance = Integer.MAX_VALUE;
    for (int t = 0; t < bucketOf.length; t++) {
      int distance = Integer.bitCount(bucketOf[t] ^ bucket);
      if (distance < bestDistance) {
        best = t;
        bestDistance = distance;
      }
    }
    return best;
  }

  private void project(int repetition, float[] block, float[] out, int offset) {
    if (projections == null) {
      System.arraycopy(block, 0, out, offset, dimension);
      return;
    }
    float[] projection = projections[repetition];
    for (int k = 0; k < dimension; k++) {
      float x = block[k];
      int base = k * projectionDimension;
      for (int j = 0; j < projectionDimension; j++) {
        out[offset + j] += x * projection[base + j];
      }
    }
  }
}
