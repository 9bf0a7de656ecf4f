package dev.multivector.lucene.search;

import dev.multivector.lucene.codec.TokenIndex;
import java.io.IOException;
import java.util.Objects;
import org.apache.lucene.index.LeafReaderContext;
import org.apache.lucene.search.BooleanClause;
import org.apache.lucene.search.Explanation;
import org.apache.lucene.search.IndexSearcher;
import org.apache.lucene.search.Query;
import org.apache.lucene.search.QueryVisitor;
import org.apache.lucene.util.VectorUtil;

/**
 * Finds the k documents with the highest MaxSim, the late-interaction relevance of ColBERT and
 * ColPali: for each query token, the largest dot product with any token of the document, summed
 * over the query's tokens.
 *
 * <pre class="prettyprint">
 * Query query = LateInteractionQuery.builder("colbert", queryTokenVectors).k(10).build();
 * TopDocs hits = searcher.search(query, 10);
 * </pre>
 *
 * <p>Like Lucene's kNN queries, it finds its top k while rewriting and then matches those k
 * documents only (in a {@link org.apache.lucene.search.BooleanQuery} too). Candidates come from
 * a first stage: every document (exact, the default), the per-token index ({@link
 * Builder#tokenKnn}), the summary vectors ({@link Builder#summaryKnn}) or any query ({@link
 * Builder#candidates}); they are scored by MaxSim (exact for a FLOAT32 field, estimated from the
 * compressed tokens for INT8 and BIT), or by XTR's estimate ({@link
 * Builder#xtrEstimate}) and, optionally, the best of them rescored exactly ({@link
 * Builder#rescore}). The searcher's executor scores them in as many parallel tasks as it has
 * {@link IndexSearcher#getSlices() slices}; its {@link IndexSearcher#setTimeout timeout} stops
 * the search, which then returns the best of what it scored. Ties are broken by doc id. To score
 * every document instead, use {@link MaxSimValuesSource}.
 *
 * <p><b>Scores.</b> MaxSim can be negative, and Lucene needs non-negative scores, so the score is
 * {@link #score(float)}: {@code 1 + maxSim} when {@code maxSim >= 0} and {@code 1 / (1 - maxSim)}
 * below (Lucene's {@link VectorUtil#scaleMaxInnerProductScore}), monotone, so ranking by score is
 * ranking by MaxSim. {@link #maxSim(float)} inverts it, and {@link IndexSearcher#explain} gives
 * the raw MaxSim, the first stage that found the document and, for each query token, the index
 * of its best document token (which token or page patch matched) and their similarity.
 *
 * <p>Fields written as {@link dev.multivector.lucene.document.MultiVectorField} are read in their
 * codec's layout; fields of Lucene's {@link org.apache.lucene.document.LateInteractionField}
 * written by any codec are decoded, with the same results. For a COSINE field the query's tokens
 * are normalised. Reader wrappers (every engine has them) are looked through to reach each
 * segment's token index, while their live documents and field infos still apply.
 *
 * <p>An unknown field matches nothing. A field that is not a multi-vector field, or whose
 * dimension differs from the query's, makes the search throw an {@link IllegalArgumentException}.
 *
 * @lucene.experimental
 */
public final class LateInteractionQuery extends Query {

  /** Where the candidates come from. */
  public enum FirstStage {
    /** Every document with the field: exact. The default. */
    EXHAUSTIVE,
    /**
     * The documents of each query token's nearest tokens, found in the segments' token indexes
     * (see {@link dev.multivector.lucene.document.MultiVectorFieldConfig#tokenGraph()}),
     * XTR-style. Segments without one are searched exhaustively, and explanations say so.
     */
    TOKEN_KNN,
    /** The documents whose summary vectors are nearest the query's summary vector. */
    SUMMARY_KNN,
    /** The top hits of another Lucene query (BM25 for hybrid search, say). */
    QUERY
  }

  /** How candidates are scored. */
  public enum SecondStage {
    /**
     * MaxSim in the field's encoding: exact for FLOAT32, estimated from the compressed tokens for
     * INT8 and BIT (see {@link Builder#rescore}). The default.
     */
    EXACT,
    /**
     * XTR's estimate, for {@link FirstStage#TOKEN_KNN}: for each query token, the best similarity
     * among its retrieved tokens of the document, or its k'-th retrieved similarity if none is of
     * the document; no document matrix is read.
     */
    XTR
  }

