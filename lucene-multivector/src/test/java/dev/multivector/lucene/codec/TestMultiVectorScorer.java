package dev.multivector.lucene.codec;

import dev.multivector.lucene.MaxSimReference;
import dev.multivector.lucene.document.MultiVectorField;
import java.util.ArrayList;
import java.util.List;
import org.apache.lucene.document.Document;
import org.apache.lucene.document.LateInteractionField;
import org.apache.lucene.index.DirectoryReader;
import org.apache.lucene.index.IndexWriter;
import org.apache.lucene.index.IndexWriterConfig;
import org.apache.lucene.index.LeafReader;
import org.apache.lucene.search.DocIdSetIterator;
import org.apache.lucene.store.ByteBuffersDirectory;
import org.apache.lucene.store.Directory;
import org.apache.lucene.store.MMapDirectory;
import org.apache.lucene.tests.util.LuceneTestCase;
import org.apache.lucene.tests.util.TestUtil;

/**
 * {@link MultiVectorScorer} against a double-precision MaxSim, for the codec's panels read in place
 * (memory-mapped) or through copies, and for plain Lucene values decoded on the fly; and its best
 * matches against a brute-force search.
 */
public class TestMultiVectorScorer extends LuceneTestCase {

  private static final String FIELD = "mv";

  public void testScoresMatchReference() throws Exception {
    for (int variant = 0; variant < 3; variant++) {
      boolean mapped = variant == 0;
      boolean plainLucene = variant == 2;
      int dim = TestUtil.nextInt(random(), 1, 130);
      List<float[][]> docs = new ArrayList<>();
      for (int i = 0; i < atLeast(30); i++) {
        docs.add(MultiVectorTestUtil.randomMatrix(random(), TestUtil.nextInt(random(), 1, 100), dim));
      }
      try (Directory dir =
              mapped ? new MMapDirectory(createTempDir("scorer")) : new ByteBuffersDirectory();
          IndexWriter writer =
              new IndexWriter(
                  dir,
                  plainLucene
                      ? new IndexWriterConfig()
                      : new IndexWriterConfig().setCodec(new MultiVector104Codec()))) {
        for (float[][] matrix : docs) {
          Document doc = new Document();
          doc.add(plainLucene ? new LateInteractionField(FIELD, matrix) : new MultiVectorField(FIELD, matrix));
          writer.addDocument(doc);
        }
        writer.forceMerge(1);
        try (DirectoryReader reader = DirectoryReader.open(writer)) {
          LeafReader leaf = getOnlyLeafReader(reader);
          float[][] query =
              MultiVectorTestUtil.randomMatrix(random(), TestUtil.nextInt(random(), 1, 33), dim);
          MultiVectorValues values = MultiVectorValues.of(leaf, FIELD);
          MultiVectorScorer scorer = values.scorer(query);
          assertSame(values, scorer.iterator());
          for (int doc = values.nextDoc(); doc != DocIdSetIterator.NO_MORE_DOCS; doc = values.nextDoc()) {
            if (doc == 0) {
              assertEquals(
                  "panels read in place",
                  mapped,
                  values instanceof Float32PanelValues panels && panels.mappedPanels() != null);
            }
            float[][] matrix = docs.get(doc);
            double expected = MaxSimReference.maxSim(query, matrix);
            assertEquals(expected, scorer.score(), MaxSimReference.tolerance(query, matrix));
            int[] bestTokens = new int[query.length];
            float[] bestSimilarities = new float[query.length];
            assertEquals(expected, scorer.bestMatches(bestTokens, bestSimilarities), MaxSimReference.tolerance(query, matrix));
            for (int i = 0; i < query.length; i++) {
              double best = Double.NEGATIVE_INFINITY;
              for (float[] token : matrix) {
                best = Math.max(best, MaxSimReference.dot(query[i], token));
              }
              double tolerance = MaxSimReference.tolerance(new float[][] {query[i]}, matrix);
              assertEquals(best, bestSimilarities[i], tolerance);
              // The token it names is a best one (another may tie within rounding).
              assertEquals(best, MaxSimReference.dot(query[i], matrix[bestTokens[i]]), tolerance);
            }
          }
        }
      }
    }
  }
}
