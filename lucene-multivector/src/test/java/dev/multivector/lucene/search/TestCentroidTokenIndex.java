package dev.multivector.lucene.search;

import static dev.multivector.lucene.search.TestLateInteractionQuery.randomMatrix;

import dev.multivector.lucene.codec.MultiVector104Codec;
import dev.multivector.lucene.codec.MultiVectorValues;
import dev.multivector.lucene.codec.TokenIndex;
import dev.multivector.lucene.document.MultiVectorField;
import dev.multivector.lucene.document.MultiVectorFieldConfig;
import java.io.IOException;
import java.util.Arrays;
import java.util.HashSet;
import java.util.Random;
import java.util.Set;
import org.apache.lucene.codecs.CodecUtil;
import org.apache.lucene.document.Document;
import org.apache.lucene.document.Field;
import org.apache.lucene.document.NumericDocValuesField;
import org.apache.lucene.document.StringField;
import org.apache.lucene.index.CorruptIndexException;
import org.apache.lucene.index.DirectoryReader;
import org.apache.lucene.index.IndexWriter;
import org.apache.lucene.index.IndexWriterConfig;
import org.apache.lucene.index.LeafReaderContext;
import org.apache.lucene.index.NoMergePolicy;
import org.apache.lucene.index.Term;
import org.apache.lucene.index.VectorSimilarityFunction;
import org.apache.lucene.search.IndexSearcher;
import org.apache.lucene.search.Query;
import org.apache.lucene.search.ScoreDoc;
import org.apache.lucene.search.Sort;
import org.apache.lucene.search.SortField;
import org.apache.lucene.search.TermQuery;
import org.apache.lucene.search.TopDocs;
import org.apache.lucene.store.Directory;
import org.apache.lucene.store.IOContext;
import org.apache.lucene.store.IndexInput;
import org.apache.lucene.tests.util.LuceneTestCase;
import org.apache.lucene.tests.util.TestUtil;

/** The centroid token index: built at flush and merge, checked against the tokens, searched. */
public class TestCentroidTokenIndex extends LuceneTestCase {

  private static final String FIELD = "mv";

  private static MultiVectorFieldConfig config(int dim) {
    MultiVectorFieldConfig.Builder builder =
        MultiVectorFieldConfig.builder(dim)
            .similarity(random().nextBoolean() ? VectorSimilarityFunction.DOT_PRODUCT : VectorSimilarityFunction.COSINE)
            .centroidIndex(
                new MultiVectorFieldConfig.CentroidIndex(
                    random().nextBoolean() ? 2 : 4, random().nextBoolean() ? 0 : TestUtil.nextInt(random(), 1, 40)));
    if (random().nextInt(4) == 0) {
      builder.tokenGraph(new MultiVectorFieldConfig.Graph(8, 16)); // both: the centroid index is searched
    }
    if (random().nextInt(4) == 0) {
      builder.encoding(MultiVectorFieldConfig.Encoding.INT8);
    }
    return builder.build();
  }

  /** Random documents over several segments, some without a value, some deleted, maybe sorted. */
  private static int index(Directory dir, int dim, int numDocs, MultiVectorFieldConfig config, boolean sorted)
      throws IOException {
    IndexWriterConfig iwc =
        newIndexWriterConfig().setCodec(new MultiVector104Codec()).setMaxBufferedDocs(TestUtil.nextInt(random(), 20, 80));
    if (sorted) {
      iwc.setIndexSort(new Sort(new SortField("rank", SortField.Type.INT, true)));
    }
    int totalTokens = 0;
    try (IndexWriter writer = new IndexWriter(dir, iwc)) {
      for (int i = 0; i < numDocs; i++) {
        Document doc = new Document();
        doc.add(new StringField("id", Integer.toString(i), Field.Store.YES));
        doc.add(new StringField("color", i % 3 == 0 ? "red" : "blue", Field.Store.NO));
        doc.add(new NumericDocValuesField("rank", random().nextInt(1000)));
        if (i % 13 != 4) {
          int tokens = TestUtil.nextInt(random(), 1, 25);
          totalTokens += tokens;
          doc.add(new MultiVectorField(FIELD, randomMatrix(tokens, dim), config));
        }
        writer.addDocument(doc);
        if (random().nextInt(15) == 0) {
          writer.deleteDocuments(new Term("id", Integer.toString(random().nextInt(i + 1))));
        }
      }
    }
    return totalTokens;
  }

