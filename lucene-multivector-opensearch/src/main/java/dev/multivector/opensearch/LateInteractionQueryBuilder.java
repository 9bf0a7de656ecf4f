package dev.multivector.opensearch;

import dev.multivector.lucene.search.LateInteractionQuery;
import java.io.IOException;
import java.util.Arrays;
import java.util.Locale;
import java.util.Objects;
import org.apache.lucene.search.MatchNoDocsQuery;
import org.apache.lucene.search.Query;
import org.opensearch.core.ParseField;
import org.opensearch.core.common.ParsingException;
import org.opensearch.core.common.io.stream.StreamInput;
import org.opensearch.core.common.io.stream.StreamOutput;
import org.opensearch.core.xcontent.XContentBuilder;
import org.opensearch.core.xcontent.XContentParser;
import org.opensearch.index.query.AbstractQueryBuilder;
import org.opensearch.index.query.QueryBuilder;
import org.opensearch.index.query.QueryRewriteContext;
import org.opensearch.index.query.QueryShardContext;

/**
 * The {@code late_interaction} query: the top {@code k} documents of a {@code multi_vector} field
 * by MaxSim against the query's token vectors, in each shard ({@link LateInteractionQuery}); the
 * search's {@code size} then takes the best across shards.
 *
 * <pre>
 * {"late_interaction": {
 *    "field": "colbert", "query_vectors": [[0.1, ...], ...], "k": 10,
 *    "filter": {...},                                   // optional: score only documents matching it
 *    "token_knn": {"k_prime": 50, "probes": 8}          // optional first stage, one of these three
 *  | "summary_knn": {"candidates": 100, "oversample": 2}
 *  | "candidates": {"query": {...}, "size": 100},
 *    "xtr_estimate": false, "rescore": 0,               // optional second stage
 *    "boost": 1, "_name": "..."}}
 * </pre>
 *
 * Without a first stage every document is scored exactly.
 */
public final class LateInteractionQueryBuilder extends AbstractQueryBuilder<LateInteractionQueryBuilder> {

  /** The query's name. */
  public static final String NAME = "late_interaction";

  private static final ParseField FIELD = new ParseField("field");
  private static final ParseField QUERY_VECTORS = new ParseField("query_vectors");
  private static final ParseField K = new ParseField("k");
  private static final ParseField FILTER = new ParseField("filter");
  private static final ParseField TOKEN_KNN = new ParseField("token_knn");
  private static final ParseField K_PRIME = new ParseField("k_prime");
  private static final ParseField PROBES = new ParseField("probes");
  private static final ParseField SUMMARY_KNN = new ParseField("summary_knn");
  private static final ParseField CANDIDATES = new ParseField("candidates");
  private static final ParseField OVERSAMPLE = new ParseField("oversample");
  private static final ParseField QUERY = new ParseField("query");
  private static final ParseField SIZE = new ParseField("size");
  private static final ParseField XTR_ESTIMATE = new ParseField("xtr_estimate");
  private static final ParseField RESCORE = new ParseField("rescore");

  private final String field;
  private final float[][] queryVectors;
  private final int k;
  private QueryBuilder filter;
  private LateInteractionQuery.FirstStage firstStage = LateInteractionQuery.FirstStage.EXHAUSTIVE;
  private int firstStageSize; // k' or candidates
  private int probes; // 0: the library's default
  private float oversample = 1;
  private QueryBuilder candidateQuery;
  private boolean xtrEstimate;
  private int rescore;

  /**
   * @throws IllegalArgumentException if the field is missing, k is not positive or a query vector
   *     is invalid (empty, not finite, of another dimension than the first)
   */
  public LateInteractionQueryBuilder(String field, float[][] queryVectors, int k) {
    if (field == null || field.isEmpty()) {
      throw new IllegalArgumentException("[" + NAME + "] requires [field]");
    }
    if (queryVectors == null) {
      throw new IllegalArgumentException("[" + NAME + "] requires [query_vectors]");
    }
    this.field = field;
    this.queryVectors = queryVectors;
    this.k = k;
    libraryQuery(); // validates the vectors and k as the library does
  }

  public LateInteractionQueryBuilder(StreamInput in) throws IOException {
    super(in);
    field = in.readString();
    queryVectors = TokenMatrix.read(in);
    k = in.readVInt();
    filter = in.readOptionalNamedWriteable(QueryBuilder.class);
    firstStage = firstStage(in.readByte());
    firstStageSize = in.readVInt();
    probes = in.readVInt();
    oversample = in.readFloat();
    candidateQuery = in.readOptionalNamedWriteable(QueryBuilder.class);
    xtrEstimate = in.readBoolean();
    rescore = in.readVInt();
  }

