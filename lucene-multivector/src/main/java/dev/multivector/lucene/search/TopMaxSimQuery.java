package dev.multivector.lucene.search;

import java.io.IOException;
import java.util.Arrays;
import java.util.List;
import java.util.Objects;
import org.apache.lucene.index.IndexReader;
import org.apache.lucene.index.LeafReaderContext;
import org.apache.lucene.search.DocIdSetIterator;
import org.apache.lucene.search.Explanation;
import org.apache.lucene.search.IndexSearcher;
import org.apache.lucene.search.Query;
import org.apache.lucene.search.QueryVisitor;
import org.apache.lucene.search.ScoreDoc;
import org.apache.lucene.search.ScoreMode;
import org.apache.lucene.search.Scorer;
import org.apache.lucene.search.ScorerSupplier;
import org.apache.lucene.search.Weight;

/**
 * What a {@link LateInteractionQuery} with k rewrites to: the k documents it found, each with its
 * score. Valid only for the reader it was rewritten against.
 */
final class TopMaxSimQuery extends Query {
  private final LateInteractionQuery original;
  private final int[] docs; // global doc ids, ascending
  private final float[] scores;
  private final int[] segmentStarts; // index in docs of each leaf's first doc, plus docs.length
  private final Object readerIdentity;
  private final String firstStage; // how the hits were found, for explanations
  private final boolean[] estimated; // by leaf: scores are XTR's estimate, not exact MaxSim
  private final int rescored; // how many of the first ranking's best were rescored exactly; 0: none
  private final boolean timedOut;

  /**
   * @param hits global doc ids with their raw score (MaxSim or its estimate), in any order
   * @param firstStage how the hits were found
   * @param estimated by leaf ordinal, whether the raw scores are an estimate of MaxSim
   * @param rescored how many of the first ranking's best hits were rescored with exact MaxSim, of
   *     which these are the best; 0 if none
   * @param timedOut whether the search stopped at the searcher's timeout before it scored every
   *     candidate
   */
  TopMaxSimQuery(
      LateInteractionQuery original,
      List<ScoreDoc> hits,
      IndexReader reader,
      String firstStage,
      boolean[] estimated,
      int rescored,
      boolean timedOut) {
    this.original = original;
    this.firstStage = firstStage;
    this.estimated = estimated;
    this.rescored = rescored;
    this.timedOut = timedOut;
    ScoreDoc[] byDoc = hits.toArray(ScoreDoc[]::new);
    Arrays.sort(byDoc, (a, b) -> Integer.compare(a.doc, b.doc));
    docs = new int[byDoc.length];
    scores = new float[byDoc.length];
    for (int i = 0; i < byDoc.length; i++) {
      docs[i] = byDoc[i].doc;
      scores[i] = LateInteractionQuery.score(byDoc[i].score);
    }
    List<LeafReaderContext> leaves = reader.leaves();
    segmentStarts = new int[leaves.size() + 1];
    for (int leaf = 0, i = 0; leaf < leaves.size(); leaf++) {
      segmentStarts[leaf] = i;
      int end = leaves.get(leaf).docBase + leaves.get(leaf).reader().maxDoc();
      while (i < docs.length && docs[i] < end) {
        i++;
      }
      segmentStarts[leaf + 1] = i;
    }
    readerIdentity = reader.getContext().id();
  }

