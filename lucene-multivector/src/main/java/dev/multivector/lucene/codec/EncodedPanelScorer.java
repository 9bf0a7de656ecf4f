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
 * file by the JVM's kernel for the encoding. {@link #bestMatches} reads the raw float32 values (the
 * decoded ones in a field that keeps none).
 */
abstract sealed class EncodedPanelScorer extends MultiVectorScorer {

  final Float32PanelValues values;
  final float[][] query;
  final int dimension;
  final int queryTokens;
  final float[] maxima;
  private Float32PanelScorer exact; // for bestMatches, created on first use

  private EncodedPanelScorer(Float32PanelValues values, float[][] query) throws IOException {
    this.values = values;
    this.query = query;
    this.dimension = query[0].length;
    this.queryTokens = query.length;
    if (values.dimension() != dimension) {
      throw new IllegalArgumentException(
          "field \"" + values.field + "\": token dimension " + values.dimension()
              + " differs from the query's " + dimension);
    }
    this.maxima = Float32MaxSimKernel.newMaxima(queryTokens);
  }

  /** The scorer of the values' compressed encoding. */
  static EncodedPanelScorer of(Float32PanelValues values, float[][] query) throws IOException {
    return switch (values.encoding()) {
      case INT8 -> new Int8(values, query);
      case BIT -> new Bit(values, query);
      case FLOAT32 -> throw new IllegalArgumentException("FLOAT32 panels are scored as they are");
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

  /** The exact MaxSim (over the raw float32 vectors, or the decoded ones if the field has none). */
  @Override
  public float bestMatches(int[] bestTokens, float[] bestSimilarities) throws IOException {
    if (exact == null) {
      exact = new Float32PanelScorer(values, query);
    }
    return exact.bestMatches(bestTokens, bestSimilarities);
  }

  /** INT8: the query's float32 tokens against the codes, scaled. */
  static final class Int8 extends EncodedPanelScorer {
    private static final Int8MaxSimKernel KERNEL = KernelProvider.int8MaxSim();
    private final float[] rows; // the query, row-major

    Int8(Float32PanelValues values, float[][] query) throws IOException {
      super(values, query);
      this.rows = Float32PanelScorer.rowMajor(query);
    }

    @Override
    void accumulate(MemorySegment panels, int tokens) {
      KERNEL.accumulate(rows, dimension, panels, 0, tokens, maxima);
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
      return Float32MaxSimKernel.sumOfMaxima(maxima, scales);
    }
  }
}
