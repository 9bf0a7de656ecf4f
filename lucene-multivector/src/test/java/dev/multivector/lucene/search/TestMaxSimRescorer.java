package dev.multivector.lucene.search;

import static dev.multivector.lucene.search.TestLateInteractionQuery.randomMatrix;

import dev.multivector.lucene.codec.MultiVector104Codec;
import dev.multivector.lucene.document.MultiVectorField;
import java.util.HashMap;
import java.util.Map;
import org.apache.lucene.document.Document;
import org.apache.lucene.document.Field;
import org.apache.lucene.document.StringField;
import org.apache.lucene.document.TextField;
import org.apache.lucene.index.DirectoryReader;
import org.apache.lucene.index.IndexWriter;
import org.apache.lucene.index.Term;
import org.apache.lucene.search.Explanation;
import org.apache.lucene.search.IndexSearcher;
import org.apache.lucene.search.MatchAllDocsQuery;
import org.apache.lucene.search.ScoreDoc;
import org.apache.lucene.search.TermQuery;
import org.apache.lucene.search.TopDocs;
import org.apache.lucene.store.Directory;
import org.apache.lucene.tests.util.LuceneTestCase;
import org.apache.lucene.tests.util.TestUtil;

/** {@link MaxSimRescorer} re-ranks any first pass with the query's MaxSim scores. */
public class TestMaxSimRescorer extends LuceneTestCase {

  public void testRescoresFirstPassWithQueryScores() throws Exception {
    int dim = TestUtil.nextInt(random(), 1, 48);
    try (Directory dir = newDirectory();
        IndexWriter writer =
            new IndexWriter(
                dir,
                newIndexWriterConfig()
                    .setCodec(new MultiVector104Codec())
                    .setMaxBufferedDocs(TestUtil.nextInt(random(), 5, 30)))) {
      int numDocs = atLeast(80);
      for (int i = 0; i < numDocs; i++) {
        Document doc = new Document();
        doc.add(new StringField("id", Integer.toString(i), Field.Store.YES));
        doc.add(new TextField("body", i % 2 == 0 ? "lucene rocks" : "lucene", Field.Store.NO));
        if (i % 7 != 0) {
          doc.add(new MultiVectorField("mv", randomMatrix(TestUtil.nextInt(random(), 1, 40), dim)));
        }
        writer.addDocument(doc);
      }
      try (DirectoryReader reader = DirectoryReader.open(writer)) {
        IndexSearcher searcher = newSearcher(reader);
        float[][] query = randomMatrix(TestUtil.nextInt(random(), 1, 12), dim);
        TopDocs firstPass = searcher.search(new TermQuery(new Term("body", "lucene")), 50);
        int topN = TestUtil.nextInt(random(), 1, 60);
        TopDocs rescored = new MaxSimRescorer("mv", query).rescore(searcher, firstPass, topN);

        Map<Integer, Float> queryScores = new HashMap<>();
        for (ScoreDoc hit : searcher.search(TestLateInteractionQuery.scoreAll("mv", query, null), numDocs).scoreDocs) {
          queryScores.put(hit.doc, hit.score);
        }
        assertEquals(Math.min(topN, firstPass.scoreDocs.length), rescored.scoreDocs.length);
        float previous = Float.POSITIVE_INFINITY;
        for (ScoreDoc hit : rescored.scoreDocs) {
          assertTrue("only first-pass hits", contains(firstPass, hit.doc));
          assertEquals(queryScores.getOrDefault(hit.doc, 0f), hit.score, 0f); // 0: no value
          assertTrue(hit.score <= previous);
          previous = hit.score;
          Explanation explanation =
              new MaxSimRescorer("mv", query)
                  .explain(searcher, searcher.explain(new MatchAllDocsQuery(), hit.doc), hit.doc);
          assertEquals(hit.score, explanation.getValue().floatValue(), 0f);
        }
      }
    }
  }

  private static boolean contains(TopDocs topDocs, int doc) {
    for (ScoreDoc hit : topDocs.scoreDocs) {
      if (hit.doc == doc) {
        return true;
      }
    }
    return false;
  }
}
