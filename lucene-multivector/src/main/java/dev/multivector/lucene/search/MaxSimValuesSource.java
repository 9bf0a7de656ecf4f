package dev.multivector.lucene.search;

import java.io.IOException;
import java.util.Objects;
import org.apache.lucene.index.DocValues;
import org.apache.lucene.index.LeafReaderContext;
import org.apache.lucene.search.DoubleValues;
import org.apache.lucene.search.DoubleValuesSource;
import org.apache.lucene.search.Explanation;
import org.apache.lucene.search.IndexSearcher;

/**
 * Every document's MaxSim against a query, as the {@link LateInteractionQuery#score(float) score}
 * that {@link LateInteractionQuery} gives it (positive, monotone in MaxSim; {@link
 * LateInteractionQuery#maxSim(float)} inverts it). For scoring every document a query matches,
 * in the way of Lucene's {@link org.apache.lucene.search.LateInteractionFloatValuesSource}:
 *
 * <pre class="prettyprint">
 * Query scored = new FunctionScoreQuery(new FieldExistsQuery("colbert"),
 *     new MaxSimValuesSource("colbert", queryTokenVectors));
 * </pre>
 *
 * <p>Documents without a value in the field have none here. Reads the field as {@link
 * LateInteractionQuery} does, through reader wrappers; its explanations show, for each query
 * token, the document token it matched best. The MaxSim is exact, from the raw float32 token
 * vectors, whatever the field's encoding: this is also what {@link MaxSimRescorer} rescores with.
 *
 * @lucene.experimental
 */
public final class MaxSimValuesSource extends DoubleValuesSource {

  private final String field;
  private final QueryTokens tokens;

  /**
   * @throws IllegalArgumentException if a query vector is null, empty, of another dimension than
   *     the first or not finite
   */
  public MaxSimValuesSource(String field, float[][] queryVectors) {
    this.field = Objects.requireNonNull(field, "field");
    this.tokens = new QueryTokens(queryVectors);
  }

  @Override
  public DoubleValues getValues(LeafReaderContext ctx, DoubleValues scores) throws IOException {
    SegmentMaxSim maxSim = SegmentMaxSim.create(ctx.reader(), field, tokens);
    if (maxSim == null) {
      return DoubleValues.EMPTY;
    }
    return new DoubleValues() {
      @Override
      public double doubleValue() throws IOException {
        return LateInteractionQuery.score(maxSim.exactMaxSim());
      }

      @Override
      public boolean advanceExact(int doc) throws IOException {
        return maxSim.values.advanceExact(doc);
      }
    };
  }

  @Override
  public Explanation explain(LeafReaderContext ctx, int docId, Explanation scoreExplanation)
      throws IOException {
    SegmentMaxSim maxSim = SegmentMaxSim.create(ctx.reader(), field, tokens);
    if (maxSim == null || maxSim.values.advanceExact(docId) == false) {
      return Explanation.noMatch("no value in field \"" + field + "\"");
    }
    return maxSim.explainExact(
        LateInteractionQuery.score(maxSim.exactMaxSim()),
        "score of MaxSim in field \"" + field
            + "\": 1 + MaxSim if MaxSim >= 0, else 1 / (1 - MaxSim), computed from:");
  }

  @Override
  public boolean needsScores() {
    return false;
  }

  @Override
  public DoubleValuesSource rewrite(IndexSearcher searcher) {
    return this;
  }

  @Override
  public boolean isCacheable(LeafReaderContext ctx) {
    return DocValues.isCacheable(ctx, field);
  }

  @Override
  public boolean equals(Object obj) {
    return obj instanceof MaxSimValuesSource other
        && field.equals(other.field)
        && tokens.equals(other.tokens);
  }

  @Override
  public int hashCode() {
    return Objects.hash(field, tokens);
  }

  @Override
  public String toString() {
    return "MaxSim(field=" + field + ", tokens=" + tokens + ")";
  }
}
