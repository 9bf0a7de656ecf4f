package dev.multivector.lucene.document;

import dev.multivector.lucene.codec.MultiVector104Codec;
import dev.multivector.lucene.codec.MultiVectorValues;
import dev.multivector.lucene.pooling.HierarchicalTokenPooler;
import java.io.IOException;
import org.apache.lucene.codecs.lucene104.Lucene104HnswScalarQuantizedVectorsFormat;
import org.apache.lucene.document.Document;
import org.apache.lucene.document.Field;
import org.apache.lucene.document.LateInteractionField;
import org.apache.lucene.document.StringField;
import org.apache.lucene.index.BinaryDocValues;
import org.apache.lucene.index.DirectoryReader;
import org.apache.lucene.index.FieldInfo;
import org.apache.lucene.index.FloatVectorValues;
import org.apache.lucene.index.IndexWriter;
import org.apache.lucene.index.KnnVectorValues;
import org.apache.lucene.index.LeafReader;
import org.apache.lucene.index.LeafReaderContext;
import org.apache.lucene.index.VectorSimilarityFunction;
import org.apache.lucene.search.IndexSearcher;
import org.apache.lucene.search.KnnFloatVectorQuery;
import org.apache.lucene.search.TopDocs;
import org.apache.lucene.store.Directory;
import org.apache.lucene.tests.util.LuceneTestCase;
import org.apache.lucene.tests.util.TestUtil;
import org.apache.lucene.util.Bits;

/** {@link MultiVectorField}: what it accepts, what it refuses, and what it indexes. */
public class TestMultiVectorField extends LuceneTestCase {

  private static final MultiVectorFieldConfig DIM4 = MultiVectorFieldConfig.builder(4).build();

  private static void assertRefused(String expectedMessagePart, Runnable construction) {
    IllegalArgumentException e = expectThrows(IllegalArgumentException.class, construction::run);
    assertTrue(
        "message \"" + e.getMessage() + "\" names \"" + expectedMessagePart + "\"",
        e.getMessage().contains(expectedMessagePart));
  }

  public void testRefusedAtConstruction() {
    assertRefused("null or empty", () -> new MultiVectorField("f", null, DIM4));
    assertRefused("null or empty", () -> new MultiVectorField("f", new float[0][], DIM4));
    assertRefused("null or empty", () -> new MultiVectorField("f", new float[0][]));
    assertRefused("token vector 1 is null", () -> new MultiVectorField("f", new float[][] {{1, 2, 3, 4}, null}, DIM4));
    assertRefused("token vector 0 is null or empty", () -> new MultiVectorField("f", new float[][] {{}}, DIM4));
    assertRefused(
        "token vector 1 has dimension 3, the field's dimension is 4",
        () -> new MultiVectorField("f", new float[][] {{1, 2, 3, 4}, {1, 2, 3}}, DIM4));
    assertRefused(
        "token vector 1 has dimension 3, the field's dimension is 4",
        () -> new MultiVectorField("f", new float[][] {{1, 2, 3, 4}, {1, 2, 3}}));
    assertRefused(
        "token vector 0 has dimension 5",
        () -> new MultiVectorField("f", new float[][] {{1, 2, 3, 4, 5}}, DIM4));
    assertRefused(
        "non-finite value NaN at index 2",
        () -> new MultiVectorField("f", new float[][] {{1, 2, 3, 4}, {1, 2, Float.NaN, 4}}, DIM4));
    assertRefused(
        "non-finite value Infinity",
        () -> new MultiVectorField("f", new float[][] {{Float.POSITIVE_INFINITY, 2, 3, 4}}, DIM4));
    assertRefused(
        "non-finite value -Infinity",
        () -> new MultiVectorField("f", new float[][] {{Float.NEGATIVE_INFINITY, 2, 3, 4}}, DIM4));
    MultiVectorFieldConfig max2 = MultiVectorFieldConfig.builder(4).maxTokens(2).build();
    assertRefused(
        "3 token vectors, more than maxTokens=2",
        () -> new MultiVectorField("f", new float[3][4], max2));
    MultiVectorFieldConfig cosine =
        MultiVectorFieldConfig.builder(4).similarity(VectorSimilarityFunction.COSINE).build();
    assertRefused(
        "token vector 1 is a zero vector",
        () -> new MultiVectorField("f", new float[][] {{1, 0, 0, 0}, {0, 0, 0, 0}}, cosine));
    assertRefused("dimension must be in [1, 1024], got 1025", () -> new MultiVectorField("f", new float[1][1025]));
    // Allowed by maxTokens, too large for one value: refused before anything is copied.
    MultiVectorFieldConfig wide =
        MultiVectorFieldConfig.builder(1024).maxTokens(MultiVectorFieldConfig.MAX_TOKENS_LIMIT).build();
    float[][] huge = new float[(1 << 19) + 1][];
    java.util.Arrays.fill(huge, new float[1024]); // one row shared: a few megabytes of references
    assertRefused("more than one Lucene value holds", () -> new MultiVectorField("f", huge, wide));
  }