  @Override
  public Weight createWeight(IndexSearcher searcher, ScoreMode scoreMode, float boost)
      throws IOException {
    if (searcher.getIndexReader().getContext().id() != readerIdentity) {
      throw new IllegalStateException(
          "this query was rewritten against another reader: rewrite it again");
    }
    return new Weight(this) {
      @Override
      public ScorerSupplier scorerSupplier(LeafReaderContext context) {
        int from = segmentStarts[context.ord], to = segmentStarts[context.ord + 1];
        if (from == to) {
          return null;
        }
        Scorer scorer = new HitsScorer(context.docBase, from, to, boost);
        return new DefaultScorerSupplier(scorer);
      }

      @Override
      public Explanation explain(LeafReaderContext context, int doc) throws IOException {
        int from = segmentStarts[context.ord], to = segmentStarts[context.ord + 1];
        int index = Arrays.binarySearch(docs, from, to, context.docBase + doc);
        if (index < 0) {
          return Explanation.noMatch("not among the top " + original.getK() + " by MaxSim");
        }
        Explanation stage =
            Explanation.match(
                0f,
                "found by the first stage: "
                    + firstStage
                    + (rescored > 0 ? "; the best " + rescored + " rescored with exact MaxSim" : "")
                + (timedOut
                        ? "; the search timed out: the best of the documents scored before it stopped"
                        : ""));
        if (rescored > 0 || estimated[context.ord] == false) {
          Explanation maxSim = original.explainMaxSim(context, doc, boost, rescored > 0);
          return Explanation.match(
              maxSim.getValue(), maxSim.getDescription(), append(maxSim.getDetails(), stage));
        }
        float estimate = LateInteractionQuery.maxSim(scores[index]);
        return Explanation.match(
            boost * scores[index],
            (boost == 1 ? "" : boost + " * ")
                + "score of XTR's estimate of MaxSim: 1 + e if e >= 0, else 1 / (1 - e), computed from:",
            Explanation.match(
                estimate,
                "XTR estimate: for each query token, its best retrieved similarity in the document, "
                    + "or its k'-th best retrieved similarity over the index if none is"),
            stage);
      }

      @Override
      public boolean isCacheable(LeafReaderContext context) {
        return true;
      }
    };
  }

  private static Explanation[] append(Explanation[] details, Explanation last) {
    Explanation[] all = Arrays.copyOf(details, details.length + 1);
    all[details.length] = last;
    return all;
  }

  /** Iterates a leaf's hits in doc order. */
  private final class HitsScorer extends Scorer {
    private final int docBase, from, to;
    private final float boost;
    private int index;

    HitsScorer(int docBase, int from, int to, float boost) {
      this.docBase = docBase;
      this.from = from;
      this.to = to;
      this.boost = boost;
      this.index = from - 1;
    }

    @Override
    public int docID() {
      return index < from ? -1 : index >= to ? DocIdSetIterator.NO_MORE_DOCS : docs[index] - docBase;
    }

    @Override
    public float score() {
      return boost * scores[index];
    }

    @Override
    public float getMaxScore(int upTo) {
      float max = 0;
      for (int i = Math.max(index, from); i < to && docs[i] - docBase <= upTo; i++) {
        max = Math.max(max, scores[i]);
      }
      return boost * max;
    }

    @Override
    public DocIdSetIterator iterator() {
      return new DocIdSetIterator() {
        @Override
        public int docID() {
          return HitsScorer.this.docID();
        }

        @Override
        public int nextDoc() {
          index++;
          return docID();
        }

        @Override
        public int advance(int target) {
          index = Arrays.binarySearch(docs, Math.max(index, from), to, docBase + target);
          if (index < 0) {
            index = -1 - index;
          }
          return docID();
        }

        @Override
        public long cost() {
          return to - from;
        }
      };
    }
  }

  @Override
  public void visit(QueryVisitor visitor) {
    original.visit(visitor);
  }

  @Override
  public String toString(String field) {
    return "TopMaxSim(" + original.toString(field) + ", hits=" + docs.length
        + (timedOut ? ", timed out" : "") + ")";
  }

  @Override
  public boolean equals(Object obj) {
    return sameClassAs(obj)
        && obj instanceof TopMaxSimQuery other
        && readerIdentity == other.readerIdentity
        && original.equals(other.original)
        && Arrays.equals(docs, other.docs)
        && Arrays.equals(scores, other.scores);
  }

  @Override
  public int hashCode() {
    return Objects.hash(classHash(), original, Arrays.hashCode(docs), Arrays.hashCode(scores));
  }
}