  @Override
  protected void doWriteTo(StreamOutput out) throws IOException {
    out.writeString(field);
    TokenMatrix.write(out, queryVectors);
    out.writeVInt(k);
    out.writeOptionalNamedWriteable(filter);
    out.writeByte(wireCode(firstStage));
    out.writeVInt(firstStageSize);
    out.writeVInt(probes);
    out.writeFloat(oversample);
    out.writeOptionalNamedWriteable(candidateQuery);
    out.writeBoolean(xtrEstimate);
    out.writeVInt(rescore);
  }

  /** The first stage's code on the wire: fixed, whatever the library's enum order. */
  private static byte wireCode(LateInteractionQuery.FirstStage stage) {
    return switch (stage) {
      case EXHAUSTIVE -> 0;
      case TOKEN_KNN -> 1;
      case SUMMARY_KNN -> 2;
      case QUERY -> 3;
    };
  }

  private static LateInteractionQuery.FirstStage firstStage(byte code) throws IOException {
    return switch (code) {
      case 0 -> LateInteractionQuery.FirstStage.EXHAUSTIVE;
      case 1 -> LateInteractionQuery.FirstStage.TOKEN_KNN;
      case 2 -> LateInteractionQuery.FirstStage.SUMMARY_KNN;
      case 3 -> LateInteractionQuery.FirstStage.QUERY;
      default -> throw new IOException("[" + NAME + "] unknown first stage code " + code + " on the wire");
    };
  }

  /** Score only documents matching {@code filter}. */
  public LateInteractionQueryBuilder filter(QueryBuilder filter) {
    this.filter = Objects.requireNonNull(filter, "filter");
    return this;
  }

  /** First stage: each query token retrieves its {@code kPrime} nearest tokens; probes 0: default. */
  public LateInteractionQueryBuilder tokenKnn(int kPrime, int probes) {
    if (probes < 0) {
      throw new IllegalArgumentException("[" + NAME + "] [token_knn.probes] must be 0 (the default) or positive, got " + probes);
    }
    return firstStage(LateInteractionQuery.FirstStage.TOKEN_KNN, kPrime, probes, 1, null);
  }

  /** First stage: the {@code candidates} nearest summary vectors, oversampled if quantized. */
  public LateInteractionQueryBuilder summaryKnn(int candidates, float oversample) {
    return firstStage(LateInteractionQuery.FirstStage.SUMMARY_KNN, candidates, 0, oversample, null);
  }

  /** First stage: the top {@code size} hits of {@code query}. */
  public LateInteractionQueryBuilder candidates(QueryBuilder query, int size) {
    return firstStage(LateInteractionQuery.FirstStage.QUERY, size, 0, 1, Objects.requireNonNull(query, "query"));
  }

  /** Second stage: XTR's estimate instead of MaxSim (token_knn only). */
  public LateInteractionQueryBuilder xtrEstimate(boolean xtrEstimate) {
    this.xtrEstimate = xtrEstimate;
    libraryQuery();
    return this;
  }

  /** Rescore the best {@code n} with exact MaxSim (0: none). */
  public LateInteractionQueryBuilder rescore(int n) {
    if (n < 0) {
      throw new IllegalArgumentException("[" + NAME + "] [rescore] must be 0 (none) or positive, got " + n);
    }
    this.rescore = n;
    libraryQuery();
    return this;
  }

  private LateInteractionQueryBuilder firstStage(
      LateInteractionQuery.FirstStage stage, int size, int probes, float oversample, QueryBuilder query) {
    if (firstStage != LateInteractionQuery.FirstStage.EXHAUSTIVE) {
      throw new IllegalArgumentException(
          "[" + NAME + "] takes one first stage of [token_knn], [summary_knn] and [candidates]");
    }
    this.firstStage = stage;
    this.firstStageSize = size;
    this.probes = probes;
    this.oversample = oversample;
    this.candidateQuery = query;
    libraryQuery();
    return this;
  }

  /** The library's query, with placeholders for the inner queries (their Lucene queries need a shard). */
  private LateInteractionQuery libraryQuery() {
    return libraryQuery(field, filter == null ? null : new MatchNoDocsQuery(), new MatchNoDocsQuery());
  }

  private LateInteractionQuery libraryQuery(String indexedField, Query luceneFilter, Query luceneCandidates) {
    LateInteractionQuery.Builder builder = LateInteractionQuery.builder(indexedField, queryVectors).k(k);
    if (luceneFilter != null) {
      builder.filter(luceneFilter);
    }
    switch (firstStage) {
      case EXHAUSTIVE -> {}
      case TOKEN_KNN -> {
        builder.tokenKnn(firstStageSize);
        if (probes > 0) {
          builder.probes(probes);
        }
      }
      case SUMMARY_KNN -> builder.summaryKnn(firstStageSize, oversample);
      case QUERY -> builder.candidates(luceneCandidates, firstStageSize);
    }
    if (xtrEstimate) {
      builder.xtrEstimate();
    }
    if (rescore > 0) {
      builder.rescore(rescore);
    }
    return builder.build();
  }

