package dev.multivector.lucene.search;

import dev.multivector.lucene.codec.MultiVectorScorer;
import dev.multivector.lucene.codec.MultiVectorValues;
import dev.multivector.lucene.document.MultiVectorFieldConfig;
import java.io.IOException;
import java.util.ArrayList;
import java.util.List;
import org.apache.lucene.index.DocValuesType;
import org.apache.lucene.index.FieldInfo;
import org.apache.lucene.index.LeafReader;
import org.apache.lucene.index.VectorSimilarityFunction;
import org.apache.lucene.search.Explanation;

/**
 * MaxSim of one query against the documents of one segment: the field's values, positioned by
 * the caller, and their scorer. Not thread-safe, like the doc values it reads.
 */
final class SegmentMaxSim {
  /** The field's values; iterate or advance them to choose the document to score. */
  final MultiVectorValues values;

  /** The query's tokens as compared with this segment's (normalised for a COSINE field). */
  final float[][] queryTokens;

  private final MultiVectorScorer scorer;

  private SegmentMaxSim(MultiVectorValues values, float[][] queryTokens) throws IOException {
    this.values = values;
    this.queryTokens = queryTokens;
    this.scorer = values.scorer(queryTokens);
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
    return new SegmentMaxSim(values, tokens.forSimilarity(field, similarity));
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

  /** The current document's MaxSim. */
  float maxSim() throws IOException {
    return scorer.score();
  }

  /**
   * Explains the current document's score: the raw MaxSim and, for each query token, the document
   * token it matched best (which token or page patch) and their similarity.
   */
  Explanation explain(float score, String description) throws IOException {
    int[] bestTokens = new int[queryTokens.length];
    float[] bestSimilarities = new float[queryTokens.length];
    scorer.bestMatches(bestTokens, bestSimilarities);
    int tokens = values.tokenCount();
    List<Explanation> matches = new ArrayList<>(queryTokens.length);
    for (int i = 0; i < queryTokens.length; i++) {
      matches.add(
          Explanation.match(
              bestSimilarities[i],
              "query token " + i + ": best document token " + bestTokens[i] + " of " + tokens));
    }
    return Explanation.match(
        score,
        description,
        Explanation.match(
            scorer.score(),
            "MaxSim, each query token's best dot product with the document's " + tokens
                + " tokens, sum of:",
            matches));
  }
}
