package dev.multivector.lucene.search;

import java.io.IOException;
import java.util.List;
import java.util.Objects;
import org.apache.lucene.index.DocValues;
import org.apache.lucene.index.FieldInfo;
import org.apache.lucene.index.IndexReader;
import org.apache.lucene.index.LeafReaderContext;
import org.apache.lucene.search.BooleanClause;
import org.apache.lucene.search.ConjunctionUtils;
import org.apache.lucene.search.DocIdSetIterator;
import org.apache.lucene.search.Explanation;
import org.apache.lucene.search.IndexSearcher;
import org.apache.lucene.search.Query;
import org.apache.lucene.search.QueryVisitor;
import org.apache.lucene.search.ScoreMode;
import org.apache.lucene.search.Scorer;
import org.apache.lucene.search.ScorerSupplier;
import org.apache.lucene.search.Weight;

/**
 * Ranks documents by MaxSim, the late-interaction relevance of ColBERT and ColPali: for each query
 * token, the largest dot product with any token of the document, summed over the query's tokens.
 * Exact: every document with the field (and matching the filter) is scored.
 *
 * <pre class="prettyprint">
 * Query query = LateInteractionQuery.builder("colbert", queryTokenVectors).k(10).build();
 * TopDocs hits = searcher.search(query, 10);
 * </pre>
 *
 * <p>Without {@link Builder#k(int)} the query matches every document that has the field and
 * passes the filter, scored by MaxSim, so {@code searcher.search(query, n)} returns the exact
 * top-n for any n. With {@code k}, it finds the top k while rewriting, like Lucene's kNN queries:
 * the searcher's executor scores the documents in as many parallel tasks as the searcher has
 * {@link IndexSearcher#getSlices() slices}, and the query then matches those k documents only (in
 * a {@link org.apache.lucene.search.BooleanQuery}, too). Ties are broken by doc id.
 *
 * <p><b>Scores.</b> MaxSim can be negative, and Lucene needs non-negative scores, so the score is
 * {@code 1 + maxSim} when {@code maxSim >= 0} and {@code 1 / (1 - maxSim)} below: monotone, so
 * ranking by score is ranking by MaxSim. {@link #maxSim(float)} inverts it, and {@link
 * IndexSearcher#explain} gives the raw MaxSim and, for each query token, the index of its best
 * document token (which token or page patch matched) and their similarity. Documents whose MaxSim
 * is not a number (only non-finite stored values cause that) score 0.
 *
 * <p>Fields written as {@link dev.multivector.lucene.document.MultiVectorField} are read as
 * panels; fields of Lucene's {@link org.apache.lucene.document.LateInteractionField} written by any
 * codec are decoded, with the same results. For a COSINE field the query's tokens are normalised.
 *
 * <p>An unknown field matches nothing. A field that is not a multi-vector field, or whose
 * dimension differs from the query's, makes the search throw an {@link IllegalArgumentException}.
 *
 * @lucene.experimental
 */
public final class LateInteractionQuery extends Query {

  /** Where the candidates of a query with k come from. */
  public enum FirstStage {
    /** Every document with the field: exact. The default. */
    EXHAUSTIVE,
    /**
     * The documents of each query token's nearest tokens, found in the per-token HNSW graphs of
     * {@link dev.multivector.lucene.document.MultiVectorFieldConfig#tokenGraph()} (XTR-style).
     */
    TOKEN_KNN,
    /** The documents whose pooled vectors are nearest the query's pooled vector. */
    POOLED_KNN,
    /** The top hits of another Lucene query (BM25 for hybrid search, say). */
    QUERY
  }

  /** How candidates are scored. */
  public enum SecondStage {
    /** Exact MaxSim. The default. */
    EXACT,
    /**
     * XTR's estimate, for {@link FirstStage#TOKEN_KNN}: for each query token, the best similarity
     * among its retrieved tokens of the document, or its k'-th retrieved similarity if none is of
     * the document; no document matrix is read.
     */
    XTR
  }