  public void testConfigurationRefusesBadSettings() {
    assertRefused("dimension must be in [1, 1024], got 0", () -> MultiVectorFieldConfig.builder(0));
    assertRefused("maxTokens must be in", () -> MultiVectorFieldConfig.builder(4).maxTokens(0));
    assertRefused(
        "similarity must be DOT_PRODUCT or COSINE",
        () -> MultiVectorFieldConfig.builder(4).similarity(VectorSimilarityFunction.EUCLIDEAN));
  }

  public void testCallerArraysAreCopiedNotModified() {
    float[][] vectors = {{3, 0, 0, 4}, {0, 2, 0, 0}};
    MultiVectorFieldConfig cosine =
        MultiVectorFieldConfig.builder(4).similarity(VectorSimilarityFunction.COSINE).build();
    MultiVectorField field = new MultiVectorField("f", vectors, cosine);
    assertArrayEquals(new float[] {3, 0, 0, 4}, vectors[0], 0f);
    vectors[1][1] = 7; // a later change by the caller does not reach the field
    float[][] stored = LateInteractionField.decode(field.binaryValue());
    assertArrayEquals(new float[] {0.6f, 0, 0, 0.8f}, stored[0], 1e-7f);
    assertArrayEquals(new float[] {0, 1, 0, 0}, stored[1], 0f);
    assertEquals(2, field.tokenCount());
    assertEquals("MultiVectorField<f: 2 x 4>", field.toString());
    expectThrows(UnsupportedOperationException.class, () -> field.setVectorValue(new float[4]));
  }

  /**
   * Documents whose dimension or similarity disagree with the index's are refused at addDocument,
   * in the same segment or a later one, and the writer keeps everything else.
   */
  public void testMismatchedDocumentsRefusedAtAddDocument() throws IOException {
    try (Directory dir = newDirectory();
        IndexWriter writer =
            new IndexWriter(dir, newIndexWriterConfig().setCodec(new MultiVector104Codec()))) {
      writer.addDocument(doc("0", new MultiVectorField("f", new float[][] {{1, 2, 3, 4}}, DIM4)));
      for (boolean committed : new boolean[] {false, true}) {
        if (committed) {
          writer.commit(); // the refusal also holds against earlier segments
        }
        IllegalArgumentException e =
            expectThrows(
                IllegalArgumentException.class,
                () -> writer.addDocument(doc("x", new MultiVectorField("f", new float[][] {{1, 2, 3, 4, 5}}))));
        assertTrue(e.getMessage(), e.getMessage().contains("vector dimension"));
        MultiVectorFieldConfig cosine =
            MultiVectorFieldConfig.builder(4).similarity(VectorSimilarityFunction.COSINE).build();
        e =
            expectThrows(
                IllegalArgumentException.class,
                () -> writer.addDocument(doc("y", new MultiVectorField("f", new float[][] {{1, 2, 3, 4}}, cosine))));
        assertTrue(e.getMessage(), e.getMessage().contains("vector similarity function"));
        // Lucene's own field on the same name lacks the multi-vector schema: refused too.
        expectThrows(
            IllegalArgumentException.class,
            () -> writer.addDocument(doc("z", new LateInteractionField("f", new float[][] {{1, 2, 3, 4}}))));
      }
      writer.addDocument(doc("1", new MultiVectorField("f", new float[][] {{5, 6, 7, 8}}, DIM4)));
      writer.commit();
      try (DirectoryReader reader = DirectoryReader.open(writer)) {
        assertEquals(2, reader.numDocs());
        int withValue = 0;
        for (LeafReaderContext leaf : reader.leaves()) {
          BinaryDocValues values = leaf.reader().getBinaryDocValues("f");
          Bits live = leaf.reader().getLiveDocs();
          for (int doc = values.nextDoc(); doc != BinaryDocValues.NO_MORE_DOCS; doc = values.nextDoc()) {
            withValue += live == null || live.get(doc) ? 1 : 0;
          }
        }
        assertEquals(2, withValue);
      }
    }
  }

