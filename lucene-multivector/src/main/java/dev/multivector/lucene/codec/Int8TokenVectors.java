package dev.multivector.lucene.codec;

import dev.multivector.lucene.internal.vectorization.Int8DotProductKernel;
import dev.multivector.lucene.internal.vectorization.KernelProvider;
import java.io.IOException;
import java.lang.foreign.MemorySegment;
import java.lang.foreign.ValueLayout;
import java.nio.ByteOrder;
import org.apache.lucene.store.IndexInput;
import org.apache.lucene.store.MemorySegmentAccessInput;
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

  private static final Int8DotProductKernel INT8 = KernelProvider.int8();

  private static final ValueLayout.OfInt LITTLE_ENDIAN_INT =
      ValueLayout.JAVA_INT_UNALIGNED.withOrder(ByteOrder.LITTLE_ENDIAN);

  private final IndexInput in; // the tokens, from offset 0
  private final MemorySegment mapped; // the same, if memory-mapped: read without the input's state
  private final int dimension;
  private final int count;
  private final byte[] codes;

  Int8TokenVectors(IndexInput in, int dimension, int count) throws IOException {
    this.in = in;
    this.mapped =
        in instanceof MemorySegmentAccessInput access
            ? access.segmentSliceOrNull(0, in.length())
            : null;
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
    long position = (long) token * stride(dimension);
    if (mapped != null) {
      MemorySegment.copy(mapped, ValueLayout.JAVA_BYTE, position, dest, 0, dimension);
      return mappedScale(position);
    }
    in.seek(position);
    in.readBytes(dest, 0, dimension);
    return Float.intBitsToFloat(in.readInt());
  }

  /** The scale after the codes of the token at {@code position} of the mapped tokens. */
  private float mappedScale(long position) {
    return Float.intBitsToFloat(mapped.get(LITTLE_ENDIAN_INT, position + dimension));
  }

  Int8TokenVectors copy() throws IOException {
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
      public RandomVectorScorerSupplier copy() throws IOException {
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
      final float scale;
      final int dot;
      if (mapped != null) { // in place
        long position = (long) node * stride(dimension);
        dot = INT8.dotProduct(query, mapped, position);
        scale = mappedScale(position);
      } else {
        scale = read(node, codes);
        dot = VectorUtil.dotProduct(query, codes);
      }
      return VectorUtil.scaleMaxInnerProductScore(queryScale * scale * dot);
    }

    @Override
    public int maxOrd() {
      return count;
    }
  }
}
