package dev.multivector.opensearch;

import dev.multivector.lucene.search.MaxSimRescorer;
import java.io.IOException;
import java.util.Arrays;
import java.util.HashSet;
import java.util.Objects;
import java.util.Set;
import org.apache.lucene.search.Explanation;
import org.apache.lucene.search.IndexSearcher;
import org.apache.lucene.search.ScoreDoc;
import org.apache.lucene.search.TopDocs;
import org.opensearch.core.ParseField;
import org.opensearch.core.common.ParsingException;
import org.opensearch.core.common.io.stream.StreamInput;
import org.opensearch.core.common.io.stream.StreamOutput;
import org.opensearch.core.xcontent.XContentBuilder;
import org.opensearch.core.xcontent.XContentParser;
import org.opensearch.index.query.QueryRewriteContext;
import org.opensearch.index.query.QueryShardContext;
import org.opensearch.search.rescore.RescoreContext;
import org.opensearch.search.rescore.Rescorer;
import org.opensearch.search.rescore.RescorerBuilder;

/**
 * The {@code late_interaction} rescorer: the first {@code window_size} hits of any query, in each
 * shard, re-ranked by their exact MaxSim ({@link MaxSimRescorer}), which becomes their score; hits
 * without a value score 0. Hits beyond the window keep their first-pass scores, and every hit is
 * sorted by score again, as with OpenSearch's query rescorer. In a shard where the field is not
 * mapped, hits keep their order and scores.
 *
 * <pre>
 * "rescore": {"window_size": 100, "late_interaction": {"field": "colbert", "query_vectors": [[...], ...]}}
 * </pre>
 */
public final class LateInteractionRescorerBuilder extends RescorerBuilder<LateInteractionRescorerBuilder> {

  /** The rescorer's name. */
  public static final String NAME = "late_interaction";

  private static final ParseField FIELD = new ParseField("field");
  private static final ParseField QUERY_VECTORS = new ParseField("query_vectors");

  private final String field;
  private final float[][] queryVectors;

  /**
   * @throws IllegalArgumentException if the field is missing or a query vector is invalid
   */
  public LateInteractionRescorerBuilder(String field, float[][] queryVectors) {
    if (field == null || field.isEmpty()) {
      throw new IllegalArgumentException("[" + NAME + "] rescorer requires [field]");
    }
    if (queryVectors == null) {
      throw new IllegalArgumentException("[" + NAME + "] rescorer requires [query_vectors]");
    }
    new MaxSimRescorer(field, queryVectors); // validates the vectors
    this.field = field;
    this.queryVectors = queryVectors;
  }

  public LateInteractionRescorerBuilder(StreamInput in) throws IOException {
    super(in);
    field = in.readString();
    queryVectors = TokenMatrix.read(in);
  }

  @Override
  protected void doWriteTo(StreamOutput out) throws IOException {
    out.writeString(field);
    TokenMatrix.write(out, queryVectors);
  }

  @Override
  public String getWriteableName() {
    return NAME;
  }

  @Override
  protected void doXContent(XContentBuilder builder, Params params) throws IOException {
    builder.startObject(NAME);
    builder.field(FIELD.getPreferredName(), field);
    TokenMatrix.toXContent(builder, QUERY_VECTORS.getPreferredName(), queryVectors);
    builder.endObject();
  }

  /** Parses the rescorer's object, the parser on its opening brace. */
  public static LateInteractionRescorerBuilder fromXContent(XContentParser parser) throws IOException {
    String field = null;
    float[][] vectors = null;
    String current = null;
    try {
      for (XContentParser.Token token = parser.nextToken(); token != XContentParser.Token.END_OBJECT; token = parser.nextToken()) {
        if (token == XContentParser.Token.FIELD_NAME) {
          current = parser.currentName();
        } else if (QUERY_VECTORS.match(current, parser.getDeprecationHandler())) {
          vectors = TokenMatrix.parse(parser, "[" + NAME + "] rescorer [query_vectors]");
        } else if (token.isValue() && FIELD.match(current, parser.getDeprecationHandler())) {
          field = parser.text();
        } else {
          throw new ParsingException(parser.getTokenLocation(), "[" + NAME + "] rescorer has no parameter [" + current + "]");
        }
      }
      return new LateInteractionRescorerBuilder(field, vectors);
    } catch (IllegalArgumentException e) {
      throw new ParsingException(parser.getTokenLocation(), e.getMessage(), e);
    }
  }

  @Override
  public RescorerBuilder<LateInteractionRescorerBuilder> rewrite(QueryRewriteContext context) {
    return this;
  }

  @Override
  protected RescoreContext innerBuildContext(int windowSize, QueryShardContext context) {
    MultiVectorFieldMapper.MultiVectorFieldType type =
        MultiVectorFieldMapper.MultiVectorFieldType.resolve(context, field, queryVectors[0].length, "[" + NAME + "] rescorer");
    if (type == null) {
      return new RescoreContext(windowSize, Unmapped.INSTANCE); // no values in this shard: hits as they are
    }
    return new RescoreContext(windowSize, new WindowRescorer(new MaxSimRescorer(type.name(), queryVectors)));
  }

  /** The rescorer of a shard where the field is not mapped. */
  private enum Unmapped implements Rescorer {
    INSTANCE;

    @Override
    public TopDocs rescore(TopDocs topDocs, IndexSearcher searcher, RescoreContext context) {
      return topDocs;
    }

    @Override
    public Explanation explain(int doc, IndexSearcher searcher, RescoreContext context, Explanation first) {
      return first;
    }
  }

  /** Rescores a shard's window of hits with MaxSim. */
  private record WindowRescorer(MaxSimRescorer maxSim) implements Rescorer {
    @Override
    public TopDocs rescore(TopDocs topDocs, IndexSearcher searcher, RescoreContext context) throws IOException {
      int window = Math.min(context.getWindowSize(), topDocs.scoreDocs.length);
      if (window == 0) {
        return topDocs;
      }
      ScoreDoc[] head = Arrays.copyOf(topDocs.scoreDocs, window);
      TopDocs rescored = maxSim.rescore(searcher, new TopDocs(topDocs.totalHits, head), window);
      Set<Integer> docs = new HashSet<>();
      for (ScoreDoc hit : head) {
        docs.add(hit.doc);
      }
      context.setRescoredDocs(docs);
      // Hits beyond the window keep their first-pass scores; all are sorted again, as OpenSearch's
      // query rescorer does, for the shard's hits must come in score order.
      ScoreDoc[] all = topDocs.scoreDocs.clone();
      System.arraycopy(rescored.scoreDocs, 0, all, 0, window);
      Arrays.sort(all, (a, b) -> a.score != b.score ? Float.compare(b.score, a.score) : Integer.compare(a.doc, b.doc));
      return new TopDocs(topDocs.totalHits, all);
    }

    @Override
    public Explanation explain(int doc, IndexSearcher searcher, RescoreContext context, Explanation first) throws IOException {
      return context.isRescored(doc) ? maxSim.explain(searcher, first, doc) : first;
    }
  }

  @Override
  public boolean equals(Object obj) {
    return super.equals(obj)
        && obj instanceof LateInteractionRescorerBuilder other
        && field.equals(other.field)
        && Arrays.deepEquals(queryVectors, other.queryVectors);
  }

  @Override
  public int hashCode() {
    return Objects.hash(super.hashCode(), field, Arrays.deepHashCode(queryVectors));
  }
}