  private final String field;
  private final QueryTokens tokens;
  private final int k; // 0: score every document
  private final Query filter; // null: none
  private final FirstStage firstStage;
  private final int firstStageSize; // tokens per query token, or candidates
  private final Query candidateQuery; // for FirstStage.QUERY
  private final SecondStage secondStage;

  /** Scores every document with {@code field} by MaxSim against {@code queryVectors}. */
  public LateInteractionQuery(String field, float[][] queryVectors) {
    this(field, new QueryTokens(queryVectors), 0, null, FirstStage.EXHAUSTIVE, 0, null, SecondStage.EXACT);
  }

  private LateInteractionQuery(
      String field,
      QueryTokens tokens,
      int k,
      Query filter,
      FirstStage firstStage,
      int firstStageSize,
      Query candidateQuery,
      SecondStage secondStage) {
    this.field = Objects.requireNonNull(field, "field");
    this.tokens = tokens;
    this.k = k;
    this.filter = filter;
    this.firstStage = firstStage;
    this.firstStageSize = firstStageSize;
    this.candidateQuery = candidateQuery;
    this.secondStage = secondStage;
  }

  /** Starts a query with options. */
  public static Builder builder(String field, float[][] queryVectors) {
    return new Builder(field, queryVectors);
  }

  /** Builds a {@link LateInteractionQuery}. */
  public static final class Builder {
    private final String field;
    private final float[][] queryVectors;
    private int k;
    private Query filter;
    private FirstStage firstStage = FirstStage.EXHAUSTIVE;
    private int firstStageSize;
    private Query candidateQuery;
    private SecondStage secondStage = SecondStage.EXACT;

    private Builder(String field, float[][] queryVectors) {
      this.field = field;
      this.queryVectors = queryVectors;
    }

    /** Match only the {@code k} best documents, found while rewriting. */
    public Builder k(int k) {
      this.k = positive("k", k);
      return this;
    }

    /** Score only documents matching {@code filter}; first stages search within it. */
    public Builder filter(Query filter) {
      this.filter = Objects.requireNonNull(filter, "filter");
      return this;
    }

    /**
     * First stage {@link FirstStage#TOKEN_KNN}: each query token retrieves its {@code
     * tokensPerQueryToken} (XTR's k') nearest document tokens. Needs k.
     */
    public Builder tokenKnn(int tokensPerQueryToken) {
      return firstStage(FirstStage.TOKEN_KNN, positive("tokensPerQueryToken", tokensPerQueryToken), null);
    }

    /** First stage {@link FirstStage#POOLED_KNN}: the {@code candidates} nearest pooled vectors. */
    public Builder pooledKnn(int candidates) {
      return firstStage(FirstStage.POOLED_KNN, positive("candidates", candidates), null);
    }

    /** First stage {@link FirstStage#QUERY}: the top {@code candidates} hits of {@code query}. */
    public Builder candidates(Query query, int candidates) {
      return firstStage(
          FirstStage.QUERY, positive("candidates", candidates), Objects.requireNonNull(query, "query"));
    }

    /** Score candidates with XTR's estimate instead of exact MaxSim (TOKEN_KNN only). */
    public Builder xtrEstimate() {
      this.secondStage = SecondStage.XTR;
      return this;
    }

    private Builder firstStage(FirstStage stage, int size, Query query) {
      this.firstStage = stage;
      this.firstStageSize = size;
      this.candidateQuery = query;
      return this;
    }

    private static int positive(String name, int value) {
      if (value < 1) {
        throw new IllegalArgumentException(name + " must be at least 1, got " + value);
      }
      return value;
    }

    /**
     * @throws IllegalArgumentException if a first stage other than the exhaustive one has no k, or
     *     XTR's estimate follows another first stage than TOKEN_KNN
     */
    public LateInteractionQuery build() {
      if (firstStage != FirstStage.EXHAUSTIVE && k == 0) {
        throw new IllegalArgumentException("first stage " + firstStage + " needs k");
      }
      if (secondStage == SecondStage.XTR && firstStage != FirstStage.TOKEN_KNN) {
        throw new IllegalArgumentException(
            "XTR's estimate needs the TOKEN_KNN first stage, not " + firstStage);
      }
      return new LateInteractionQuery(
          field,
          new QueryTokens(queryVectors),
          k,
          filter,
          firstStage,
          firstStageSize,
          candidateQuery,
          secondStage);
    }
  }