  /** The field's vector value is the mean of its tokens (normalised for COSINE), searchable. */
  public void testSummaryVector() throws IOException {
    MultiVectorFieldConfig cosine =
        MultiVectorFieldConfig.builder(2).similarity(VectorSimilarityFunction.COSINE).build();
    try (Directory dir = newDirectory();
        IndexWriter writer =
            new IndexWriter(dir, newIndexWriterConfig().setCodec(new MultiVector104Codec()))) {
      writer.addDocument(doc("dot", new MultiVectorField("dot", new float[][] {{1, 2}, {3, 6}})));
      writer.addDocument(doc("cos", new MultiVectorField("cos", new float[][] {{1, 0}, {0, 1}}, cosine)));
      try (DirectoryReader reader = DirectoryReader.open(writer)) {
        LeafReader leaf = getOnlyLeafReader(reader);
        assertArrayEquals(new float[] {2, 4}, vectorOf(leaf, "dot"), 0f);
        float half = (float) Math.sqrt(0.5);
        assertArrayEquals(new float[] {half, half}, vectorOf(leaf, "cos"), 1e-7f);
        FieldInfo dot = leaf.getFieldInfos().fieldInfo("dot");
        assertEquals(VectorSimilarityFunction.MAXIMUM_INNER_PRODUCT, dot.getVectorSimilarityFunction());
        assertEquals(MultiVectorFieldConfig.builder(2).build(), MultiVectorFieldConfig.fromFieldInfo(dot));
        IndexSearcher searcher = newSearcher(reader);
        TopDocs hits = searcher.search(new KnnFloatVectorQuery("dot", new float[] {1, 1}, 5), 5);
        assertEquals(1, hits.totalHits.value());
      }
      writer.commit();
      TestUtil.checkIndex(dir);
    }
  }

  /**
   * An FDE summary vector: the document's encoding as the field's vector, of the encoding's
   * dimension and compared by inner product; its settings recorded with the field, so that a
   * query is encoded alike.
   */
  public void testFdeSummaryVector() throws IOException {
    MultiVectorFieldConfig.Fde settings = new MultiVectorFieldConfig.Fde(2, 2, 3, 7);
    MultiVectorFieldConfig config = MultiVectorFieldConfig.builder(4).fde(settings).build();
    assertEquals(SummaryVector.FDE, config.summaryVector());
    assertEquals(2 * 4 * 3, config.summaryDimension());
    assertEquals(
        MultiVectorFieldConfig.Fde.DEFAULT,
        MultiVectorFieldConfig.builder(4).summaryVector(SummaryVector.FDE).build().fde());
    // An FDE is stored with 1 bit a component unless asked otherwise; the mean and max as float32.
    assertEquals(1, config.summaryBits());
    assertEquals(32, MultiVectorFieldConfig.builder(4).fde(settings).summaryBits(32).build().summaryBits());
    assertEquals(32, MultiVectorFieldConfig.builder(4).build().summaryBits());
    float[][] tokens = {{1, -2, 3, 0}, {3, 2, -1, 1}, {0, 1, 1, 1}};
    FixedDimensionalEncoding encoding = new FixedDimensionalEncoding(4, 2, 2, 3, 7);
    try (Directory dir = newDirectory();
        IndexWriter writer =
            new IndexWriter(dir, newIndexWriterConfig().setCodec(new MultiVector104Codec()))) {
      writer.addDocument(doc("a", new MultiVectorField("f", tokens, config)));
      try (DirectoryReader reader = DirectoryReader.open(writer)) {
        LeafReader leaf = getOnlyLeafReader(reader);
        assertArrayEquals(encoding.encodeDocument(tokens), vectorOf(leaf, "f"), 0f);
        FieldInfo info = leaf.getFieldInfos().fieldInfo("f");
        assertEquals(VectorSimilarityFunction.MAXIMUM_INNER_PRODUCT, info.getVectorSimilarityFunction());
        MultiVectorFieldConfig recorded = MultiVectorFieldConfig.fromFieldInfo(info);
        assertEquals(config, recorded);
        assertArrayEquals(encoding.encodeQuery(tokens), recorded.querySummary(tokens), 0f);
        TopDocs hits =
            newSearcher(reader).search(new KnnFloatVectorQuery("f", recorded.querySummary(tokens), 5), 5);
        assertEquals(1, hits.totalHits.value());
      }
    }
    expectThrows(IllegalStateException.class, () -> SummaryVector.FDE.of(tokens, false));
    IllegalArgumentException e =
        expectThrows(IllegalArgumentException.class, () -> new MultiVectorFieldConfig.Fde(64, 8, 32, 1));
    assertTrue(e.getMessage(), e.getMessage().contains("more than 16384"));
  }

