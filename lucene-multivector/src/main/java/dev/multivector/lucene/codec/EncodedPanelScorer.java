package dev.multivector.lucene.codec;

import dev.multivector.lucene.internal.vectorization.BitMaxSimKernel;
import dev.multivector.lucene.internal.vectorization.Float32MaxSimKernel;
import dev.multivector.lucene.internal.vectorization.Int8MaxSimKernel;
import dev.multivector.lucene.internal.vectorization.KernelProvider;
import java.io.IOException;
import java.lang.foreign.MemorySegment;
import org.apache.lucene.search.DocIdSetIterator;

/**
 * MaxSim over a compressed encoding's panels (INT8 or BIT), scored in place in the memory-mapped
 * file by the JVM's kernel for the encoding. {@link #bestMatches} reads the raw float32 values.
 */
abstract sealed class EncodedPanelScorer extends MultiVectorScorer {

  final Float32PanelValues values;
  final int dimension;
  final int queryTokens;
  final float[] maxima;
  private final Float32PanelScorer exact;

  private EncodedPanelScorer(Float32PanelValues values, float[][] query) throws IOException {
    this.values = values;
    this.dimension = query[0].length;
    this.queryTokens = query.length;
    if (values.dimension() != dimension) {
      throw new IllegalArgumentException(
          "field \"" + values.field + "\": token dimension " + values.dimension()
              + " differs from the query's " + dimension);
    }
    this.maxima = Float32MaxSimKernel.newMaxima(queryTokens);
    this.exact = new Float32PanelScorer(values, query);
  }

  /** The scorer of the encoding the values have. */
  static MultiVectorScorer of(Float32PanelValues values, float[][] query) throws IOException {
    return switch (values.encoding()) {
      case FLOAT32 -> new Float32PanelScorer(values, query);
      case INT8 -> new Int8(values, query);
      case BIT -> new Bit(values, query);
    };
  }

  @Override
  public DocIdSetIterator iterator() {
    return values;
  }

  @Override
  public float score() throws IOException {
    Float32MaxSimKernel.resetMaxima(maxima);
    accumulate(values.encodedPanels(), values.tokenCount());
    float maxSim = sumOfMaxima();
    return Float.isNaN(maxSim) ? Float.NEGATIVE_INFINITY : maxSim;
  }

  abstract void accumulate(MemorySegment panels, int tokens);

  abstract float sumOfMaxima();

  @Override
  public float bestMatches(int[] bestTokens, float[] bestSimilarities) throws IOException {
    return exact.bestMatches(bestTokens, bestSimilarities);
  }

  /** INT8: the query's float32 tokens against the codes, scaled. */
  static final class Int8 extends EncodedPanelScorer {
    private static final Int8MaxSimKernel KERNEL = KernelProvider.int8MaxSim();
    private final float[] query; // row-major

    Int8(Float32PanelValues values, float[][] query) throws IOException {
      super(values, query);
      this.query = new float[queryTokens * dimension];
      for (int i = 0; i < queryTokens; i++) {
        System.arraycopy(query[i], 0, this.query, i * dimension, dimension);
      }
    }

    @Override
    void accumulate(MemorySegment panels, int tokens) {
      KERNEL.accumulate(query, dimension, panels, 0, tokens, maxima);
    }

    @Override
    float sumOfMaxima() {
      return Float32MaxSimKernel.sumOfMaxima(maxima, queryTokens);
    }
  }

  /** BIT: the binarised query against the bits, each query token weighted by its scale. */
  static final class Bit extends EncodedPanelScorer {
    private static final BitMaxSimKernel KERNEL = KernelProvider.bitMaxSim();
    private final int[] words;
    private final float[] scales;

    Bit(Float32PanelValues values, float[][] query) throws IOException {
      super(values, query);
      this.words = BitPanels.binarise(query);
      this.scales = BitPanels.scales(query);
    }

    @Override
    void accumulate(MemorySegment panels, int tokens) {
      KERNEL.accumulate(words, dimension, panels, 0, tokens, maxima);
    }

    @Override
    float sumOfMaxima() {
      float sum = 0;
      for (int i = 0; i < queryTokens; i++) {
        float max = Float.NEGATIVE_INFINITY;
        for (int lane = 0; lane < Float32MaxSimKernel.LANES; lane++) {
          max = Math.max(max, maxima[i * Float32MaxSimKernel.LANES + lane]);
        }
        sum += scales[i] * max;
      }
      return sum;
    }
  }
}
