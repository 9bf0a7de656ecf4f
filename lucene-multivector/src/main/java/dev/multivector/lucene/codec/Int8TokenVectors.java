package dev.multivector.lucene.codec;

import java.io.IOException;
import org.apache.lucene.store.IndexInput;
import org.apache.lucene.util.VectorUtil;
import org.apache.lucene.util.hnsw.RandomVectorScorer;
import org.apache.lucene.util.hnsw.RandomVectorScorerSupplier;
import org.apache.lucene.util.hnsw.UpdateableRandomVectorScorer;

/**
 * Int8 token vectors with a scale each, {@code dimension + 4} bytes a token (see {@link
 * HnswTokenIndexFormat}), read from an index input, and the scorers HNSW graphs build and search
 * with: estimated dot products, as {@link VectorUtil#scaleMaxInnerProductScore}. For one thread;
 * {@link #copy()} for another.
 */
final class Int8TokenVectors {

  private final IndexInput in; // the tokens, from offset 0
  private final int dimension;
  private final int count;
  private final byte[] codes;

  Int8TokenVectors(IndexInput in, int dimension, int count) {
    this.in = in;
    this.dimension = dimension;
    this.count = count;
    this.codes = new byte[dimension];
  }

  /** Bytes per token. */
  static int stride(int dimension) {
    return dimension + Float.BYTES;
  }

  /**
   * Writes the codes of {@code dimension} values of {@code src} from {@code offset} into {@code
   * codes} and returns their scale: {@code max|x| / 127}, 0 for a zero vector.
   */
  static float quantize(float[] src, int offset, int dimension, byte[] codes) {
    float max = 0;
    for (int i = 0; i < dimension; i++) {
      max = Math.max(max, Math.abs(src[offset + i]));
    }
    if (max == 0) {
      java.util.Arrays.fill(codes, 0, dimension, (byte) 0);
      return 0;
    }
    float inverse = 127 / max;
    for (int i = 0; i < dimension; i++) {
      int code = Math.round(src[offset + i] * inverse);
      codes[i] = (byte) Math.max(-127, Math.min(127, code));
    }
    return max / 127;
  }

  /** Reads token {@code token}'s codes into {@code dest}; returns its scale. */
  float read(int token, byte[] dest) throws IOException {
    in.seek((long) token * stride(dimension));
    in.readBytes(dest, 0, dimension);
    return Float.intBitsToFloat(in.readInt());
  }

  Int8TokenVectors copy() {
    return new Int8TokenVectors(in.clone(), dimension, count);
  }

  /** A scorer of the tokens against a float query token, quantized as the tokens are. */
  RandomVectorScorer scorer(float[] target) {
    byte[] query = new byte[dimension];
    float scale = quantize(target, 0, dimension, query);
    return new Scorer(query, scale);
  }

  /** Scorers of the tokens against one another, for building graphs. */
  RandomVectorScorerSupplier scorerSupplier() {
    return new RandomVectorScorerSupplier() {
      @Override
      public UpdateableRandomVectorScorer scorer() {
        return new Scorer(new byte[dimension], 0);
      }

      @Override
      public RandomVectorScorerSupplier copy() {
        return Int8TokenVectors.this.copy().scorerSupplier();
      }
    };
  }

  private final class Scorer implements UpdateableRandomVectorScorer {
    private final byte[] query;
    private float queryScale;

    Scorer(byte[] query, float queryScale) {
      this.query = query;
      this.queryScale = queryScale;
    }

    @Override
    public void setScoringOrdinal(int node) throws IOException {
      queryScale = read(node, query);
    }

    @Override
    public float score(int node) throws IOException {
      float scale = read(node, codes);
      return VectorUtil.scaleMaxInnerProductScore(
          queryScale * scale * VectorUtil.dotProduct(query, codes));
    }

    @Override
    public int maxOrd() {
      return count;
    }
  }
}