  @Override
  protected Query doToQuery(QueryShardContext context) throws IOException {
    MultiVectorFieldMapper.MultiVectorFieldType type =
        MultiVectorFieldMapper.MultiVectorFieldType.resolve(context, field, queryVectors[0].length, "[" + NAME + "]");
    if (type == null) {
      return new MatchNoDocsQuery("no mappings yet for field [" + field + "]");
    }
    return libraryQuery(
        type.name(), // the field's own name, if field names an alias
        filter == null ? null : filter.toQuery(context),
        candidateQuery == null ? null : candidateQuery.toQuery(context));
  }

  @Override
  protected QueryBuilder doRewrite(QueryRewriteContext context) throws IOException {
    QueryBuilder rewrittenFilter = filter == null ? null : filter.rewrite(context);
    QueryBuilder rewrittenCandidates = candidateQuery == null ? null : candidateQuery.rewrite(context);
    if (rewrittenFilter == filter && rewrittenCandidates == candidateQuery) {
      return this;
    }
    LateInteractionQueryBuilder rewritten = copy();
    rewritten.filter = rewrittenFilter;
    rewritten.candidateQuery = rewrittenCandidates;
    return rewritten;
  }

  private LateInteractionQueryBuilder copy() {
    LateInteractionQueryBuilder copy = new LateInteractionQueryBuilder(field, queryVectors, k);
    copy.filter = filter;
    copy.firstStage = firstStage;
    copy.firstStageSize = firstStageSize;
    copy.probes = probes;
    copy.oversample = oversample;
    copy.candidateQuery = candidateQuery;
    copy.xtrEstimate = xtrEstimate;
    copy.rescore = rescore;
    return copy.boost(boost()).queryName(queryName());
  }

  @Override
  protected void doXContent(XContentBuilder builder, Params params) throws IOException {
    builder.startObject(NAME);
    builder.field(FIELD.getPreferredName(), field);
    TokenMatrix.toXContent(builder, QUERY_VECTORS.getPreferredName(), queryVectors);
    builder.field(K.getPreferredName(), k);
    if (filter != null) {
      builder.field(FILTER.getPreferredName(), filter);
    }
    switch (firstStage) {
      case EXHAUSTIVE -> {}
      case TOKEN_KNN -> {
        builder.startObject(TOKEN_KNN.getPreferredName()).field(K_PRIME.getPreferredName(), firstStageSize);
        if (probes > 0) {
          builder.field(PROBES.getPreferredName(), probes);
        }
        builder.endObject();
      }
      case SUMMARY_KNN ->
          builder.startObject(SUMMARY_KNN.getPreferredName())
              .field(CANDIDATES.getPreferredName(), firstStageSize)
              .field(OVERSAMPLE.getPreferredName(), oversample)
              .endObject();
      case QUERY ->
          builder.startObject(CANDIDATES.getPreferredName())
              .field(QUERY.getPreferredName(), candidateQuery)
              .field(SIZE.getPreferredName(), firstStageSize)
              .endObject();
    }
    if (xtrEstimate) {
      builder.field(XTR_ESTIMATE.getPreferredName(), true);
    }
    if (rescore > 0) {
      builder.field(RESCORE.getPreferredName(), rescore);
    }
    printBoostAndQueryName(builder);
    builder.endObject();
  }

