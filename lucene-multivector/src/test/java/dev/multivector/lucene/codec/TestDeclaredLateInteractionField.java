package dev.multivector.lucene.codec;

import dev.multivector.lucene.search.LateInteractionQuery;
import java.io.IOException;
import java.util.List;
import org.apache.lucene.document.Document;
import org.apache.lucene.document.Field;
import org.apache.lucene.document.LateInteractionField;
import org.apache.lucene.document.StringField;
import org.apache.lucene.index.DirectoryReader;
import org.apache.lucene.index.IndexWriter;
import org.apache.lucene.index.IndexWriterConfig;
import org.apache.lucene.index.LeafReaderContext;
import org.apache.lucene.index.Term;
import org.apache.lucene.search.IndexSearcher;
import org.apache.lucene.store.Directory;
import org.apache.lucene.tests.util.LuceneTestCase;
import org.apache.lucene.tests.util.TestUtil;
import org.apache.lucene.util.BytesRef;

/**
 * A field of Lucene's {@link LateInteractionField} named to the codec accepts whatever Lucene
 * accepts: doc-values updates of any bytes, and matrices of any dimension. The codec stores what
 * it cannot store as panels with Lucene's format, and never fails a flush, a merge or a commit:
 * the writer stays usable and nothing indexed is lost.
 */
public class TestDeclaredLateInteractionField extends LuceneTestCase {

  private static final String FIELD = "li";

  private static IndexWriterConfig config() {
    return newIndexWriterConfig().setCodec(new MultiVector104Codec(List.of(FIELD)));
  }

  private static Document doc(int id, float[][] matrix) {
    Document doc = new Document();
    doc.add(new StringField("id", Integer.toString(id), Field.Store.YES));
    doc.add(new LateInteractionField(FIELD, matrix));
    return doc;
  }

  /** The stored bytes of every document, by id: the writer kept all it was given. */
  private static void assertValues(Directory dir, BytesRef[] expected) throws IOException {
    try (DirectoryReader reader = DirectoryReader.open(dir)) {
      int seen = 0;
      for (LeafReaderContext context : reader.leaves()) {
        MultiVectorValues values = MultiVectorValues.of(context.reader(), FIELD);
        for (int doc = 0; doc < context.reader().maxDoc(); doc++) {
          int id = Integer.parseInt(context.reader().storedFields().document(doc).get("id"));
          assertTrue(values.advanceExact(doc));
          assertEquals("id " + id, expected[id], values.binaryValue());
          seen++;
        }
      }
      assertEquals(expected.length, seen);
    }
    TestUtil.checkIndex(dir);
  }

  /**
   * A doc-values update to another dimension, or to bytes that are no matrix at all, used to make
   * every later commit fail (and lose what was added since the last one).
   */
  public void testUpdatesTheCodecCannotStoreAsPanels() throws Exception {
    for (BytesRef update :
        List.of(
            LateInteractionField.encode(MultiVectorTestUtil.randomMatrix(random(), 3, 8)),
            new BytesRef(new byte[] {1, 2, 3}))) {
      BytesRef[] expected = new BytesRef[20];
      try (Directory dir = newDirectory();
          IndexWriter writer = new IndexWriter(dir, config())) {
        for (int i = 0; i < expected.length; i++) {
          float[][] matrix = MultiVectorTestUtil.randomMatrix(random(), 1 + random().nextInt(5), 4);
          writer.addDocument(doc(i, matrix));
          expected[i] = LateInteractionField.encode(matrix);
          if (i == 9) {
            writer.commit();
          }
        }
        writer.updateBinaryDocValue(new Term("id", "3"), FIELD, update);
        expected[3] = update;
        writer.commit();
        assertValues(dir, expected);
        // The writer goes on: more documents, a merge, a commit.
        float[][] matrix = MultiVectorTestUtil.randomMatrix(random(), 2, 4);
        writer.addDocument(doc(expected.length, matrix));
        writer.forceMerge(1);
        writer.commit();
        BytesRef[] more = java.util.Arrays.copyOf(expected, expected.length + 1);
        more[expected.length] = LateInteractionField.encode(matrix);
        assertValues(dir, more);
        // Searching the document that is no matrix of the field's dimension says so.
        try (DirectoryReader reader = DirectoryReader.open(dir)) {
          IndexSearcher searcher = newSearcher(reader);
          IllegalArgumentException e =
              expectThrows(
                  IllegalArgumentException.class,
                  () ->
                      searcher.search(
                          LateInteractionQuery.builder(FIELD, MultiVectorTestUtil.randomMatrix(random(), 2, 4))
                              .k(5)
                              .build(),
                          5));
          assertTrue(
              e.getMessage(),
              e.getMessage().contains("differs from the query's")
                  || e.getMessage().contains("is not a LateInteractionField matrix"));
        }
      }
    }
  }

  /**
   * Lucene accepts a LateInteractionField of 2,048 dimensions; the codec used to throw at flush (a
   * tragic event that closed the writer) and at the merge that migrates a plain Lucene index.
   */
  public void testDimensionAboveTheLimitOfPanels() throws Exception {
    int dim = 2048;
    BytesRef[] expected = new BytesRef[6];
    try (Directory dir = newDirectory()) {
      try (IndexWriter plain = new IndexWriter(dir, newIndexWriterConfig())) {
        for (int i = 0; i < 3; i++) {
          float[][] matrix = MultiVectorTestUtil.randomMatrix(random(), 2, dim);
          plain.addDocument(doc(i, matrix));
          expected[i] = LateInteractionField.encode(matrix);
        }
      }
      try (IndexWriter writer = new IndexWriter(dir, config())) {
        for (int i = 3; i < expected.length; i++) {
          float[][] matrix = MultiVectorTestUtil.randomMatrix(random(), 2, dim);
          writer.addDocument(doc(i, matrix));
          expected[i] = LateInteractionField.encode(matrix);
        }
        writer.commit(); // a flush
        writer.forceMerge(1); // the migration of the plain segment
        writer.commit();
      }
      assertValues(dir, expected);
      try (DirectoryReader reader = DirectoryReader.open(dir)) {
        float[][] query = MultiVectorTestUtil.randomMatrix(random(), 2, dim);
        assertEquals(
            5, newSearcher(reader).search(LateInteractionQuery.builder(FIELD, query).k(5).build(), 5).scoreDocs.length);
      }
    }
  }
}