  /**
   * The most tokens a query may have: 1,024 (ColBERT queries have 32, ColPali's about 20). With the
   * query's tokens, it bounds a search's memory and keeps MaxSim within float (see {@link
   * dev.multivector.lucene.document.MultiVectorFieldConfig#MAX_ABS_VALUE}).
   */
  public static final int MAX_QUERY_TOKENS = 1024;

  private final String field;
  private final QueryTokens tokens;
  private final int k;
  private final Query filter; // null: none
  private final FirstStage firstStage;
  private final int firstStageSize; // tokens per query token, or candidates; 0 if exhaustive
  private final Query candidateQuery; // for FirstStage.QUERY
  private final SecondStage secondStage;
  private final int rescore; // 0: none
  private final int probes;
  private final float oversample; // SUMMARY_KNN: quantized candidates per candidate; 1 if none

  private LateInteractionQuery(
      String field,
      QueryTokens tokens,
      int k,
      Query filter,
      FirstStage firstStage,
      int firstStageSize,
      Query candidateQuery,
      SecondStage secondStage,
      int rescore,
      int probes,
      float oversample) {
    this.field = field;
    this.tokens = tokens;
    this.k = k;
    this.filter = filter;
    this.firstStage = firstStage;
    this.firstStageSize = firstStageSize;
    this.candidateQuery = candidateQuery;
    this.secondStage = secondStage;
    this.rescore = rescore;
    this.probes = probes;
    this.oversample = oversample;
  }

  /** Starts a query for the documents of {@code field} nearest {@code queryVectors} by MaxSim. */
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
    private int rescore;
    private int probes = TokenIndex.DEFAULT_PROBES;
    private float oversample = 1;

    private Builder(String field, float[][] queryVectors) {
      this.field = Objects.requireNonNull(field, "field");
      this.queryVectors = queryVectors;
    }

