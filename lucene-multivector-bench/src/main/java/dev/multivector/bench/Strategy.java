package dev.multivector.bench;

import dev.multivector.lucene.document.SummaryVector;
import dev.multivector.lucene.search.LateInteractionQuery;
import java.io.IOException;
import org.apache.lucene.index.VectorSimilarityFunction;
import org.apache.lucene.search.IndexSearcher;
import org.apache.lucene.search.KnnFloatVectorQuery;
import org.apache.lucene.search.LateInteractionFloatValuesSource;
import org.apache.lucene.search.MatchAllDocsQuery;
import org.apache.lucene.search.Sort;
import org.apache.lucene.search.TopDocs;

/**
 * A way to answer the benchmark's queries, with its parameters and the index it needs: each goes
 * through the library's public API, or Lucene's for the baseline.
 */
record Strategy(String name, String parameters, String index, Search search) {

  /** Answers one query with its top {@code n} documents. */
  interface Search {
    TopDocs search(IndexSearcher searcher, float[][] query, int n) throws IOException;
  }

  /** Lucene's built-in late interaction: every document scored through a DoubleValuesSource. */
  static Strategy luceneBuiltin() {
    return new Strategy(
        "Lucene built-in",
        "LateInteractionFloatValuesSource, DOT_PRODUCT",
        BenchIndex.Spec.luceneBuiltin().name(),
        (searcher, query, n) ->
            searcher.search(
                new MatchAllDocsQuery(),
                n,
                new Sort(
                    new LateInteractionFloatValuesSource(BenchIndex.FIELD, query, VectorSimilarityFunction.DOT_PRODUCT)
                        .getSortField(true))));
  }

  /** Exact MaxSim over every document (in the index's encoding: estimated for INT8 and BIT). */
  static Strategy exhaustive(String index) {
    return new Strategy(
        "exhaustive MaxSim",
        "",
        index,
        (searcher, query, n) -> searcher.search(LateInteractionQuery.builder(BenchIndex.FIELD, query).k(n).build(), n));
  }

  /** MaxSim in the index's encoding over every document, the best {@code rescore} rescored exactly. */
  static Strategy exhaustive(String index, int rescore) {
    return new Strategy(
        "exhaustive MaxSim",
        "rescore=" + rescore,
        index,
        (searcher, query, n) ->
            searcher.search(
                LateInteractionQuery.builder(BenchIndex.FIELD, query).k(n).rescore(rescore).build(), n));
  }

  /**
   * The single summary vector alone: kNN over the field's summary vectors (the index's pooling, MEAN
   * or MAX), no MaxSim.
   */
  static Strategy summaryVectorOnly(String index, SummaryVector pooling, boolean cosine) {
    return new Strategy(
        pooling == SummaryVector.MEAN ? "mean summary vector" : "max summary vector",
        "",
        index,
        (searcher, query, n) ->
            searcher.search(new KnnFloatVectorQuery(BenchIndex.FIELD, pooling.of(query, cosine), n), n));
  }

  /** Summary-vector kNN first stage, then exact MaxSim. */
  static Strategy summaryRerank(String index, int candidates) {
    return summaryRerank(index, candidates, 1);
  }

  /**
   * Summary-vector kNN first stage, {@code oversample} times the candidates by the quantized
   * summary vectors reordered by their float32 values, then exact MaxSim.
   */
  static Strategy summaryRerank(String index, int candidates, int oversample) {
    return new Strategy(
        "summary kNN + MaxSim",
        "candidates=" + candidates + (oversample == 1 ? "" : ", oversample=" + oversample),
        index,
        (searcher, query, n) ->
            searcher.search(
                LateInteractionQuery.builder(BenchIndex.FIELD, query).k(n).summaryKnn(candidates, oversample).build(), n));
  }

  /**
   * Per-token first stage in a centroid index, each query token probing {@code probes} lists,
   * then exact MaxSim, or XTR's estimate with its best {@code rescore} (if positive) rescored by
   * exact MaxSim.
   */
  static Strategy centroidTokenKnn(String index, int tokensPerQueryToken, int probes, boolean xtr, int rescore) {
    return new Strategy(
        xtr ? "centroid token kNN + XTR estimate" : "centroid token kNN + MaxSim",
        "k'=" + tokensPerQueryToken + ", probes=" + probes + (rescore > 0 ? ", rescore=" + rescore : ""),
        index,
        (searcher, query, n) -> {
          LateInteractionQuery.Builder builder =
              LateInteractionQuery.builder(BenchIndex.FIELD, query).k(n).tokenKnn(tokensPerQueryToken).probes(probes);
          if (xtr) {
            builder.xtrEstimate();
          }
          if (rescore > 0) {
            builder.rescore(rescore);
          }
          return searcher.search(builder.build(), n);
        });
  }

  /** Per-token kNN first stage (XTR-style), then exact MaxSim or XTR's estimate. */
  static Strategy tokenKnn(String index, int tokensPerQueryToken, boolean xtr) {
    return new Strategy(
        xtr ? "token kNN + XTR estimate" : "token kNN + MaxSim",
        "k'=" + tokensPerQueryToken,
        index,
        (searcher, query, n) -> {
          LateInteractionQuery.Builder builder =
              LateInteractionQuery.builder(BenchIndex.FIELD, query).k(n).tokenKnn(tokensPerQueryToken);
          return searcher.search((xtr ? builder.xtrEstimate() : builder).build(), n);
        });
  }
}
