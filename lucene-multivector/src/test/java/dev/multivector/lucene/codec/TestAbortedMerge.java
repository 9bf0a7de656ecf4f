package dev.multivector.lucene.codec;

import static dev.multivector.lucene.codec.MultiVectorTestUtil.randomMatrix;

import dev.multivector.lucene.document.MultiVectorField;
import dev.multivector.lucene.document.MultiVectorFieldConfig;
import java.io.IOException;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicLong;
import org.apache.lucene.document.Document;
import org.apache.lucene.index.DirectoryReader;
import org.apache.lucene.index.IndexWriter;
import org.apache.lucene.index.IndexWriterConfig;
import org.apache.lucene.index.MergePolicy;
import org.apache.lucene.index.SerialMergeScheduler;
import org.apache.lucene.store.Directory;
import org.apache.lucene.store.FilterDirectory;
import org.apache.lucene.store.FilterIndexOutput;
import org.apache.lucene.store.IOContext;
import org.apache.lucene.store.IndexOutput;
import org.apache.lucene.tests.util.LuceneTestCase;

/**
 * A merge aborted while it builds a token graph (a rollback, a close that does not wait) stops
 * building it: the graph build calls the merge's abort check, as Lucene's HNSW merges do.
 */
public class TestAbortedMerge extends LuceneTestCase {

  public void testAbortedMergeStopsBuildingTheGraph() throws IOException {
    AtomicBoolean abortNext = new AtomicBoolean(true);
    AtomicLong graphBytesOfAbortedMerge = new AtomicLong(-1);
    // Aborts the first merge as soon as it creates its token graph file, and records how much
    // of that file the merge wrote.
    SerialMergeScheduler scheduler =
        new SerialMergeScheduler() {
          @Override
          public Directory wrapForMerge(MergePolicy.OneMerge merge, Directory in) {
            Directory wrapped = super.wrapForMerge(merge, in);
            if (abortNext.getAndSet(false) == false) {
              return wrapped;
            }
            return new FilterDirectory(wrapped) {
              @Override
              public IndexOutput createOutput(String name, IOContext context) throws IOException {
                IndexOutput out = super.createOutput(name, context);
                if (name.endsWith("." + HnswTokenIndexFormat.GRAPH_EXTENSION) == false) {
                  return out;
                }
                merge.setAborted();
                return new FilterIndexOutput("recorded " + name, name, out) {
                  @Override
                  public void close() throws IOException {
                    graphBytesOfAbortedMerge.set(getFilePointer());
                    super.close();
                  }
                };
              }
            };
          }
        };
    int dim = 8;
    MultiVectorFieldConfig config =
        MultiVectorFieldConfig.builder(dim).tokenGraph(new MultiVectorFieldConfig.Graph(8, 16)).build();
    try (Directory dir = newDirectory();
        IndexWriter writer =
            new IndexWriter(
                dir,
                newIndexWriterConfig()
                    .setCodec(new MultiVector104Codec())
                    .setMergeScheduler(scheduler)
                    // Two segments of 200 documents, merged only by forceMerge.
                    .setMaxBufferedDocs(1000)
                    .setRAMBufferSizeMB(IndexWriterConfig.DISABLE_AUTO_FLUSH)
                    .setMergePolicy(newLogMergePolicy(10)))) {
      for (int segment = 0; segment < 2; segment++) {
        for (int i = 0; i < 200; i++) {
          Document doc = new Document();
          doc.add(new MultiVectorField("mv", randomMatrix(random(), 20, dim), config));
          writer.addDocument(doc);
        }
        writer.commit();
      }
      IOException e = expectThrows(IOException.class, () -> writer.forceMerge(1));
      assertTrue(e.getMessage(), e.getMessage().contains("ABORTED"));
      long written = graphBytesOfAbortedMerge.get();
      assertTrue("the aborted merge never opened a graph file", written >= 0);
      // Its header, and nothing of the graph of 8,000 tokens (which takes tens of kilobytes).
      assertTrue("the aborted merge wrote " + written + " bytes of graph", written < 200);

      writer.forceMerge(1); // the next merge is not aborted
      try (DirectoryReader reader = DirectoryReader.open(writer)) {
        assertEquals(1, reader.leaves().size());
        assertEquals(400, reader.numDocs());
        assertEquals(8000, MultiVectorTestUtil.checkTokenIndex(reader.leaves().get(0).reader(), "mv"));
      }
    }
  }
}