  /** With every list probed and every token kept, the candidates are every document: exact. */
  public void testEveryListProbedIsExhaustive() throws Exception {
    int dim = TestUtil.nextInt(random(), 2, 40);
    try (Directory dir = newDirectory()) {
      int totalTokens = index(dir, dim, atLeast(200), config(dim), random().nextBoolean());
      try (DirectoryReader reader = DirectoryReader.open(dir)) {
        IndexSearcher searcher = newSearcher(reader);
        for (int iter = 0; iter < 3; iter++) {
          float[][] query = randomMatrix(TestUtil.nextInt(random(), 1, 10), dim);
          int k = TestUtil.nextInt(random(), 1, 20);
          Query filter = random().nextBoolean() ? null : new TermQuery(new Term("color", "red"));
          LateInteractionQuery.Builder exhaustive = LateInteractionQuery.builder(FIELD, query).k(k);
          LateInteractionQuery.Builder centroids =
              LateInteractionQuery.builder(FIELD, query).k(k).tokenKnn(totalTokens).probes(Integer.MAX_VALUE);
          if (filter != null) {
            exhaustive.filter(filter);
            centroids.filter(filter);
          }
          TopDocs expected = searcher.search(exhaustive.build(), k);
          TopDocs actual = searcher.search(centroids.build(), k);
          assertEquals(expected.scoreDocs.length, actual.scoreDocs.length);
          for (int i = 0; i < expected.scoreDocs.length; i++) {
            assertEquals("rank " + i, expected.scoreDocs[i].doc, actual.scoreDocs[i].doc);
            assertEquals("rank " + i, expected.scoreDocs[i].score, actual.scoreDocs[i].score, 0f);
          }
        }
      }
    }
  }

  /** The index holds every token once, with its residual's codes, at flush and after merges. */
  public void testCheckTokensAfterMergesAndDeletions() throws Exception {
    int dim = TestUtil.nextInt(random(), 1, 40);
    try (Directory dir = newDirectory()) {
      index(dir, dim, atLeast(150), config(dim), random().nextBoolean());
      try (DirectoryReader reader = DirectoryReader.open(dir)) {
        for (LeafReaderContext leaf : reader.leaves()) {
          checkTokens(leaf);
        }
      }
      try (IndexWriter writer =
          new IndexWriter(dir, newIndexWriterConfig().setCodec(new MultiVector104Codec()))) {
        writer.deleteDocuments(new Term("color", "red"));
        writer.forceMerge(1);
      }
      try (DirectoryReader reader = DirectoryReader.open(dir)) {
        assertEquals(1, reader.leaves().size());
        checkTokens(reader.leaves().get(0));
        TestUtil.checkIndex(dir);
      }
    }
  }

  private static void checkTokens(LeafReaderContext leaf) throws IOException {
    MultiVectorValues values = MultiVectorValues.of(leaf.reader(), FIELD);
    if (values == null || values.cost() == 0) {
      return;
    }
    TokenIndex index = values.tokenIndex();
    assertEquals("CentroidTokenIndex", index.formatName());
    index.checkTokens(MultiVectorValues.of(leaf.reader(), FIELD));
  }