    /** The number of documents to find: required. */
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
     * tokensPerQueryToken} (XTR's k') nearest document tokens. In a segment where the filter
     * accepts no more than query tokens x k' documents, or where a query token's search visits
     * more tokens than the filter accepts (about), the accepted documents are all scored exactly
     * instead; {@code explain} says so.
     */
    public Builder tokenKnn(int tokensPerQueryToken) {
      return firstStage(FirstStage.TOKEN_KNN, positive("tokensPerQueryToken", tokensPerQueryToken), null);
    }

    /** First stage {@link FirstStage#SUMMARY_KNN}: the {@code candidates} nearest summary vectors. */
    public Builder summaryKnn(int candidates) {
      return summaryKnn(candidates, 1);
    }

    /**
     * First stage {@link FirstStage#SUMMARY_KNN}, oversampled where the summary vectors are
     * quantized ({@code summaryBits} below 32): the {@code ceil(candidates * oversample)} nearest by
     * the quantized vectors, of which the {@code candidates} nearest by the float32 summary vectors
     * kept on disk. It recovers what quantization loses for the price of reading the float32
     * vectors of the oversampled candidates (16 KB each for the default FDE). Float32 summary
     * vectors are searched as with {@link #summaryKnn(int)}.
     *
     * @throws IllegalArgumentException if {@code candidates} is not positive, or {@code oversample}
     *     is not a finite number of at least 1
     */
    public Builder summaryKnn(int candidates, float oversample) {
      if ((oversample >= 1 && oversample <= Integer.MAX_VALUE) == false) {
        throw new IllegalArgumentException("oversample must be a finite number of at least 1, got " + oversample);
      }
      this.oversample = oversample;
      return firstStage(FirstStage.SUMMARY_KNN, positive("candidates", candidates), null);
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

    /**
     * Rescore the best {@code n} (or k, if more) documents of the ranking with their exact MaxSim,
     * from the raw float32 token vectors (or, in a field that keeps none, from the values its
     * encoding stands for: for BIT, only another estimate): for fields with a compressed {@link
     * dev.multivector.lucene.document.MultiVectorFieldConfig.Encoding encoding}, whose scores are
     * otherwise estimates, or after {@link #xtrEstimate()}. The k hits are the best rescored ones,
     * with exact scores; {@code explain} shows both values.
     *
     * @throws IllegalArgumentException if {@code n} is not positive
     */
    public Builder rescore(int n) {
      this.rescore = positive("rescore", n);
      return this;
    }

    /**
     * With {@link #tokenKnn}, in segments whose token index is a centroid index, the centroids
     * whose lists each query token searches ({@value TokenIndex#DEFAULT_PROBES} by default): more
     * find more of its nearest tokens, and take longer. Other token indexes ignore it.
     *
     * @throws IllegalArgumentException if {@code probes} is not positive
     */
    public Builder probes(int probes) {
      this.probes = positive("probes", probes);
      return this;
    }

    private Builder firstStage(FirstStage stage, int size, Query query) {
      if (stage != FirstStage.SUMMARY_KNN) {
        this.oversample = 1;
      }
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
     * @throws IllegalArgumentException if k is missing, a query vector is invalid, or XTR's
     *     estimate follows another first stage than TOKEN_KNN
     */
    public LateInteractionQuery build() {
      if (k == 0) {
        throw new IllegalArgumentException(
            "k is required: the query finds the top k documents (to score every document by"
                + " MaxSim, use MaxSimValuesSource)");
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
          secondStage,
          rescore,
          probes,
          oversample);
    }
  }

  /**
   * The Lucene score of a MaxSim: {@code 1 + maxSim} if non-negative, else {@code 1 / (1 -
   * maxSim)}; 0 for NaN, and at most {@link Float#MAX_VALUE}.
   */
  public static float score(float maxSim) {
    if (Float.isNaN(maxSim)) {
      return 0;
    }
    return Math.min(VectorUtil.scaleMaxInnerProductScore(maxSim), Float.MAX_VALUE);
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

  /** The number of documents to find. */
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

  /** Tokens per query token (TOKEN_KNN), or candidates (SUMMARY_KNN, QUERY); 0 if exhaustive. */
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

  /** How many of the best documents are rescored with exact MaxSim; 0 if none. */
  public int getRescore() {
    return rescore;
  }

  /** Quantized summary-vector candidates per candidate (see {@link Builder#summaryKnn(int, float)}). */
  public float getOversample() {
    return oversample;
  }

  /** The centroid lists each query token probes in a centroid index (see {@link Builder#probes}). */
  public int getProbes() {
    return probes;
  }

  @Override
  public Query rewrite(IndexSearcher searcher) throws IOException {
    Query rewrittenFilter = filter == null ? null : searcher.rewrite(filter);
    Query rewrittenCandidates = candidateQuery == null ? null : searcher.rewrite(candidateQuery);
    if (rewrittenFilter != filter || rewrittenCandidates != candidateQuery) {
      return new LateInteractionQuery(
          field,
          tokens,
          k,
          rewrittenFilter,
          firstStage,
          firstStageSize,
          rewrittenCandidates,
          secondStage,
          rescore,
          probes,
          oversample);
    }
    return TopKSearch.search(this, searcher);
  }

  /**
   * Explains the MaxSim of {@code doc} (in the segment's encoding, or exact if {@code rescored}),
   * or returns a no-match if it has no value.
   */
  Explanation explainMaxSim(LeafReaderContext context, int doc, float boost, boolean rescored)
      throws IOException {
    SegmentMaxSim maxSim = SegmentMaxSim.create(context.reader(), field, tokens);
    if (maxSim == null || maxSim.values.advanceExact(doc) == false) {
      return Explanation.noMatch("no value in field \"" + field + "\"");
    }
    return maxSim.explain(
        boost * score(rescored ? maxSim.exactMaxSim() : maxSim.maxSim()),
        (boost == 1 ? "" : boost + " * ")
            + "score of " + (rescored ? "exact " : "") + "MaxSim in field \"" + field
            + "\": 1 + MaxSim if MaxSim >= 0, else 1 / (1 - MaxSim), computed from:",
        rescored);
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
    return "LateInteractionQuery[field=" + field + ", tokens=" + tokens + ", k=" + k
        + (filter == null ? "" : ", filter=" + filter.toString(defaultField))
        + switch (firstStage) {
          case EXHAUSTIVE -> "";
          case TOKEN_KNN -> ", tokenKnn=" + firstStageSize + ", probes=" + probes;
          case SUMMARY_KNN ->
              ", summaryKnn=" + firstStageSize + (oversample == 1 ? "" : ", oversample=" + oversample);
          case QUERY -> ", candidates=" + firstStageSize + " of " + candidateQuery.toString(defaultField);
        }
        + (secondStage == SecondStage.XTR ? ", xtrEstimate" : "")
        + (rescore == 0 ? "" : ", rescore=" + rescore) + "]";
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
        && secondStage == other.secondStage
        && rescore == other.rescore
        && probes == other.probes
        && oversample == other.oversample;
  }

  @Override
  public int hashCode() {
    return Objects.hash(
        classHash(),
        field,
        tokens,
        k,
        filter,
        firstStage,
        firstStageSize,
        candidateQuery,
        secondStage,
        rescore,
        probes,
        oversample);
  }
}
