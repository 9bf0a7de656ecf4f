package dev.multivector.lucene.document;

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

  /** Largest encoded dimension: 2^16 floats, 256 KB a document. */
  static final int MAX_ENCODED_DIMENSION = 1 << 16;

  private final int dimension, repetitions, simHashBits, projectionDimension;
  private final float[][][] hyperplanes; // [repetition][bit][component]
  private final float[][][] projections; // [repetition][row][component]; null: identity

  FixedDimensionalEncoding(
      int dimension, int repetitions, int simHashBits, int projectionDimension, long seed) {
    if (dimension < 1) {
      throw new IllegalArgumentException("dimension must be at least 1, got " + dimension);
    }
    if (repetitions < 1) {
      throw new IllegalArgumentException("repetitions must be at least 1, got " + repetitions);
    }
    if (simHashBits < 0 || simHashBits > 16) {
      throw new IllegalArgumentException("simHashBits must be in [0, 16], got " + simHashBits);
    }
    if (projectionDimension < 1) {
      throw new IllegalArgumentException(
          "projectionDimension must be at least 1, got " + projectionDimension);
    }
    long encoded = (long) repetitions * (1L << simHashBits) * projectionDimension;
    if (encoded > MAX_ENCODED_DIMENSION) {
      throw new IllegalArgumentException(
          "repetitions x 2^simHashBits x projectionDimension = " + encoded + ", more than "
              + MAX_ENCODED_DIMENSION);
    }
    this.dimension = dimension;
    this.repetitions = repetitions;
    this.simHashBits = simHashBits;
    this.projectionDimension = projectionDimension;
    Random random = new Random(seed);
    this.hyperplanes = new float[repetitions][simHashBits][dimension];
    this.projections =
        projectionDimension == dimension ? null : new float[repetitions][projectionDimension][dimension];
    float sign = (float) (1 / Math.sqrt(projectionDimension));
    for (int r = 0; r < repetitions; r++) {
      for (float[] hyperplane : hyperplanes[r]) {
        for (int k = 0; k < dimension; k++) {
          hyperplane[k] = (float) random.nextGaussian();
        }
      }
      if (projections != null) {
        for (float[] row : projections[r]) {
          for (int k = 0; k < dimension; k++) {
            row[k] = random.nextBoolean() ? sign : -sign;
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
    float[] out = new float[encodedDimension()];
    int[] bucketOf = new int[tokens.length];
    double[][] blocks = new double[buckets][dimension];
    int[] counts = new int[buckets];
    for (int r = 0; r < repetitions; r++) {
      for (double[] block : blocks) {
        java.util.Arrays.fill(block, 0);
      }
      java.util.Arrays.fill(counts, 0);
      for (int t = 0; t < tokens.length; t++) {
        float[] token = tokens[t];
        if (token.length != dimension) {
          throw new IllegalArgumentException(
              "token " + t + " has dimension " + token.length + ", the encoding's is " + dimension);
        }
        int bucket = bucket(hyperplanes[r], token);
        bucketOf[t] = bucket;
        counts[bucket]++;
        for (int k = 0; k < dimension; k++) {
          blocks[bucket][k] += token[k];
        }
      }
      for (int b = 0; b < buckets; b++) {
        if (document && counts[b] == 0) {
          float[] nearest = tokens[nearestToken(bucketOf, b)];
          for (int k = 0; k < dimension; k++) {
            blocks[b][k] = nearest[k];
          }
        } else if (document) {
          for (int k = 0; k < dimension; k++) {
            blocks[b][k] /= counts[b];
          }
        }
        project(r, blocks[b], out, (r * buckets + b) * projectionDimension);
      }
    }
    return out;
  }

  /** The bucket of {@code token}: bit i is set if it lies on the positive side of hyperplane i. */
  private static int bucket(float[][] hyperplanes, float[] token) {
    int bucket = 0;
    for (int i = 0; i < hyperplanes.length; i++) {
      double dot = 0;
      for (int k = 0; k < token.length; k++) {
        dot += (double) hyperplanes[i][k] * token[k];
      }
      if (dot > 0) {
        bucket |= 1 << i;
      }
    }
    return bucket;
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

  private void project(int repetition, double[] block, float[] out, int offset) {
    if (projections == null) {
      for (int k = 0; k < dimension; k++) {
        out[offset + k] = (float) block[k];
      }
      return;
    }
    for (int j = 0; j < projectionDimension; j++) {
      float[] row = projections[repetition][j];
      double sum = 0;
      for (int k = 0; k < dimension; k++) {
        sum += row[k] * block[k];
      }
      out[offset + j] = (float) sum;
    }
  }
}