  /**
   * An FDE wider than Lucene's usual 1,024 dimensions, stored as float32 or quantized: the vectors
   * format keeps the float32 encodings (merges and {@link FloatVectorValues} read them) and
   * searches the quantized copy if there is one, with or without a graph; {@code
   * KnnFloatVectorQuery} works on the field.
   */
  public void testWideFde() throws IOException {
    int bits = new int[] {1, 2, 4, 7, 8, 32}[random().nextInt(6)];
    MultiVectorFieldConfig config =
        MultiVectorFieldConfig.builder(8)
            .fde(new MultiVectorFieldConfig.Fde(4, 5, 16, random().nextLong()))
            .summaryBits(bits)
            .summaryGraph(random().nextBoolean() ? new MultiVectorFieldConfig.Graph(8, 20) : null)
            .build();
    assertEquals(2048, config.summaryDimension());
    float[][][] docs = new float[TestUtil.nextInt(random(), 20, 80)][][];
    try (Directory dir = newDirectory();
        IndexWriter writer =
            new IndexWriter(
                dir, newIndexWriterConfig().setCodec(new MultiVector104Codec()).setMaxBufferedDocs(16))) {
      for (int d = 0; d < docs.length; d++) {
        docs[d] = new float[TestUtil.nextInt(random(), 1, 12)][8];
        for (float[] token : docs[d]) {
          for (int k = 0; k < 8; k++) {
            token[k] = (float) random().nextGaussian();
          }
        }
        writer.addDocument(doc(Integer.toString(d), new MultiVectorField("f", docs[d], config)));
      }
      if (random().nextBoolean()) {
        writer.forceMerge(1);
      }
      try (DirectoryReader reader = DirectoryReader.open(writer)) {
        for (LeafReaderContext context : reader.leaves()) {
          FieldInfo info = context.reader().getFieldInfos().fieldInfo("f");
          assertEquals(config, MultiVectorFieldConfig.fromFieldInfo(info));
          assertEquals(2048, info.getVectorDimension());
          assertEquals(
              bits == 32 ? "Lucene99HnswVectorsFormat" : Lucene104HnswScalarQuantizedVectorsFormat.NAME,
              info.getAttribute("PerFieldKnnVectorsFormat.format"));
          FloatVectorValues values = context.reader().getFloatVectorValues("f");
          KnnVectorValues.DocIndexIterator it = values.iterator();
          for (int doc = it.nextDoc(); doc != KnnVectorValues.DocIndexIterator.NO_MORE_DOCS; doc = it.nextDoc()) {
            int id = Integer.parseInt(context.reader().storedFields().document(doc).get("id"));
            assertArrayEquals(config.documentSummary(docs[id]), values.vectorValue(it.index()), 0f);
          }
        }
        float[] query = config.querySummary(docs[0]);
        TopDocs hits = newSearcher(reader).search(new KnnFloatVectorQuery("f", query, 5), 5);
        assertEquals(5, hits.scoreDocs.length);
      }
      writer.commit();
      TestUtil.checkIndex(dir);
    }
    expectThrows(IllegalArgumentException.class, () -> MultiVectorFieldConfig.builder(8).summaryBits(3));
  }

