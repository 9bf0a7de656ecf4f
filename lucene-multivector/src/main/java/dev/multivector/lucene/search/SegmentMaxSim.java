package dev.multivector.lucene.search;

import dev.multivector.lucene.codec.MultiVectorScorer;
import dev.multivector.lucene.codec.MultiVectorValues;
import dev.multivector.lucene.document.MultiVectorFieldConfig;
import dev.multivector.lucene.document.MultiVectorFieldConfig.Encoding;
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

  // Created on first use: rescoring and MaxSimValuesSource need only the exact one.
  private MultiVectorScorer scorer; // in the segment's encoding
  private MultiVectorScorer exact; // float32

  private SegmentMaxSim(MultiVectorValues values, float[][] queryTokens) {
    this.values = values;
    this.queryTokens = queryTokens;
  }

  private MultiVectorScorer scorer() throws IOException {
    if (scorer == null) {
      scorer = compressed() ? values.scorer(queryTokens) : exact();
    }
    return scorer;
  }

  private MultiVectorScorer exact() throws IOException {
    if (exact == null) {
      exact = values.exactScorer(queryTokens);
    }
    return exact;
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

  /** The current document's MaxSim in the segment's encoding: exact for FLOAT32. */
  float maxSim() throws IOException {
    return scorer().score();
  }

  /** The current document's exact MaxSim, from its raw float32 tokens. */
  float exactMaxSim() throws IOException {
    return exact().score();
  }

  /** Whether {@link #maxSim()} is an estimate from compressed tokens. */
  boolean compressed() {
    return values.encoding() != Encoding.FLOAT32;
  }

  /**
   * Explains the current document's score {@code score}, of {@link #exactMaxSim()}: the exact
   * MaxSim with, for each query token, the document token it matched best (which token or page
   * patch) and their similarity.
   */
  Explanation explainExact(float score, String description) throws IOException {
    return Explanation.match(score, description, exactDetail());
  }

  /**
   * Explains the current document's score {@code score}, of {@link #maxSim()} or, if {@code
   * rescored}, of {@link #exactMaxSim()}: in a compressed segment, both the encoded MaxSim and
   * the exact one with its best matches.
   */
  Explanation explain(float score, String description, boolean rescored) throws IOException {
    if (compressed() == false) {
      return explainExact(score, description);
    }
    Explanation encoded =
        Explanation.match(
            scorer().score(),
            values.encoding() + " MaxSim, from the compressed tokens"
                + (rescored ? ": the first ranking, before rescoring" : ": the score"));
    return rescored
        ? Explanation.match(score, description, exactDetail(), encoded)
        : Explanation.match(score, description, encoded, exactDetail());
  }

  private Explanation exactDetail() throws IOException {
    int[] bestTokens = new int[queryTokens.length];
    float[] bestSimilarities = new float[queryTokens.length];
    exact().bestMatches(bestTokens, bestSimilarities);
    int tokens = values.tokenCount();
    List<Explanation> matches = new ArrayList<>(queryTokens.length);
    for (int i = 0; i < queryTokens.length; i++) {
      matches.add(
          Explanation.match(
              bestSimilarities[i],
              "query token " + i + ": best document token " + bestTokens[i] + " of " + tokens));
    }
    return Explanation.match(
        exact().score(),
        (compressed() == false
                ? ""
                : values.hasRawVectors()
                    ? "exact (float32) "
                    : "decoded " + values.encoding() + " (the field keeps no raw vectors) ")
            + "MaxSim, each query token's best dot product with the document's " + tokens
            + " tokens, sum of:",
        matches);
  }
}