  /** The Lucene score of a MaxSim: {@code 1 + maxSim} if non-negative, else {@code 1 / (1 - maxSim)}. */
  public static float score(float maxSim) {
    if (Float.isNaN(maxSim)) {
      return 0;
    }
    return Math.min(maxSim >= 0 ? 1 + maxSim : 1 / (1 - maxSim), Float.MAX_VALUE);
  }

  /** The MaxSim of a score: the inverse of {@link #score(float)} for positive finite scores. */
  public static float maxSim(float score) {
    return score >= 1 ? score - 1 : 1 - 1 / score;
  }

  QueryTokens tokens() {
    return tokens;
  }

  public String getField() {
    return field;
  }

  /** A copy of the query's token vectors. */
  public float[][] getQueryVectors() {
    return tokens.toMatrix();
  }

  /** The number of documents to keep, or 0 if every document is scored. */
  public int getK() {
    return k;
  }

  /** The filter, or null. */
  public Query getFilter() {
    return filter;
  }

  public FirstStage getFirstStage() {
    return firstStage;
  }

  /** Tokens per query token (TOKEN_KNN), or candidates (POOLED_KNN, QUERY); 0 if exhaustive. */
  public int getFirstStageSize() {
    return firstStageSize;
  }

  /** The candidate query of FirstStage.QUERY, or null. */
  public Query getCandidateQuery() {
    return candidateQuery;
  }

  public SecondStage getSecondStage() {
    return secondStage;
  }

  @Override
  public Query rewrite(IndexSearcher searcher) throws IOException {
    Query rewrittenFilter = filter == null ? null : searcher.rewrite(filter);
    Query rewrittenCandidates = candidateQuery == null ? null : searcher.rewrite(candidateQuery);
    if (rewrittenFilter != filter || rewrittenCandidates != candidateQuery) {
      return new LateInteractionQuery(
          field, tokens, k, rewrittenFilter, firstStage, firstStageSize, rewrittenCandidates, secondStage);
    }
    if (k == 0) {
      return this;
    }
    return TopKSearch.search(this, searcher);
  }

  /** MaxSim over a segment's values of the field, or null if it has none. */
  SegmentMaxSim segmentMaxSim(LeafReaderContext context) throws IOException {
    return SegmentMaxSim.create(context.reader(), field, tokens);
  }

  /** Throws if the field is not a multi-vector field of the query's dimension in some segment. */
  void checkField(IndexReader reader) {
    for (LeafReaderContext context : reader.leaves()) {
      FieldInfo info = context.reader().getFieldInfos().fieldInfo(field);
      if (info != null) {
        SegmentMaxSim.checkField(info, tokens);
      }
    }
  }

  /** The filter's weight, or null without a filter. */
  Weight filterWeight(IndexSearcher searcher) throws IOException {
    return filter == null
        ? null
        : searcher.createWeight(searcher.rewrite(filter), ScoreMode.COMPLETE_NO_SCORES, 1f);
  }

  /**
   * The segment's documents with a value that pass the filter, positioned through {@code maxSim}'s
   * values; null if there are none.
   */
  static DocIdSetIterator candidates(
      SegmentMaxSim maxSim, LeafReaderContext context, Weight filterWeight) throws IOException {
    if (maxSim == null) {
      return null;
    }
    if (filterWeight == null) {
      return maxSim.values;
    }
    Scorer filterScorer = filterWeight.scorer(context);
    if (filterScorer == null) {
      return null;
    }
    return ConjunctionUtils.intersectIterators(List.of(maxSim.values, filterScorer.iterator()));
  }

