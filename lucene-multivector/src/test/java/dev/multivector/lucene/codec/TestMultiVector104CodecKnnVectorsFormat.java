package dev.multivector.lucene.codec;

import org.apache.lucene.codecs.Codec;
import org.apache.lucene.codecs.KnnVectorsReader;
import org.apache.lucene.codecs.hnsw.HnswGraphProvider;
import org.apache.lucene.document.Document;
import org.apache.lucene.document.KnnFloatVectorField;
import org.apache.lucene.index.CodecReader;
import org.apache.lucene.index.DirectoryReader;
import org.apache.lucene.index.IndexWriter;
import org.apache.lucene.index.IndexWriterConfig;
import org.apache.lucene.index.VectorSimilarityFunction;
import org.apache.lucene.store.Directory;
import org.apache.lucene.tests.index.BaseKnnVectorsFormatTestCase;
import org.apache.lucene.util.hnsw.HnswGraph;

/**
 * Lucene's vectors format test suite, run whole against {@link MultiVector104Codec}, which routes
 * every vector field: fields that are not multi-vector fields must behave as with Lucene's codec.
 * Its nightly variants run with {@code -Dtests.nightly=true}.
 */
public class TestMultiVector104CodecKnnVectorsFormat extends BaseKnnVectorsFormatTestCase {
  private final Codec codec = new MultiVector104Codec();

  @Override
  protected Codec getCodec() {
    return codec;
  }

  @Override
  protected boolean supportsFloatVectorFallback() {
    return false; // Lucene's default vectors format keeps no quantized copy
  }

  /** Merges reuse a segment's graph only if the codec's reader provides it, as Lucene's does. */
  public void testReaderProvidesGraphs() throws Exception {
    try (Directory dir = newDirectory();
        IndexWriter writer = new IndexWriter(dir, new IndexWriterConfig().setCodec(codec))) {
      for (int i = 0; i < 2000; i++) { // above Lucene's threshold for building a graph
        Document doc = new Document();
        doc.add(new KnnFloatVectorField("v", randomNormalizedVector(8), VectorSimilarityFunction.DOT_PRODUCT));
        writer.addDocument(doc);
      }
      writer.forceMerge(1);
      try (DirectoryReader reader = DirectoryReader.open(writer)) {
        KnnVectorsReader vectors = ((CodecReader) getOnlyLeafReader(reader)).getVectorReader();
        HnswGraph graph = ((HnswGraphProvider) vectors).getGraph("v");
        assertNotNull(graph);
        assertEquals(2000, graph.size());
        assertNull(((HnswGraphProvider) vectors).getGraph("absent"));
      }
    }
  }
}
