package dev.multivector.lucene.codec;

import dev.multivector.lucene.document.MultiVectorField;
import dev.multivector.lucene.document.MultiVectorFieldConfig;
import dev.multivector.lucene.search.LateInteractionQuery;
import java.util.Map;
import org.apache.lucene.codecs.Codec;
import org.apache.lucene.codecs.FilterCodec;
import org.apache.lucene.codecs.KnnVectorsFormat;
import org.apache.lucene.codecs.lucene104.Lucene104Codec;
import org.apache.lucene.codecs.lucene104.Lucene104HnswScalarQuantizedVectorsFormat;
import org.apache.lucene.document.Document;
import org.apache.lucene.document.Field;
import org.apache.lucene.document.KnnFloatVectorField;
import org.apache.lucene.document.StringField;
import org.apache.lucene.index.DirectoryReader;
import org.apache.lucene.index.IndexWriter;
import org.apache.lucene.index.LeafReader;
import org.apache.lucene.index.SegmentReader;
import org.apache.lucene.index.Term;
import org.apache.lucene.index.VectorSimilarityFunction;
import org.apache.lucene.search.IndexSearcher;
import org.apache.lucene.search.KnnFloatVectorQuery;
import org.apache.lucene.search.TermQuery;
import org.apache.lucene.search.TopDocs;
import org.apache.lucene.store.Directory;
import org.apache.lucene.tests.util.LuceneTestCase;
import org.apache.lucene.tests.util.TestUtil;
import org.apache.lucene.util.BytesRef;

/**
 * {@link MultiVector104Codec} over an engine's own codec (OpenSearch's choose stored-fields
 * compression and per-field formats): segments it writes are read back by the codec as readers
 * load it by name, with the engine's choices.
 */
public class TestMultiVector104CodecDelegate extends LuceneTestCase {

  /** An engine's codec: best compression, and int8 vectors for one field. */
  private static Codec engineCodec() {
    return new Lucene104Codec(Lucene104Codec.Mode.BEST_COMPRESSION) {
      private final KnnVectorsFormat int8 = new Lucene104HnswScalarQuantizedVectorsFormat();

      @Override
      public KnnVectorsFormat getKnnVectorsFormatForField(String field) {
        return field.equals("int8") ? int8 : super.getKnnVectorsFormatForField(field);
      }
    };
  }

  public void testSegmentsAreReadWithTheEnginesChoices() throws Exception {
    int dim = TestUtil.nextInt(random(), 2, 16);
    MultiVectorFieldConfig config = MultiVectorFieldConfig.builder(dim).centroidIndex(2).build();
    int numDocs = atLeast(100);
    float[][][] matrices = new float[numDocs][][];
    try (Directory dir = newDirectory()) {
      try (IndexWriter writer =
          new IndexWriter(
              dir,
              newIndexWriterConfig()
                  .setCodec(new MultiVector104Codec(engineCodec()))
                  .setMaxBufferedDocs(TestUtil.nextInt(random(), 10, 50)))) {
        for (int i = 0; i < numDocs; i++) {
          matrices[i] = MultiVectorTestUtil.randomMatrix(random(), TestUtil.nextInt(random(), 1, 20), dim);
          Document doc = new Document();
          doc.add(new StringField("id", Integer.toString(i), Field.Store.YES));
          doc.add(new MultiVectorField("mv", matrices[i], config));
          doc.add(new KnnFloatVectorField("int8", matrices[i][0], VectorSimilarityFunction.EUCLIDEAN));
          writer.addDocument(doc);
        }
        if (random().nextBoolean()) {
          writer.forceMerge(1);
        }
      }
      try (DirectoryReader reader = DirectoryReader.open(dir)) { // the codec loaded by name
        TestUtil.checkIndex(dir);
        for (var context : reader.leaves()) {
          LeafReader leaf = context.reader();
          Map<String, String> attributes = ((SegmentReader) leaf).getSegmentInfo().info.getAttributes();
          assertEquals("BEST_COMPRESSION", attributes.get("Lucene90StoredFieldsFormat.mode"));
          assertEquals(
              new Lucene104HnswScalarQuantizedVectorsFormat().getName(),
              leaf.getFieldInfos().fieldInfo("int8").getAttribute("PerFieldKnnVectorsFormat.format"));
          assertEquals(MultiVector104Codec.NAME, ((SegmentReader) leaf).getSegmentInfo().info.getCodec().getName());
        }
        Map<String, BytesRef> values = MultiVectorTestUtil.readAll(reader, "mv");
        assertEquals(numDocs, values.size());
        IndexSearcher searcher = newSearcher(reader);
        int target = random().nextInt(numDocs);
        TopDocs nearest = searcher.search(new KnnFloatVectorQuery("int8", matrices[target][0], 1), 1);
        assertEquals(1, nearest.scoreDocs.length);
        TopDocs maxSim =
            searcher.search(LateInteractionQuery.builder("mv", matrices[target]).k(3).tokenKnn(10).build(), 3);
        assertEquals(3, maxSim.scoreDocs.length);
        assertEquals(1, searcher.count(new TermQuery(new Term("id", Integer.toString(target)))));
      }
    }
  }

  public void testDelegateMustBeLucene104() {
    Codec other = new FilterCodec("Other", new Lucene104Codec()) {};
    IllegalArgumentException e = expectThrows(IllegalArgumentException.class, () -> new MultiVector104Codec(other));
    assertTrue(e.getMessage(), e.getMessage().contains("must be a Lucene104Codec") && e.getMessage().contains("Other"));
  }
}