  /** Explains {@code doc}'s score, or returns a no-match. */
  Explanation explain(LeafReaderContext context, int doc, Weight filterWeight, float boost)
      throws IOException {
    SegmentMaxSim maxSim = segmentMaxSim(context);
    DocIdSetIterator candidates = candidates(maxSim, context, filterWeight);
    if (candidates == null || candidates.advance(doc) != doc) {
      return Explanation.noMatch("no value in field \"" + field + "\" or filtered out");
    }
    float score = boost * score(maxSim.maxSim());
    return maxSim.explain(
        score,
        (boost == 1 ? "" : boost + " * ")
            + "score of MaxSim in field \"" + field
            + "\": 1 + MaxSim if MaxSim >= 0, else 1 / (1 - MaxSim), computed from:");
  }

  @Override
  public Weight createWeight(IndexSearcher searcher, ScoreMode scoreMode, float boost)
      throws IOException {
    if (k != 0) {
      return searcher.rewrite(this).createWeight(searcher, scoreMode, boost);
    }
    checkField(searcher.getIndexReader());
    Weight filterWeight = filterWeight(searcher);
    return new Weight(this) {
      @Override
      public ScorerSupplier scorerSupplier(LeafReaderContext context) throws IOException {
        SegmentMaxSim maxSim = segmentMaxSim(context);
        DocIdSetIterator candidates = candidates(maxSim, context, filterWeight);
        if (candidates == null) {
          return null;
        }
        Scorer scorer =
            new Scorer() {
              @Override
              public int docID() {
                return candidates.docID();
              }

              @Override
              public DocIdSetIterator iterator() {
                return candidates;
              }

              @Override
              public float score() throws IOException {
                return boost * LateInteractionQuery.score(maxSim.maxSim());
              }

              @Override
              public float getMaxScore(int upTo) {
                return Float.MAX_VALUE;
              }
            };
        return new DefaultScorerSupplier(scorer);
      }

      @Override
      public Explanation explain(LeafReaderContext context, int doc) throws IOException {
        return LateInteractionQuery.this.explain(context, doc, filterWeight, boost);
      }

      @Override
      public boolean isCacheable(LeafReaderContext context) {
        return DocValues.isCacheable(context, field)
            && (filterWeight == null || filterWeight.isCacheable(context));
      }
    };
  }

  @Override
  public void visit(QueryVisitor visitor) {
    if (visitor.acceptField(field)) {
      visitor.visitLeaf(this);
    }
    if (filter != null) {
      filter.visit(visitor.getSubVisitor(BooleanClause.Occur.FILTER, this));
    }
    if (candidateQuery != null) {
      candidateQuery.visit(visitor.getSubVisitor(BooleanClause.Occur.SHOULD, this));
    }
  }

  @Override
  public String toString(String defaultField) {
    return "LateInteractionQuery[field=" + field + ", tokens=" + tokens.count + "x"
        + tokens.dimension + (k == 0 ? "" : ", k=" + k)
        + (filter == null ? "" : ", filter=" + filter.toString(defaultField))
        + switch (firstStage) {
          case EXHAUSTIVE -> "";
          case TOKEN_KNN -> ", tokenKnn=" + firstStageSize;
          case POOLED_KNN -> ", pooledKnn=" + firstStageSize;
          case QUERY -> ", candidates=" + firstStageSize + " of " + candidateQuery.toString(defaultField);
        }
        + (secondStage == SecondStage.XTR ? ", xtrEstimate" : "") + "]";
  }

  @Override
  public boolean equals(Object obj) {
    return sameClassAs(obj)
        && obj instanceof LateInteractionQuery other
        && field.equals(other.field)
        && tokens.equals(other.tokens)
        && k == other.k
        && Objects.equals(filter, other.filter)
        && firstStage == other.firstStage
        && firstStageSize == other.firstStageSize
        && Objects.equals(candidateQuery, other.candidateQuery)
        && secondStage == other.secondStage;
  }

  @Override
  public int hashCode() {
    return Objects.hash(
        classHash(), field, tokens, k, filter, firstStage, firstStageSize, candidateQuery, secondStage);
  }
}
