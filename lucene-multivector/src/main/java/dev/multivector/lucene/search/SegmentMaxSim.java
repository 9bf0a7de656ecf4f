package dev.multivector.lucene.search;

import dev.multivector.lucene.codec.MultiVectorValues;
import dev.multivector.lucene.document.MultiVectorFieldConfig;
import dev.multivector.lucene.simd.MaxSim;
import java.io.IOException;
import java.lang.foreign.MemorySegment;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import org.apache.lucene.index.DocValuesType;
import org.apache.lucene.index.FieldInfo;
import org.apache.lucene.index.LeafReader;
import org.apache.lucene.index.VectorSimilarityFunction;
import org.apache.lucene.search.Explanation;

/**
 * MaxSim of one query against the documents of one segment. Positions with {@link #values}, then
 * scores the current document; not thread-safe, like the doc values it reads.
 */
final class SegmentMaxSim {
  /** The field's values; iterate or advance them to choose the document to score. */
  final MultiVectorValues values;

  /** Floats of panels read at a time: 64 KB, which stays in the L2 cache while it is scored. */
  private static final int CHUNK_FLOATS = 1 << 14;

  private final String field;
  private final float[] query;
  private final int dimension;
  private final int queryTokens;
  private final int chunkPanels;
  private float[] panels; // one chunk, for panels that are not memory-mapped; allocated on first use
  private final float[] maxima;

  private SegmentMaxSim(MultiVectorValues values, String field, float[] query, int dimension) {
    this.values = values;
    this.field = field;
    this.query = query;
    this.dimension = dimension;
    this.queryTokens = query.length / dimension;
    int panelFloats = dimension * MultiVectorValues.PANEL_TOKENS;
    // Whole blocks of the kernel (four panels at 512 bits): a partial block computes padding.
    this.chunkPanels = Math.max(4, CHUNK_FLOATS / panelFloats / 4 * 4);
    this.maxima = MaxSim.newMaxima(queryTokens);
  }

  /**
   * MaxSim over the segment's values of {@code field}, or null if the segment has none.
   *
   * @throws IllegalArgumentException if the field is not a multi-vector field or its dimension is
   *     not the query's
   */
  static SegmentMaxSim create(LeafReader reader, String field, QueryTokens tokens)
      throws IOException {
    FieldInfo info = reader.getFieldInfos().fieldInfo(field);
    if (info == null) {
      return null;
    }
    MultiVectorFieldConfig config = checkField(info, tokens);
    MultiVectorValues values = MultiVectorValues.of(reader, field);
    if (values == null) {
      return null;
    }
    VectorSimilarityFunction similarity =
        config == null ? VectorSimilarityFunction.DOT_PRODUCT : config.similarity();
    return new SegmentMaxSim(
        values,
        field,
        tokens.forSimilarity(field, similarity),
        tokens.dimension);
  }

  /** The field's configuration in this segment; null for plain LateInteractionField values. */
  static MultiVectorFieldConfig checkField(FieldInfo info, QueryTokens tokens) {
    if (info.getDocValuesType() != DocValuesType.BINARY) {
      throw new IllegalArgumentException(
          "field \"" + info.name + "\" is not a multi-vector field: its doc values type is "
              + info.getDocValuesType() + ", not BINARY");
    }
    MultiVectorFieldConfig config = MultiVectorFieldConfig.fromFieldInfo(info);
    if (config != null && config.dimension() != tokens.dimension) {
      throw new IllegalArgumentException(
          "query token dimension " + tokens.dimension + " differs from field \"" + info.name
              + "\"'s dimension " + config.dimension());
    }
    return config;
  }

  /** Query token {@code i}, as scored against this segment (normalised for COSINE). */
  float[] queryToken(int i) {
    return Arrays.copyOfRange(query, i * dimension, (i + 1) * dimension);
  }

  /**
   * The current document's MaxSim. NaN (possible only with non-finite stored values) becomes
   * negative infinity, so such documents rank last.
   */
  float maxSim() throws IOException {
    int tokens = checkedTokenCount();
    MaxSim.resetMaxima(maxima);
    MemorySegment mapped = values.mappedPanels();
    if (mapped != null) {
      // In place: the kernel streams the mapped panels, a copy would cost as much again.
      MaxSim.accumulate(query, dimension, mapped, 0, tokens, maxima);
    } else {
      accumulateCopies(tokens);
    }
    float maxSim = MaxSim.sumOfMaxima(maxima, queryTokens);
    return Float.isNaN(maxSim) ? Float.NEGATIVE_INFINITY : maxSim;
  }

  private void accumulateCopies(int tokens) throws IOException {
    int panelCount = MultiVectorValues.panelCount(tokens);
    if (panels == null) {
      panels = new float[chunkPanels * dimension * MultiVectorValues.PANEL_TOKENS];
    }
    // A chunk of panels at a time: read from the index into a buffer that stays in cache while
    // the kernel runs every query token over it.
    for (int panel = 0; panel < panelCount; panel += chunkPanels) {
      int count = Math.min(chunkPanels, panelCount - panel);
      values.readPanels(panel, count, panels, 0);
      int chunkTokens = Math.min(tokens - panel * MultiVectorValues.PANEL_TOKENS, count * MultiVectorValues.PANEL_TOKENS);
      MaxSim.accumulate(query, dimension, panels, 0, chunkTokens, maxima);
    }
  }

  /** The current document's token count, after checking its dimension is the query's. */
  private int checkedTokenCount() throws IOException {
    int docDimension = values.dimension();
    if (docDimension != dimension) {
      throw new IllegalArgumentException(
          "field \"" + field + "\", doc " + values.docID() + ": token dimension " + docDimension
              + " differs from the query's " + dimension);
    }
    return values.tokenCount();
  }

  /**
   * Explains the current document's score: the raw MaxSim and, for each query token, the document
   * token it matched best (which token or page patch) and their similarity.
   */
  Explanation explain(float score, String description) throws IOException {
    int tokens = checkedTokenCount();
    int panelCount = MultiVectorValues.panelCount(tokens);
    float[] all = new float[panelCount * dimension * MultiVectorValues.PANEL_TOKENS];
    values.readPanels(0, panelCount, all, 0);
    int[] bestTokens = new int[queryTokens];
    float[] bestSimilarities = new float[queryTokens];
    MaxSim.bestMatches(query, dimension, all, 0, tokens, bestTokens, bestSimilarities);
    float maxSim = maxSim();
    List<Explanation> matches = new ArrayList<>(queryTokens);
    for (int i = 0; i < queryTokens; i++) {
      matches.add(
          Explanation.match(
              bestSimilarities[i],
              "query token " + i + ": best document token " + bestTokens[i] + " of " + tokens));
    }
    return Explanation.match(
        score,
        description,
        Explanation.match(
            maxSim,
            "MaxSim, each query token's best dot product with the document's " + tokens
                + " tokens, sum of:",
            matches));
  }
}
