package dev.multivector.lucene.search;

import java.io.IOException;
import java.util.Arrays;
import java.util.Comparator;
import java.util.List;
import org.apache.lucene.index.LeafReaderContext;
import org.apache.lucene.index.ReaderUtil;
import org.apache.lucene.search.Explanation;
import org.apache.lucene.search.IndexSearcher;
import org.apache.lucene.search.Rescorer;
import org.apache.lucene.search.ScoreDoc;
import org.apache.lucene.search.TopDocs;

/**
 * Re-ranks the hits of a first-pass query (BM25, kNN, anything) by MaxSim, with the scores of
 * {@link LateInteractionQuery}. Hits are read in doc-id order. A hit without a value in the field
 * scores 0 and so ranks after every hit with one.
 *
 * <pre class="prettyprint">
 * TopDocs firstPass = searcher.search(new TermQuery(new Term("body", "lucene")), 100);
 * TopDocs reranked = new MultiVectorRescorer("colbert", queryTokenVectors).rescore(searcher, firstPass, 10);
 * </pre>
 *
 * @lucene.experimental
 */
public final class MultiVectorRescorer extends Rescorer {

  private final LateInteractionQuery query;

  public MultiVectorRescorer(String field, float[][] queryVectors) {
    this.query = new LateInteractionQuery(field, queryVectors);
  }

  @Override
  public TopDocs rescore(IndexSearcher searcher, TopDocs firstPassTopDocs, int topN)
      throws IOException {
    ScoreDoc[] hits = firstPassTopDocs.scoreDocs.clone();
    Arrays.sort(hits, Comparator.comparingInt(hit -> hit.doc));
    List<LeafReaderContext> leaves = searcher.getIndexReader().leaves();
    SegmentMaxSim maxSim = null;
    int leaf = -1;
    for (int i = 0; i < hits.length; i++) {
      ScoreDoc hit = hits[i];
      int hitLeaf = ReaderUtil.subIndex(hit.doc, leaves);
      if (hitLeaf != leaf) {
        leaf = hitLeaf;
        maxSim = query.segmentMaxSim(leaves.get(leaf));
      }
      int doc = hit.doc - leaves.get(leaf).docBase;
      float score = 0;
      if (maxSim != null && maxSim.values.advanceExact(doc)) {
        score = LateInteractionQuery.score(maxSim.maxSim());
      }
      hits[i] = new ScoreDoc(hit.doc, score, hit.shardIndex);
    }
    Arrays.sort(
        hits,
        Comparator.comparingDouble((ScoreDoc hit) -> hit.score)
            .reversed()
            .thenComparingInt(hit -> hit.doc));
    return new TopDocs(
        firstPassTopDocs.totalHits, Arrays.copyOf(hits, Math.min(topN, hits.length)));
  }

  @Override
  public Explanation explain(IndexSearcher searcher, Explanation firstPassExplanation, int docID)
      throws IOException {
    List<LeafReaderContext> leaves = searcher.getIndexReader().leaves();
    LeafReaderContext context = leaves.get(ReaderUtil.subIndex(docID, leaves));
    Explanation maxSim = query.explain(context, docID - context.docBase, null, 1f);
    float score = maxSim.isMatch() ? maxSim.getValue().floatValue() : 0f;
    return Explanation.match(score, "MaxSim rescore, computed from:", maxSim, firstPassExplanation);
  }
}
