package dev.multivector.lucene.codec;

import dev.multivector.lucene.document.MultiVectorField;
import dev.multivector.lucene.document.MultiVectorFieldConfig;
import java.io.IOException;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import org.apache.lucene.codecs.DocValuesProducer;
import org.apache.lucene.document.Document;
import org.apache.lucene.index.DirectoryReader;
import org.apache.lucene.index.IndexWriter;
import org.apache.lucene.index.IndexWriterConfig;
import org.apache.lucene.index.SegmentReader;
import org.apache.lucene.store.DataAccessHint;
import org.apache.lucene.store.Directory;
import org.apache.lucene.store.FilterDirectory;
import org.apache.lucene.store.FilterIndexInput;
import org.apache.lucene.store.IOContext;
import org.apache.lucene.store.IndexInput;
import org.apache.lucene.tests.util.LuceneTestCase;

/**
 * The read hints of the data files: searches read panels and token-index lists at random, so they
 * are opened for random access (a directory that advises by context then reads no further ahead
 * than a search needs); a merge reads the panels in order, so its instance asks for sequential.
 */
public class TestReadAdvice extends LuceneTestCase {

  private static final List<String> RANDOM_READ =
      List.of(
          MultiVectorDocValuesFormat.DATA_EXTENSION,
          MultiVectorDocValuesFormat.ENCODED_EXTENSION,
          CentroidTokenIndexFormat.DATA_EXTENSION);

  public void testSearchReadsAtRandomAndMergesInOrder() throws IOException {
    MultiVectorFieldConfig config =
        MultiVectorFieldConfig.builder(8).encoding(MultiVectorFieldConfig.Encoding.INT8).centroidIndex(2).build();
    try (RecordingDirectory dir = new RecordingDirectory(newDirectory())) {
      try (IndexWriter writer =
          new IndexWriter(
              dir,
              // the files themselves, not a compound file's slices of them
              new IndexWriterConfig().setCodec(new MultiVector104Codec()).setUseCompoundFile(false))) {
        for (int i = 0; i < 20; i++) {
          Document doc = new Document();
          doc.add(new MultiVectorField("mv", MultiVectorTestUtil.randomMatrix(random(), 1 + i % 5, 8), config));
          writer.addDocument(doc);
        }
      }
      dir.opened.clear();
      try (DirectoryReader reader = DirectoryReader.open(dir)) {
        for (String extension : RANDOM_READ) {
          IOContext context = dir.openedWith(extension);
          assertNotNull("no ." + extension + " file opened", context);
          assertTrue(extension + " opened with " + context.hints(), context.hints().contains(DataAccessHint.RANDOM));
        }
        DocValuesProducer producer = ((SegmentReader) getOnlyLeafReader(reader)).getDocValuesReader();
        producer.getMergeInstance();
        for (String extension : List.of(MultiVectorDocValuesFormat.DATA_EXTENSION, MultiVectorDocValuesFormat.ENCODED_EXTENSION)) {
          IOContext context = dir.updatedTo(extension);
          assertNotNull(extension + " not switched for the merge", context);
          assertTrue(extension + " switched to " + context.hints(), context.hints().contains(DataAccessHint.SEQUENTIAL));
        }
      }
    }
  }

  /** Records the context each file is opened with and the context it is switched to. */
  private static final class RecordingDirectory extends FilterDirectory {
    final Map<String, IOContext> opened = new ConcurrentHashMap<>();
    final Map<String, IOContext> updated = new ConcurrentHashMap<>();

    RecordingDirectory(Directory in) {
      super(in);
    }

    @Override
    public IndexInput openInput(String name, IOContext context) throws IOException {
      opened.put(name, context);
      return new FilterIndexInput("recording " + name, in.openInput(name, context)) {
        @Override
        public void updateIOContext(IOContext newContext) throws IOException {
          updated.put(name, newContext);
          in.updateIOContext(newContext);
        }
      };
    }

    IOContext openedWith(String extension) {
      return find(opened, extension);
    }

    IOContext updatedTo(String extension) {
      return find(updated, extension);
    }

    private static IOContext find(Map<String, IOContext> contexts, String extension) {
      IOContext found = null;
      for (Map.Entry<String, IOContext> entry : contexts.entrySet()) {
        if (entry.getKey().endsWith("." + extension)) {
          assertNull("one ." + extension + " file", found);
          found = entry.getValue();
        }
      }
      return found;
    }
  }
}