  private static float[] vectorOf(LeafReader leaf, String field) throws IOException {
    FloatVectorValues values = leaf.getFloatVectorValues(field);
    KnnVectorValues.DocIndexIterator it = values.iterator();
    assertNotEquals(KnnVectorValues.DocIndexIterator.NO_MORE_DOCS, it.nextDoc());
    return values.vectorValue(it.index()).clone();
  }

  private static Document doc(String id, Field field) {
    Document doc = new Document();
    doc.add(new StringField("id", id, Field.Store.YES));
    doc.add(field);
    return doc;
  }

  /** With pooling configured, the index keeps the pooler's tokens: users add full matrices. */
  public void testPoolingInsideIndexing() throws IOException {
    int dim = TestUtil.nextInt(random(), 2, 32);
    int poolFactor = TestUtil.nextInt(random(), 2, 4);
    int protectedTokens = random().nextInt(2);
    boolean cosine = random().nextBoolean();
    MultiVectorFieldConfig config =
        MultiVectorFieldConfig.builder(dim)
            .similarity(cosine ? VectorSimilarityFunction.COSINE : VectorSimilarityFunction.DOT_PRODUCT)
            .pooling(poolFactor, protectedTokens)
            .summaryVector(random().nextBoolean() ? SummaryVector.MEAN : SummaryVector.MAX)
            .build();
    float[][] tokens = new float[TestUtil.nextInt(random(), 1, 120)][dim];
    for (float[] token : tokens) {
      for (int i = 0; i < dim; i++) {
        token[i] = (float) random().nextGaussian();
      }
    }
    MultiVectorField field = new MultiVectorField("f", tokens, config);
    float[][] prepared = cosine ? normalized(tokens) : tokens;
    float[][] expected = new HierarchicalTokenPooler(poolFactor, protectedTokens).pool(prepared);
    float[][] stored = LateInteractionField.decode(field.binaryValue());
    assertEquals(expected.length, field.tokenCount());
    assertEquals(expected.length, stored.length);
    for (int t = 0; t < expected.length; t++) {
      assertArrayEquals(expected[t], stored[t], 0f);
    }
    if (tokens.length - protectedTokens >= 2 * poolFactor) {
      assertTrue(stored.length < tokens.length);
    }
    // The summary vector summarises the tokens before pooling.
    assertArrayEquals(config.summaryVector().of(prepared, cosine), field.vectorValue(), 0f);

    try (Directory dir = newDirectory();
        IndexWriter writer =
            new IndexWriter(dir, newIndexWriterConfig().setCodec(new MultiVector104Codec()))) {
      writer.addDocument(doc("0", field));
      try (DirectoryReader reader = DirectoryReader.open(writer)) {
        LeafReader leaf = getOnlyLeafReader(reader);
        assertEquals(config, MultiVectorFieldConfig.fromFieldInfo(leaf.getFieldInfos().fieldInfo("f")));
        MultiVectorValues values = MultiVectorValues.of(leaf.getBinaryDocValues("f"), "f");
        assertTrue(values.advanceExact(0));
        assertEquals(expected.length, values.tokenCount());
      }
    }
  }

  public void testSummaryVectorModes() {
    float[][] tokens = {{1, -2, 3}, {3, 2, -1}};
    assertArrayEquals(new float[] {2, 0, 1}, SummaryVector.MEAN.of(tokens, false), 0f);
    assertArrayEquals(new float[] {3, 2, 3}, SummaryVector.MAX.of(tokens, false), 0f);
    float norm = (float) Math.sqrt(22);
    assertArrayEquals(new float[] {3 / norm, 2 / norm, 3 / norm}, SummaryVector.MAX.of(tokens, true), 1e-7f);
    assertArrayEquals(new float[] {0, 0}, SummaryVector.MEAN.of(new float[][] {{1, 1}, {-1, -1}}, true), 0f);
  }

  private static float[][] normalized(float[][] m) {
    float[][] out = new float[m.length][];
    for (int t = 0; t < m.length; t++) {
      double squaredNorm = 0;
      for (float x : m[t]) {
        squaredNorm += (double) x * x;
      }
      double norm = Math.sqrt(squaredNorm);
      out[t] = new float[m[t].length];
      for (int i = 0; i < m[t].length; i++) {
        out[t][i] = (float) (m[t][i] / norm);
      }
    }
    return out;
  }
}
