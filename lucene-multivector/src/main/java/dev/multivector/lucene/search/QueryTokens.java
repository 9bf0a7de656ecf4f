package dev.multivector.lucene.search;

import java.util.Arrays;
import org.apache.lucene.index.VectorSimilarityFunction;

/** A query's token vectors, validated and flattened row-major, as the MaxSim kernels take them. */
final class QueryTokens {
  final int dimension;
  final int count;
  private final float[] raw;
  private final float[] normalized; // for COSINE fields; null if a token is the zero vector

  QueryTokens(float[][] vectors) {
    if (vectors == null || vectors.length == 0) {
      throw new IllegalArgumentException("query vectors must not be null or empty");
    }
    if (vectors[0] == null || vectors[0].length == 0) {
      throw new IllegalArgumentException("query token vector 0 is null or empty");
    }
    dimension = vectors[0].length;
    count = vectors.length;
    raw = new float[count * dimension];
    float[] unit = new float[count * dimension];
    boolean anyZero = false;
    for (int t = 0; t < count; t++) {
      float[] v = vectors[t];
      if (v == null || v.length != dimension) {
        throw new IllegalArgumentException(
            "query token vector " + t + " has dimension " + (v == null ? "null" : v.length)
                + ", query token vector 0 has " + dimension);
      }
      double squaredNorm = 0;
      for (int i = 0; i < dimension; i++) {
        if (Float.isFinite(v[i]) == false) {
          throw new IllegalArgumentException(
              "query token vector " + t + " has a non-finite value " + v[i] + " at index " + i);
        }
        squaredNorm += (double) v[i] * v[i];
      }
      System.arraycopy(v, 0, raw, t * dimension, dimension);
      anyZero |= squaredNorm == 0;
      double norm = Math.sqrt(squaredNorm);
      for (int i = 0; i < dimension; i++) {
        unit[t * dimension + i] = (float) (v[i] / norm);
      }
    }
    normalized = anyZero ? null : unit;
  }

  /** The tokens to score with against a field of this similarity (DOT_PRODUCT or COSINE). */
  float[] forSimilarity(String field, VectorSimilarityFunction similarity) {
    if (similarity != VectorSimilarityFunction.COSINE) {
      return raw;
    }
    if (normalized == null) {
      throw new IllegalArgumentException(
          "field \"" + field + "\" uses COSINE, which cannot normalise a zero query token vector");
    }
    return normalized;
  }

  /** The tokens as given, one row per token. */
  float[][] toMatrix() {
    return rows(raw);
  }

  /** The tokens to score with against a field of this similarity, one row per token. */
  float[][] matrix(String field, VectorSimilarityFunction similarity) {
    return rows(forSimilarity(field, similarity));
  }

  private float[][] rows(float[] flat) {
    float[][] matrix = new float[count][];
    for (int t = 0; t < count; t++) {
      matrix[t] = Arrays.copyOfRange(flat, t * dimension, (t + 1) * dimension);
    }
    return matrix;
  }

  @Override
  public boolean equals(Object o) {
    return o instanceof QueryTokens other && dimension == other.dimension && Arrays.equals(raw, other.raw);
  }

  @Override
  public int hashCode() {
    return 31 * dimension + Arrays.hashCode(raw);
  }
}