  /** Parses the query's object, the parser on its opening brace. */
  public static LateInteractionQueryBuilder fromXContent(XContentParser parser) throws IOException {
    String field = null;
    float[][] vectors = null;
    Integer k = null;
    QueryBuilder filter = null;
    String stageName = null; // the first stage, if any, and its parameters
    Integer size = null;
    Integer probes = null;
    float oversample = 1;
    QueryBuilder candidates = null;
    boolean xtr = false;
    int rescore = 0;
    float boost = DEFAULT_BOOST;
    String queryName = null;
    String current = null;
    try {
      for (XContentParser.Token token = parser.nextToken(); token != XContentParser.Token.END_OBJECT; token = parser.nextToken()) {
        if (token == XContentParser.Token.FIELD_NAME) {
          current = parser.currentName();
        } else if (QUERY_VECTORS.match(current, parser.getDeprecationHandler())) {
          vectors = TokenMatrix.parse(parser, "[" + NAME + "] [query_vectors]");
        } else if (FILTER.match(current, parser.getDeprecationHandler())) {
          filter = parseInnerQueryBuilder(parser);
        } else if (token == XContentParser.Token.START_OBJECT
            && (TOKEN_KNN.match(current, parser.getDeprecationHandler())
                || SUMMARY_KNN.match(current, parser.getDeprecationHandler())
                || CANDIDATES.match(current, parser.getDeprecationHandler()))) {
          if (stageName != null) {
            throw new ParsingException(
                parser.getTokenLocation(), "[" + NAME + "] takes one first stage, got [" + stageName + "] and [" + current + "]");
          }
          stageName = current;
          String inner = null;
          for (token = parser.nextToken(); token != XContentParser.Token.END_OBJECT; token = parser.nextToken()) {
            if (token == XContentParser.Token.FIELD_NAME) {
              inner = parser.currentName();
            } else if (stageName.equals("candidates") && QUERY.match(inner, parser.getDeprecationHandler())) {
              candidates = parseInnerQueryBuilder(parser);
            } else if (token == XContentParser.Token.VALUE_NUMBER) {
              switch (stageName + "." + inner) {
                case "token_knn.k_prime", "summary_knn.candidates", "candidates.size" -> size = parser.intValue(false);
                case "token_knn.probes" -> probes = parser.intValue(false);
                case "summary_knn.oversample" -> oversample = parser.floatValue(false);
                default -> throw unknown(parser, stageName + "." + inner);
              }
            } else {
              throw unknown(parser, stageName + "." + inner);
            }
          }
        } else if (token.isValue()) {
          if (FIELD.match(current, parser.getDeprecationHandler())) {
            field = parser.text();
          } else if (K.match(current, parser.getDeprecationHandler())) {
            k = parser.intValue(false);
          } else if (XTR_ESTIMATE.match(current, parser.getDeprecationHandler())) {
            xtr = parser.booleanValue();
          } else if (RESCORE.match(current, parser.getDeprecationHandler())) {
            rescore = parser.intValue(false);
          } else if (BOOST_FIELD.match(current, parser.getDeprecationHandler())) {
            boost = parser.floatValue();
          } else if (NAME_FIELD.match(current, parser.getDeprecationHandler())) {
            queryName = parser.text();
          } else {
            throw unknown(parser, current);
          }
        } else {
          throw unknown(parser, current);
        }
      }
      if (k == null) {
        throw new IllegalArgumentException("[" + NAME + "] requires [k]: the number of documents each shard finds");
      }
      LateInteractionQueryBuilder query = new LateInteractionQueryBuilder(field, vectors, k);
      if (filter != null) {
        query.filter(filter);
      }
      if (stageName != null) {
        if (size == null) {
          throw new IllegalArgumentException(
              "[" + NAME + "] [" + stageName + "] requires ["
                  + switch (stageName) {
                    case "token_knn" -> "k_prime";
                    case "summary_knn" -> "candidates";
                    default -> "size";
                  }
                  + "]");
        }
        switch (stageName) {
          case "token_knn" -> query.tokenKnn(size, probes == null ? 0 : probes);
          case "summary_knn" -> query.summaryKnn(size, oversample);
          default -> {
            if (candidates == null) {
              throw new IllegalArgumentException("[" + NAME + "] [candidates] requires [query]");
            }
            query.candidates(candidates, size);
          }
        }
      }
      query.xtrEstimate(xtr).rescore(rescore);
      return query.boost(boost).queryName(queryName);
    } catch (IllegalArgumentException e) {
      throw new ParsingException(parser.getTokenLocation(), e.getMessage(), e);
    }
  }

  private static ParsingException unknown(XContentParser parser, String name) {
    return new ParsingException(
        parser.getTokenLocation(), String.format(Locale.ROOT, "[%s] unknown parameter [%s] (%s)", NAME, name, parser.currentToken()));
  }

  @Override
  protected boolean doEquals(LateInteractionQueryBuilder other) {
    return field.equals(other.field)
        && Arrays.deepEquals(queryVectors, other.queryVectors)
        && k == other.k
        && Objects.equals(filter, other.filter)
        && firstStage == other.firstStage
        && firstStageSize == other.firstStageSize
        && probes == other.probes
        && oversample == other.oversample
        && Objects.equals(candidateQuery, other.candidateQuery)
        && xtrEstimate == other.xtrEstimate
        && rescore == other.rescore;
  }

  @Override
  protected int doHashCode() {
    return Objects.hash(
        field, Arrays.deepHashCode(queryVectors), k, filter, firstStage, firstStageSize, probes, oversample, candidateQuery, xtrEstimate,
        rescore);
  }

  @Override
  public String getWriteableName() {
    return NAME;
  }
}