  /** Tokens that are not the ones indexed fail the check. */
  public void testCheckTokensDetectsOtherTokens() throws Exception {
    int dim = 8;
    MultiVectorFieldConfig config = MultiVectorFieldConfig.builder(dim).centroidIndex(2).build();
    try (Directory a = newDirectory();
        Directory b = newDirectory()) {
      for (Directory dir : new Directory[] {a, b}) {
        try (IndexWriter writer =
            new IndexWriter(dir, newIndexWriterConfig().setCodec(new MultiVector104Codec()))) {
          for (int i = 0; i < 40; i++) {
            Document doc = new Document();
            doc.add(new MultiVectorField(FIELD, randomMatrix(5, dim), config));
            writer.addDocument(doc);
          }
          writer.forceMerge(1);
        }
      }
      try (DirectoryReader readerA = DirectoryReader.open(a);
          DirectoryReader readerB = DirectoryReader.open(b)) {
        TokenIndex index = MultiVectorValues.of(readerA.leaves().get(0).reader(), FIELD).tokenIndex();
        MultiVectorValues others = MultiVectorValues.of(readerB.leaves().get(0).reader(), FIELD);
        expectThrows(CorruptIndexException.class, () -> index.checkTokens(others));
      }
    }
  }

  /** The same documents give the same index, byte for byte (but for the segment's header). */
  public void testSameInputSameIndex() throws Exception {
    int dim = TestUtil.nextInt(random(), 4, 32);
    MultiVectorFieldConfig config = MultiVectorFieldConfig.builder(dim).centroidIndex(4).build();
    float[][][] docs = new float[300][][];
    for (int i = 0; i < docs.length; i++) {
      docs[i] = randomMatrix(TestUtil.nextInt(random(), 1, 20), dim);
    }
    byte[][] data = new byte[2][];
    for (int run = 0; run < 2; run++) {
      try (Directory dir = newDirectory()) {
        try (IndexWriter writer =
            new IndexWriter(
                dir,
                newIndexWriterConfig()
                    .setCodec(new MultiVector104Codec())
                    .setUseCompoundFile(false)
                    .setMaxBufferedDocs(docs.length + 1)
                    .setMergePolicy(NoMergePolicy.INSTANCE))) {
          for (float[][] matrix : docs) {
            Document doc = new Document();
            doc.add(new MultiVectorField(FIELD, matrix, config));
            writer.addDocument(doc);
          }
        }
        String file = Arrays.stream(dir.listAll()).filter(name -> name.endsWith(".ctd")).findFirst().orElseThrow();
        try (IndexInput in = dir.openInput(file, IOContext.READONCE)) {
          int header = CodecUtil.indexHeaderLength("CentroidTokenIndexData", "CentroidTokenIndex");
          in.seek(header);
          data[run] = new byte[(int) (in.length() - header - CodecUtil.footerLength())];
          in.readBytes(data[run], 0, data[run].length);
        }
      }
    }
    assertArrayEquals(data[0], data[1]);
  }

