package dev.multivector.lucene.search;

import dev.multivector.lucene.document.MultiVectorFieldConfig;
import java.util.Arrays;
import org.apache.lucene.index.VectorSimilarityFunction;

/** A query's token vectors, validated and copied, and their normalised twins for COSINE fields. */
final class QueryTokens {
  final int dimension;
  final int count;
  private final float[][] raw;
  private final float[][] normalized; // null if a token is the zero vector

  QueryTokens(float[][] vectors) {
    if (vectors == null || vectors.length == 0) {
      throw new IllegalArgumentException("query vectors must not be null or empty");
    }
    if (vectors[0] == null || vectors[0].length == 0) {
      throw new IllegalArgumentException("query token vector 0 is null or empty");
    }
    if (vectors.length > LateInteractionQuery.MAX_QUERY_TOKENS) {
      throw new IllegalArgumentException(
          "query has " + vectors.length + " token vectors, more than "
              + LateInteractionQuery.MAX_QUERY_TOKENS);
    }
    dimension = vectors[0].length;
    count = vectors.length;
    raw = new float[count][];
    float[][] unit = new float[count][dimension];
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
        if (Math.abs(v[i]) > MultiVectorFieldConfig.MAX_ABS_VALUE) {
          throw new IllegalArgumentException(
              "query token vector " + t + " has a value " + v[i] + " at index " + i
                  + " beyond +-" + MultiVectorFieldConfig.MAX_ABS_VALUE
                  + " (MaxSim over such values could overflow float)");
        }
        squaredNorm += (double) v[i] * v[i];
      }
      raw[t] = v.clone();
      anyZero |= squaredNorm == 0;
      // Divide in double: 1/norm overflows a float for vectors of subnormal values.
      double norm = Math.sqrt(squaredNorm);
      for (int i = 0; i < dimension; i++) {
        unit[t][i] = (float) (v[i] / norm);
      }
    }
    normalized = anyZero ? null : unit;
  }

  /**
   * The tokens to compare by dot product with a field's tokens: as given for DOT_PRODUCT,
   * normalised for COSINE. Shared: do not modify.
   */
  float[][] forSimilarity(String field, VectorSimilarityFunction similarity) {
    if (similarity != VectorSimilarityFunction.COSINE) {
      return raw;
    }
    if (normalized == null) {
      throw new IllegalArgumentException(
          "field \"" + field + "\" uses COSINE, which cannot normalise a zero query token vector");
    }
    return normalized;
  }

  /** A copy of the tokens as given. */
  float[][] toMatrix() {
    float[][] copy = new float[count][];
    for (int t = 0; t < count; t++) {
      copy[t] = raw[t].clone();
    }
    return copy;
  }

  @Override
  public boolean equals(Object o) {
    return o instanceof QueryTokens other && Arrays.deepEquals(raw, other.raw);
  }

  @Override
  public int hashCode() {
    return Arrays.deepHashCode(raw);
  }

  @Override
  public String toString() {
    return count + "x" + dimension;
  }
}
