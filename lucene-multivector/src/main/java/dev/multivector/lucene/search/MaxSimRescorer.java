package dev.multivector.lucene.search;

import java.io.IOException;
import java.util.Arrays;
import java.util.Comparator;
import java.util.List;
import org.apache.lucene.index.LeafReaderContext;
import org.apache.lucene.index.ReaderUtil;
import org.apache.lucene.search.DoubleValues;
import org.apache.lucene.search.Explanation;
import org.apache.lucene.search.IndexSearcher;
import org.apache.lucene.search.Rescorer;
import org.apache.lucene.search.ScoreDoc;
import org.apache.lucene.search.TopDocs;

/**
 * Re-ranks the hits of a first-pass query (BM25, kNN, anything) by MaxSim, with the scores of
 * {@link LateInteractionQuery}; our counterpart of Lucene's {@link
 * org.apache.lucene.search.LateInteractionRescorer}. Hits are read in doc-id order, a segment's
 * values once for all its hits. A hit without a value in the field scores 0 and so ranks after
 * every hit with one. The MaxSim is exact, from the raw float32 token vectors, whatever the
 * field's encoding.
 *
 * <pre class="prettyprint">
 * TopDocs firstPass = searcher.search(new TermQuery(new Term("body", "lucene")), 100);
 * TopDocs reranked = new MaxSimRescorer("colbert", queryTokenVectors).rescore(searcher, firstPass, 10);
 * </pre>
 *
 * @lucene.experimental
 */
public final class MaxSimRescorer extends Rescorer {

  private final MaxSimValuesSource maxSim;

  /**
   * @throws IllegalArgumentException if a query vector is null, empty, of another dimension than
   *     the first or not finite
   */
  public MaxSimRescorer(String field, float[][] queryVectors) {
    this.maxSim = new MaxSimValuesSource(field, queryVectors);
  }

  @Override
  public TopDocs rescore(IndexSearcher searcher, TopDocs firstPassTopDocs, int topN)
      throws IOException {
    ScoreDoc[] hits = firstPassTopDocs.scoreDocs.clone();
    Arrays.sort(hits, Comparator.comparingInt(hit -> hit.doc));
    List<LeafReaderContext> leaves = searcher.getIndexReader().leaves();
    DoubleValues values = null;
    int leaf = -1;
    for (int i = 0; i < hits.length; i++) {
      ScoreDoc hit = hits[i];
      int hitLeaf = ReaderUtil.subIndex(hit.doc, leaves);
      if (hitLeaf != leaf) {
        leaf = hitLeaf;
        values = maxSim.getValues(leaves.get(leaf), null);
      }
      boolean present = values.advanceExact(hit.doc - leaves.get(leaf).docBase);
      hits[i] = new ScoreDoc(hit.doc, present ? (float) values.doubleValue() : 0f, hit.shardIndex);
    }
    Arrays.sort(hits, ScoreDoc.COMPARATOR);
    return new TopDocs(
        firstPassTopDocs.totalHits, Arrays.copyOf(hits, Math.min(topN, hits.length)));
  }

  @Override
  public Explanation explain(IndexSearcher searcher, Explanation firstPassExplanation, int docID)
      throws IOException {
    List<LeafReaderContext> leaves = searcher.getIndexReader().leaves();
    LeafReaderContext context = leaves.get(ReaderUtil.subIndex(docID, leaves));
    Explanation second = maxSim.explain(context, docID - context.docBase, firstPassExplanation);
    float score = second.isMatch() ? second.getValue().floatValue() : 0f;
    return Explanation.match(score, "MaxSim rescore, computed from:", second, firstPassExplanation);
  }
}
