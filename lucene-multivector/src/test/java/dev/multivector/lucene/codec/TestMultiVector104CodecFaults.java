package dev.multivector.lucene.codec;

import static dev.multivector.lucene.codec.MultiVectorTestUtil.randomMatrix;

import dev.multivector.lucene.document.MultiVectorField;
import dev.multivector.lucene.document.MultiVectorFieldConfig;
import java.io.IOException;
import java.util.HashMap;
import java.util.Map;
import org.apache.lucene.document.Document;
import org.apache.lucene.document.Field;
import org.apache.lucene.document.StringField;
import org.apache.lucene.index.DirectoryReader;
import org.apache.lucene.index.IndexWriter;
import org.apache.lucene.index.IndexWriterConfig;
import org.apache.lucene.index.SerialMergeScheduler;
import org.apache.lucene.index.Term;
import org.apache.lucene.tests.store.MockDirectoryWrapper;
import org.apache.lucene.tests.util.LuceneTestCase;
import org.apache.lucene.tests.util.TestUtil;
import org.apache.lucene.util.BytesRef;

/**
 * Random IOExceptions while flushing, merging and committing: after the writer is rolled back and
 * reopened, the index holds exactly what was last committed, and CheckIndex finds it clean.
 */
public class TestMultiVector104CodecFaults extends LuceneTestCase {

  private static final String FIELD = "mv";

  public void testRandomIOExceptions() throws Exception {
    int dim = TestUtil.nextInt(random(), 1, 48);
    MultiVectorFieldConfig config =
        MultiVectorFieldConfig.builder(dim)
            .tokenGraph(random().nextBoolean() ? new MultiVectorFieldConfig.Graph(8, 16) : null)
            .build();
    Map<String, BytesRef> committed = new HashMap<>();
    Map<String, BytesRef> current = new HashMap<>();
    int failures = 0;
    try (MockDirectoryWrapper dir = newMockDirectory()) {
      IndexWriter writer = new IndexWriter(dir, newConfig());
      int rounds = atLeast(30);
      for (int round = 0; round < rounds; round++) {
        for (int i = 0; i < TestUtil.nextInt(random(), 1, 20); i++) {
          String id = Integer.toString(random().nextInt(200));
          if (random().nextInt(8) == 0) {
            writer.deleteDocuments(new Term("id", id));
            current.remove(id);
          } else {
            Document doc = new Document();
            doc.add(new StringField("id", id, Field.Store.YES));
            MultiVectorField field =
                new MultiVectorField(
                    FIELD,
                    randomMatrix(random(), TestUtil.nextInt(random(), 1, 40), dim),
                    config);
            doc.add(field);
            writer.updateDocument(new Term("id", id), doc);
            current.put(id, BytesRef.deepCopyOf(field.binaryValue()));
          }
        }
        int op = random().nextInt(3);
        dir.setRandomIOExceptionRate(random().nextDouble() * 0.1);
        try {
          switch (op) {
            case 0 -> writer.flush();
            case 1 -> writer.forceMerge(1);
            default -> writer.commit();
          }
          if (op == 2) {
            committed = new HashMap<>(current);
          }
        } catch (IOException | IllegalStateException e) {
          // An injected IOException, or the writer it closed (tragic event).
          failures++;
          dir.setRandomIOExceptionRate(0);
          try {
            writer.rollback();
          } catch (IOException ignored) {
            // the writer may already be closed
          }
          writer = new IndexWriter(dir, newConfig());
          Map<String, BytesRef> recovered = readAll(writer);
          // A failed commit may have completed before the exception: either state is a commit.
          if (op == 2 && recovered.equals(current)) {
            committed = new HashMap<>(current);
          }
          assertEquals("no committed document lost", committed, recovered);
          current = new HashMap<>(committed);
        } finally {
          dir.setRandomIOExceptionRate(0);
        }
      }
      writer.commit();
      assertEquals(current, readAll(writer));
      writer.close();
      TestUtil.checkIndex(dir);
      if (VERBOSE) {
        System.out.println("injected failures: " + failures);
      }
    }
  }

  private static IndexWriterConfig newConfig() {
    return newIndexWriterConfig()
        .setCodec(new MultiVector104Codec())
        // merges in the calling thread, so their injected exceptions reach the test
        .setMergeScheduler(new SerialMergeScheduler())
        .setMaxBufferedDocs(TestUtil.nextInt(random(), 5, 50));
  }

  private static Map<String, BytesRef> readAll(IndexWriter writer) throws IOException {
    try (DirectoryReader reader = DirectoryReader.open(writer)) {
      return MultiVectorTestUtil.readAll(reader, FIELD);
    }
  }
}
