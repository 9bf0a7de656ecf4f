package dev.multivector.lucene.codec;

import dev.multivector.lucene.internal.vectorization.Float32MaxSimKernel;
import dev.multivector.lucene.internal.vectorization.KernelProvider;
import java.io.IOException;
import java.lang.foreign.MemorySegment;
import java.lang.foreign.ValueLayout;
import java.nio.ByteOrder;
import org.apache.lucene.search.DocIdSetIterator;

/**
 * MaxSim over float32 panels with the JVM's {@link Float32MaxSimKernel}: in place when the panels
 * are memory-mapped, else a chunk of panels at a time through a buffer that stays in the L2
 * cache while every query token runs over it.
 */
final class Float32PanelScorer extends MultiVectorScorer {

  /** Floats of panels copied at a time: 64 KB. */
  private static final int CHUNK_FLOATS = 1 << 14;

  private static final Float32MaxSimKernel KERNEL = KernelProvider.float32();

  private static final ValueLayout.OfFloat LITTLE_ENDIAN_FLOAT =
      ValueLayout.JAVA_FLOAT_UNALIGNED.withOrder(ByteOrder.LITTLE_ENDIAN);

  private final Float32PanelValues values;
  private final float[] query; // row-major
  private final int dimension;
  private final int queryTokens;
  private final float[] maxima;
  private float[] chunk; // for panels that are not memory-mapped; allocated on first use

  Float32PanelScorer(Float32PanelValues values, float[][] query) {
    this.values = values;
    this.queryTokens = query.length;
    this.dimension = query[0].length;
    this.query = rowMajor(query);
    this.maxima = Float32MaxSimKernel.newMaxima(queryTokens);
  }

  /** The query's tokens in one array, row-major, as the kernels take them. */
  static float[] rowMajor(float[][] query) {
    int dimension = query[0].length;
    float[] rows = new float[query.length * dimension];
    for (int i = 0; i < query.length; i++) {
      System.arraycopy(query[i], 0, rows, i * dimension, dimension);
    }
    return rows;
  }

  @Override
  public DocIdSetIterator iterator() {
    return values;
  }

  @Override
  public float score() throws IOException {
    int tokens = checkedTokenCount();
    Float32MaxSimKernel.resetMaxima(maxima);
    MemorySegment mapped = values.mappedPanels();
    if (mapped != null) {
      // In place: the kernel streams the mapped panels, a copy would cost as much again.
      KERNEL.accumulate(query, dimension, mapped, 0, tokens, maxima);
    } else {
      accumulateChunks(tokens);
    }
    float maxSim = Float32MaxSimKernel.sumOfMaxima(maxima, queryTokens);
    if (Float.isFinite(maxSim) == false) {
      // Only values beyond MultiVectorFieldConfig.MAX_ABS_VALUE, which MultiVectorField refuses
      // but other LateInteractionFields may hold, overflow: score this document in double.
      maxSim = (float) exact(tokens, null, null);
    }
    return Float.isNaN(maxSim) ? Float.NEGATIVE_INFINITY : maxSim;
  }

  private void accumulateChunks(int tokens) throws IOException {
    final int panelFloats = PanelLayout.panelFloats(dimension);
    // Whole blocks of the kernel (four panels at 512 bits): a partial block computes padding.
    final int chunkPanels = Math.max(4, CHUNK_FLOATS / panelFloats / 4 * 4);
    if (chunk == null) {
      chunk = new float[chunkPanels * panelFloats];
    }
    int panelCount = PanelLayout.panelCount(tokens);
    for (int panel = 0; panel < panelCount; panel += chunkPanels) {
      int count = Math.min(chunkPanels, panelCount - panel);
      values.readPanels(panel, count, chunk, 0);
      int chunkTokens =
          Math.min(tokens - panel * PanelLayout.PANEL_TOKENS, count * PanelLayout.PANEL_TOKENS);
      KERNEL.accumulate(query, dimension, littleEndian(chunk, count * panelFloats), 0, chunkTokens, maxima);
    }
  }

  /** Kernels read little-endian floats, as index files hold them; heap arrays are native. */
  private static MemorySegment littleEndian(float[] floats, int count) {
    MemorySegment segment = MemorySegment.ofArray(floats);
    if (ByteOrder.nativeOrder() == ByteOrder.LITTLE_ENDIAN) {
      return segment;
    }
    MemorySegment copy = MemorySegment.ofArray(new byte[count * Float.BYTES]);
    for (int i = 0; i < count; i++) {
      copy.setAtIndex(LITTLE_ENDIAN_FLOAT, i, floats[i]);
    }
    return copy;
  }

  /** The current document's token count, after checking its dimension is the query's. */
  private int checkedTokenCount() throws IOException {
    int docDimension = values.dimension();
    if (docDimension != dimension) {
      throw new IllegalArgumentException(
          "field \"" + values.field + "\", doc " + values.docID() + ": token dimension "
              + docDimension + " differs from the query's " + dimension);
    }
    return values.tokenCount();
  }

  @Override
  public float bestMatches(int[] bestTokens, float[] bestSimilarities) throws IOException {
    return (float) exact(checkedTokenCount(), bestTokens, bestSimilarities);
  }

  /**
   * MaxSim in double precision, one token pair at a time, and each query token's best document
   * token and its similarity if the arrays are given: for explanations, and for values whose
   * float32 MaxSim overflows.
   */
  private double exact(int tokens, int[] bestTokens, float[] bestSimilarities) throws IOException {
    float[] panels = values.allPanels();
    double sum = 0;
    for (int i = 0; i < queryTokens; i++) {
      int best = 0;
      double bestSimilarity = Double.NEGATIVE_INFINITY;
      for (int t = 0; t < tokens; t++) {
        int base = PanelLayout.tokenOffset(dimension, t);
        double dot = 0;
        for (int k = 0; k < dimension; k++) {
          dot += (double) query[i * dimension + k] * panels[base + k * PanelLayout.PANEL_TOKENS];
        }
        if (dot > bestSimilarity) {
          bestSimilarity = dot;
          best = t;
        }
      }
      if (bestTokens != null) {
        bestTokens[i] = best;
        bestSimilarities[i] = (float) bestSimilarity;
      }
      sum += bestSimilarity;
    }
    return sum;
  }
}