  /**
   * On clustered tokens, the default probes find most of the exhaustive top 10 (each query token
   * is near one of the clusters). XTR's estimate ranks poorly on such data with a small k' (the
   * HNSW graph's too: 0.19 here); with every token retrieved, it is MaxSim over the residual
   * codes, and ranks nearly as MaxSim does.
   */
  public void testRecallOnClusteredData() throws Exception {
    Random data = new Random(1234);
    int dim = 32, numDocs = 600, clusters = 64;
    float[][] centres = new float[clusters][dim];
    for (float[] c : centres) {
      for (int i = 0; i < dim; i++) {
        c[i] = (float) data.nextGaussian();
      }
    }
    MultiVectorFieldConfig config =
        MultiVectorFieldConfig.builder(dim).similarity(VectorSimilarityFunction.COSINE).centroidIndex(2).build();
    float[][][] docs = new float[numDocs][][];
    try (Directory dir = newDirectory()) {
      try (IndexWriter writer =
          new IndexWriter(dir, new IndexWriterConfig().setCodec(new MultiVector104Codec()).setMaxBufferedDocs(200))) {
        for (int d = 0; d < numDocs; d++) {
          docs[d] = new float[20 + data.nextInt(40)][dim];
          for (float[] token : docs[d]) {
            float[] c = centres[data.nextInt(clusters)];
            for (int i = 0; i < dim; i++) {
              token[i] = c[i] + 0.3f * (float) data.nextGaussian();
            }
          }
          Document doc = new Document();
          doc.add(new MultiVectorField(FIELD, docs[d], config));
          writer.addDocument(doc);
        }
      }
      try (DirectoryReader reader = DirectoryReader.open(dir)) {
        IndexSearcher searcher = newSearcher(reader);
        int queries = 30, matched = 0, matchedByEstimate = 0;
        for (int q = 0; q < queries; q++) {
          float[][] source = docs[data.nextInt(numDocs)];
          float[][] query = new float[8][dim];
          for (int t = 0; t < query.length; t++) {
            float[] token = source[data.nextInt(source.length)];
            for (int i = 0; i < dim; i++) {
              query[t][i] = token[i] + 0.1f * (float) data.nextGaussian();
            }
          }
          Set<Integer> exact = docIds(searcher.search(LateInteractionQuery.builder(FIELD, query).k(10).build(), 10));
          LateInteractionQuery.Builder centroids = LateInteractionQuery.builder(FIELD, query).k(10).tokenKnn(100);
          for (int doc : docIds(searcher.search(centroids.build(), 10))) {
            matched += exact.contains(doc) ? 1 : 0;
          }
          LateInteractionQuery.Builder everyToken =
              LateInteractionQuery.builder(FIELD, query).k(10).tokenKnn(Integer.MAX_VALUE).probes(Integer.MAX_VALUE);
          for (int doc : docIds(searcher.search(everyToken.xtrEstimate().build(), 10))) {
            matchedByEstimate += exact.contains(doc) ? 1 : 0;
          }
        }
        double recall = matched / (10.0 * queries), estimateRecall = matchedByEstimate / (10.0 * queries);
        if (VERBOSE) {
          System.out.println(
              "centroid index recall@10: k'=100 exact " + recall + "; every token, XTR " + estimateRecall);
        }
        assertTrue("recall@10 " + recall, recall >= 0.8);
        assertTrue("XTR estimate recall@10 " + estimateRecall, estimateRecall >= 0.8);
      }
    }
  }

  /** Explain names the centroid index and its probes; a timeout stops the search and says so. */
  public void testExplainAndTimeout() throws Exception {
    int dim = 16;
    try (Directory dir = newDirectory()) {
      index(dir, dim, 120, MultiVectorFieldConfig.builder(dim).centroidIndex(2).build(), false);
      try (DirectoryReader reader = DirectoryReader.open(dir)) {
        IndexSearcher searcher = newSearcher(reader);
        Query query = LateInteractionQuery.builder(FIELD, randomMatrix(3, dim)).k(5).tokenKnn(20).probes(7).build();
        TopDocs hits = searcher.search(query, 5);
        assertTrue(hits.scoreDocs.length > 0);
        String explanation = searcher.explain(searcher.rewrite(query), hits.scoreDocs[0].doc).toString();
        assertTrue(explanation, explanation.contains("centroid index: 7 lists probed per query token"));
        searcher.setTimeout(TestReaderWrappers.exitAfter(0));
        assertTrue(searcher.rewrite(query).toString().contains("timed out"));
      }
    }
  }

  public void testInvalidSettings() {
    expectThrows(IllegalArgumentException.class, () -> new MultiVectorFieldConfig.CentroidIndex(3, 0));
    expectThrows(IllegalArgumentException.class, () -> new MultiVectorFieldConfig.CentroidIndex(2, -1));
    expectThrows(
        IllegalArgumentException.class,
        () -> new MultiVectorFieldConfig.CentroidIndex(2, MultiVectorFieldConfig.CentroidIndex.MAX_CENTROIDS + 1));
    expectThrows(
        IllegalArgumentException.class,
        () -> LateInteractionQuery.builder(FIELD, new float[][] {{1}}).k(1).tokenKnn(5).probes(0));
  }

  private static Set<Integer> docIds(TopDocs hits) {
    Set<Integer> ids = new HashSet<>();
    for (ScoreDoc hit : hits.scoreDocs) {
      ids.add(hit.doc);
    }
    return ids;
  }
}
