package dev.multivector.lucene.adversarial;

import static org.apache.lucene.tests.util.LuceneTestCase.assertEquals;

import dev.multivector.lucene.MaxSimReference;
import dev.multivector.lucene.document.MultiVectorField;
import dev.multivector.lucene.document.MultiVectorFieldConfig;
import dev.multivector.lucene.search.LateInteractionQuery;
import java.io.IOException;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.List;
import java.util.Random;
import org.apache.lucene.document.Document;
import org.apache.lucene.document.Field;
import org.apache.lucene.document.LateInteractionField;
import org.apache.lucene.document.StoredField;
import org.apache.lucene.document.StringField;
import org.apache.lucene.index.IndexReader;
import org.apache.lucene.index.LeafReaderContext;
import org.apache.lucene.search.IndexSearcher;
import org.apache.lucene.search.TopDocs;
import org.apache.lucene.util.Bits;
import org.apache.lucene.util.BytesRef;

/**
 * Documents that store, beside their multi-vector field, the bytes it was given: any reader's
 * snapshot of the index can then be searched by brute force, in double precision, and compared
 * with what the library finds.
 */
final class Snapshots {
  static final String ID = "id";
  static final String FIELD = "mv";
  static final String EXPECTED = "mv.expected";

  private Snapshots() {}

  static Document doc(String id, float[][] matrix, MultiVectorFieldConfig config) {
    MultiVectorField field = new MultiVectorField(FIELD, matrix, config);
    Document doc = new Document();
    doc.add(new StringField(ID, id, Field.Store.YES));
    doc.add(field);
    doc.add(new StoredField(EXPECTED, field.binaryValue()));
    return doc;
  }

  static float[][] matrix(Random random, int tokens, int dim) {
    float[][] m = new float[tokens][dim];
    for (float[] row : m) {
      for (int k = 0; k < dim; k++) {
        row[k] = (float) random.nextGaussian();
      }
    }
    return m;
  }

  /** {global doc, MaxSim} of every live document with a value in the snapshot, best first. */
  static List<double[]> bruteForce(IndexReader reader, float[][] query) throws IOException {
    List<double[]> ranked = new ArrayList<>();
    for (LeafReaderContext context : reader.leaves()) {
      Bits live = context.reader().getLiveDocs();
      for (int doc = 0; doc < context.reader().maxDoc(); doc++) {
        if (live != null && live.get(doc) == false) {
          continue;
        }
        BytesRef stored = context.reader().storedFields().document(doc).getBinaryValue(EXPECTED);
        if (stored != null) {
          double maxSim = MaxSimReference.maxSim(query, LateInteractionField.decode(stored));
          ranked.add(new double[] {context.docBase + doc, maxSim});
        }
      }
    }
    ranked.sort(Comparator.comparingDouble((double[] d) -> -d[1]).thenComparingDouble(d -> d[0]));
    return ranked;
  }

  /**
   * Asserts that {@code hits} rank as the brute force does: the same number, and at each rank a
   * MaxSim equal to the brute force's within float rounding.
   */
  static void assertRanksAsBruteForce(
      IndexSearcher searcher, TopDocs hits, float[][] query, int k) throws IOException {
    List<double[]> expected = bruteForce(searcher.getIndexReader(), query);
    assertEquals(Math.min(k, expected.size()), hits.scoreDocs.length);
    for (int r = 0; r < hits.scoreDocs.length; r++) {
      double want = expected.get(r)[1];
      assertEquals(
          "rank " + r,
          want,
          LateInteractionQuery.maxSim(hits.scoreDocs[r].score),
          1e-4 * (1 + Math.abs(want)));
    }
  }
}
