package dev.multivector.lucene.search;

import static dev.multivector.lucene.search.TestLateInteractionQuery.randomMatrix;

import dev.multivector.lucene.codec.MultiVector104Codec;
import dev.multivector.lucene.document.MultiVectorField;
import dev.multivector.lucene.document.MultiVectorFieldConfig;
import dev.multivector.lucene.document.SummaryVector;
import java.io.IOException;
import java.util.HashSet;
import java.util.List;
import java.util.Random;
import java.util.Set;
import org.apache.lucene.document.Document;
import org.apache.lucene.document.Field;
import org.apache.lucene.document.LateInteractionField;
import org.apache.lucene.document.StringField;
import org.apache.lucene.index.DirectoryReader;
import org.apache.lucene.index.IndexWriter;
import org.apache.lucene.index.IndexWriterConfig;
import org.apache.lucene.index.Term;
import org.apache.lucene.index.VectorSimilarityFunction;
import org.apache.lucene.search.Explanation;
import org.apache.lucene.search.IndexSearcher;
import org.apache.lucene.search.MatchAllDocsQuery;
import org.apache.lucene.search.Query;
import org.apache.lucene.search.ScoreDoc;
import org.apache.lucene.search.TermQuery;
import org.apache.lucene.search.TopDocs;
import org.apache.lucene.store.Directory;
import org.apache.lucene.tests.util.LuceneTestCase;
import org.apache.lucene.tests.util.TestUtil;

/** The first stages of {@link LateInteractionQuery} against its exhaustive search. */
public class TestFirstStages extends LuceneTestCase {

  private static final String FIELD = "mv";
  private static final MultiVectorFieldConfig.Graph SMALL_GRAPH = new MultiVectorFieldConfig.Graph(16, 50);

  private Directory dir;
  private DirectoryReader reader;
  private int totalTokens;
  private float maxAbs; // the largest |component| of an indexed token
  private float maxL1; // the largest L1 norm of an indexed token
  private MultiVectorFieldConfig config; // the indexed field's

  @Override
  public void tearDown() throws Exception {
    if (reader != null) {
      reader.close();
    }
    if (dir != null) {
      dir.close();
    }
    super.tearDown();
  }

  /** Random documents with both graphs and any summary vector, over several segments, with deletions. */
  private IndexSearcher index(int dim, int numDocs, boolean graphs, boolean deletions) throws IOException {
    MultiVectorFieldConfig.Builder builder =
        MultiVectorFieldConfig.builder(dim)
            .similarity(random().nextBoolean() ? VectorSimilarityFunction.DOT_PRODUCT : VectorSimilarityFunction.COSINE)
            .tokenGraph(graphs ? SMALL_GRAPH : null)
            .summaryGraph(graphs && random().nextBoolean() ? SMALL_GRAPH : null)
            .summaryVector(SummaryVector.values()[random().nextInt(SummaryVector.values().length)])
            .summaryBits(new int[] {32, 8, 4, 2, 1}[random().nextInt(5)]);
    if (random().nextBoolean()) {
      builder.fde(
          new MultiVectorFieldConfig.Fde(
              TestUtil.nextInt(random(), 1, 4),
              TestUtil.nextInt(random(), 0, 4),
              TestUtil.nextInt(random(), 1, 8),
              random().nextLong()));
    }
    config = builder.build();
    dir = newDirectory();
    IndexWriterConfig iwc =
        newIndexWriterConfig().setCodec(new MultiVector104Codec()).setMaxBufferedDocs(TestUtil.nextInt(random(), 10, 60));
    try (IndexWriter writer = new IndexWriter(dir, iwc)) {
      for (int i = 0; i < numDocs; i++) {
        Document doc = new Document();
        doc.add(new StringField("id", Integer.toString(i), Field.Store.YES));
        doc.add(new StringField("color", i % 3 == 0 ? "red" : "blue", Field.Store.NO));
        if (i % 11 != 5) {
          int tokens = TestUtil.nextInt(random(), 1, 30);
          totalTokens += tokens;
          float[][] matrix = randomMatrix(tokens, dim);
          for (float[] token : matrix) {
            float l1 = 0;
            for (float x : token) {
              maxAbs = Math.max(maxAbs, Math.abs(x));
              l1 += Math.abs(x);
            }
            maxL1 = Math.max(maxL1, l1);
          }
          doc.add(new MultiVectorField(FIELD, matrix, config));
        }
        writer.addDocument(doc);
        if (deletions && random().nextInt(12) == 0) {
          writer.deleteDocuments(new Term("id", Integer.toString(random().nextInt(i + 1))));
        }
      }
      if (random().nextInt(4) == 0) {
        writer.forceMerge(1); // a merge rewrites the summary vectors and rebuilds the token indexes
      }
    }
    reader = DirectoryReader.open(dir);
    return newSearcher(reader);
  }

  private static void assertSameHits(TopDocs expected, TopDocs actual, float tolerance) {
    assertEquals(expected.scoreDocs.length, actual.scoreDocs.length);
    for (int i = 0; i < expected.scoreDocs.length; i++) {
      if (tolerance == 0) {
        assertEquals("rank " + i, expected.scoreDocs[i].doc, actual.scoreDocs[i].doc);
      }
      assertEquals("rank " + i, expected.scoreDocs[i].score, actual.scoreDocs[i].score, tolerance);
    }
  }

  public void testLargeEnoughFirstStagesAreExact() throws Exception {
    int dim = TestUtil.nextInt(random(), 2, 24);
    IndexSearcher searcher = index(dim, atLeast(150), true, true);
    for (int iter = 0; iter < 3; iter++) {
      float[][] query = randomMatrix(TestUtil.nextInt(random(), 1, 8), dim);
      int k = TestUtil.nextInt(random(), 1, 20);
      Query filter = random().nextBoolean() ? null : new TermQuery(new Term("color", "red"));
      TopDocs exhaustive = searcher.search(build(LateInteractionQuery.builder(FIELD, query).k(k), filter), k);

      // Every token retrieved: every document is a candidate, scored exactly.
      TopDocs tokenKnn =
          searcher.search(build(LateInteractionQuery.builder(FIELD, query).k(k).tokenKnn(totalTokens), filter), k);
      assertSameHits(exhaustive, tokenKnn, 0f);
      // ... and XTR's estimate is then MaxSim over the token index's int8 tokens.
      TopDocs xtr =
          searcher.search(
              build(LateInteractionQuery.builder(FIELD, query).k(k).tokenKnn(totalTokens).xtrEstimate(), filter), k);
      assertSameHits(exhaustive, xtr, int8ErrorBound(query));

      TopDocs summary =
          searcher.search(build(LateInteractionQuery.builder(FIELD, query).k(k).summaryKnn(reader.maxDoc()), filter), k);
      assertSameHits(exhaustive, summary, 0f);
      TopDocs oversampled =
          searcher.search(
              build(LateInteractionQuery.builder(FIELD, query).k(k).summaryKnn(reader.maxDoc(), 1 + 3 * random().nextFloat()), filter),
              k);
      assertSameHits(exhaustive, oversampled, 0f);

      TopDocs candidates =
          searcher.search(
              build(LateInteractionQuery.builder(FIELD, query).k(k).candidates(new MatchAllDocsQuery(), reader.maxDoc()), filter),
              k);
      assertSameHits(exhaustive, candidates, 0f);
    }
  }

  /**
   * The bound the token index's format documents for its estimate of a dot product, summed over
   * the query's tokens (with the raw tokens' norms, which bound COSINE's normalised ones).
   */
  private float int8ErrorBound(float[][] query) {
    double docScale = maxAbs / 127.0;
    double bound = 1e-4;
    for (float[] q : query) {
      double max = 0, l1 = 0;
      for (float x : q) {
        max = Math.max(max, Math.abs(x));
        l1 += Math.abs(x);
      }
      double queryScale = max / 127;
      bound += (queryScale * maxL1 + docScale * l1) / 2 + q.length * queryScale * docScale / 4;
    }
    return (float) bound;
  }

  private static Query build(LateInteractionQuery.Builder builder, Query filter) {
    return (filter == null ? builder : builder.filter(filter)).build();
  }

  /** A candidate query restricts the rescored documents to its hits. */
  public void testCandidateQuery() throws Exception {
    int dim = TestUtil.nextInt(random(), 2, 16);
    IndexSearcher searcher = index(dim, atLeast(100), false, false);
    float[][] query = randomMatrix(4, dim);
    Query red = new TermQuery(new Term("color", "red"));
    TopDocs expected = searcher.search(LateInteractionQuery.builder(FIELD, query).k(10).filter(red).build(), 10);
    TopDocs actual = searcher.search(LateInteractionQuery.builder(FIELD, query).k(10).candidates(red, reader.maxDoc()).build(), 10);
    assertSameHits(expected, actual, 0f);
  }

  /** Segments without a token index are scored exhaustively. */
  public void testWithoutTokenGraphs() throws Exception {
    int dim = TestUtil.nextInt(random(), 2, 16);
    IndexSearcher searcher = index(dim, atLeast(80), false, true);
    float[][] query = randomMatrix(3, dim);
    Query tokenKnn = LateInteractionQuery.builder(FIELD, query).k(7).tokenKnn(1).build();
    assertSameHits(searcher.search(LateInteractionQuery.builder(FIELD, query).k(7).build(), 7), searcher.search(tokenKnn, 7), 0f);
    TopDocs hits = searcher.search(tokenKnn, 7);
    Explanation explanation = searcher.explain(tokenKnn, hits.scoreDocs[0].doc);
    assertTrue(explanation.toString(), explanation.toString().contains("segments without a token index"));
  }

  public void testExplainNamesTheFirstStage() throws Exception {
    int dim = TestUtil.nextInt(random(), 2, 16);
    IndexSearcher searcher = index(dim, 60, true, false);
    float[][] query = randomMatrix(3, dim);
    for (LateInteractionQuery q :
        List.of(
            LateInteractionQuery.builder(FIELD, query).k(5).tokenKnn(10).build(),
            LateInteractionQuery.builder(FIELD, query).k(5).tokenKnn(10).xtrEstimate().build(),
            LateInteractionQuery.builder(FIELD, query).k(5).summaryKnn(20).build())) {
      TopDocs hits = searcher.search(q, 5);
      assertTrue(hits.scoreDocs.length > 0);
      for (ScoreDoc hit : hits.scoreDocs) {
        Explanation explanation = searcher.explain(q, hit.doc);
        assertEquals(hit.score, explanation.getValue().floatValue(), 0f);
        String text = explanation.toString();
        assertTrue(text, text.contains("found by the first stage"));
        assertTrue(text, text.contains(q.getSecondStage() == LateInteractionQuery.SecondStage.XTR ? "XTR estimate" : "MaxSim"));
        if (q.getFirstStage() == LateInteractionQuery.FirstStage.SUMMARY_KNN) {
          // Which summary vector: MEAN, MAX, or an FDE and its shape; and its bits if quantized.
          assertTrue(text, text.matches("(?s).*summary-vector kNN on (MEAN|MAX|FDE of \\d+ repetitions).*"));
          assertEquals(text, config.summaryBits() != 32, text.contains("(" + config.summaryBits() + "-bit)"));
        }
      }
    }
  }

  /**
   * Oversampling 1-bit summary vectors enough reorders them by their float32 values: the same
   * candidates as searching float32 summary vectors of the same tokens.
   */
  public void testOversampledSummaryKnnTakesTheFloat32Nearest() throws Exception {
    int dim = TestUtil.nextInt(random(), 4, 16);
    MultiVectorFieldConfig.Fde fde = new MultiVectorFieldConfig.Fde(4, 3, 8, random().nextLong());
    MultiVectorFieldConfig oneBit = MultiVectorFieldConfig.builder(dim).fde(fde).summaryBits(1).build();
    MultiVectorFieldConfig float32 = MultiVectorFieldConfig.builder(dim).fde(fde).summaryBits(32).build();
    dir = newDirectory();
    IndexWriterConfig iwc =
        newIndexWriterConfig().setCodec(new MultiVector104Codec()).setMaxBufferedDocs(TestUtil.nextInt(random(), 10, 60));
    int numDocs = atLeast(200);
    try (IndexWriter writer = new IndexWriter(dir, iwc)) {
      for (int i = 0; i < numDocs; i++) {
        float[][] matrix = randomMatrix(TestUtil.nextInt(random(), 1, 20), dim);
        Document doc = new Document();
        doc.add(new StringField("id", Integer.toString(i), Field.Store.NO));
        doc.add(new MultiVectorField("oneBit", matrix, oneBit));
        doc.add(new MultiVectorField("float32", matrix, float32));
        writer.addDocument(doc);
        if (random().nextInt(15) == 0) {
          writer.deleteDocuments(new Term("id", Integer.toString(random().nextInt(i + 1))));
        }
      }
    }
    reader = DirectoryReader.open(dir);
    IndexSearcher searcher = newSearcher(reader);
    for (int iter = 0; iter < 5; iter++) {
      float[][] query = randomMatrix(TestUtil.nextInt(random(), 1, 8), dim);
      int candidates = TestUtil.nextInt(random(), 1, 30);
      // k = candidates: the hits are the candidates, each with its MaxSim.
      TopDocs expected =
          searcher.search(LateInteractionQuery.builder("float32", query).k(candidates).summaryKnn(candidates).build(), candidates);
      LateInteractionQuery oversampled =
          LateInteractionQuery.builder("oneBit", query).k(candidates).summaryKnn(candidates, numDocs).build();
      assertSameHits(expected, searcher.search(oversampled, candidates), 0f);
      String explanation = searcher.explain(oversampled, expected.scoreDocs[0].doc).toString();
      assertTrue(explanation, explanation.contains("(1-bit) (" + candidates * numDocs + " reordered by float32)"));
    }
  }

  public void testInvalidCombinations() throws Exception {
    float[][] query = {{1, 0}};
    for (float oversample : new float[] {0.5f, 0, -1, Float.NaN, Float.POSITIVE_INFINITY}) {
      IllegalArgumentException e =
          expectThrows(IllegalArgumentException.class, () -> LateInteractionQuery.builder(FIELD, query).summaryKnn(10, oversample));
      assertTrue(e.getMessage(), e.getMessage().contains("oversample must be a finite number of at least 1"));
    }
    expectThrows(IllegalArgumentException.class, () -> LateInteractionQuery.builder(FIELD, query).tokenKnn(10).build());
    expectThrows(IllegalArgumentException.class, () -> LateInteractionQuery.builder(FIELD, query).k(3).summaryKnn(10).xtrEstimate().build());
    expectThrows(IllegalArgumentException.class, () -> LateInteractionQuery.builder(FIELD, query).k(3).tokenKnn(0));
    dir = newDirectory();
    try (IndexWriter writer = new IndexWriter(dir, newIndexWriterConfig().setCodec(new MultiVector104Codec()))) {
      Document doc = new Document();
      doc.add(new LateInteractionField(FIELD, new float[][] {{1, 2}}));
      writer.addDocument(doc);
    }
    reader = DirectoryReader.open(dir);
    IndexSearcher searcher = newSearcher(reader);
    IllegalArgumentException e =
        expectThrows(
            IllegalArgumentException.class,
            () -> searcher.search(LateInteractionQuery.builder(FIELD, query).k(3).summaryKnn(10).build(), 3));
    assertTrue(e.getMessage(), e.getMessage().contains("has no summary vectors"));
  }

  /**
   * Recall@10 of TOKEN_KNN against the exhaustive top 10 on a fixed-seed clustered corpus: token
   * vectors around shared centroids, queries taken from a document's tokens with noise.
   */
  public void testTokenKnnRecallOnClusteredData() throws Exception {
    Random data = new Random(1234);
    int dim = 32, numDocs = 600, centroids = 64;
    float[][] centres = new float[centroids][dim];
    for (float[] c : centres) {
      for (int i = 0; i < dim; i++) {
        c[i] = (float) data.nextGaussian();
      }
    }
    MultiVectorFieldConfig config =
        MultiVectorFieldConfig.builder(dim).similarity(VectorSimilarityFunction.COSINE).tokenGraph(SMALL_GRAPH).build();
    dir = newDirectory();
    float[][][] docs = new float[numDocs][][];
    try (IndexWriter writer =
        new IndexWriter(dir, new IndexWriterConfig().setCodec(new MultiVector104Codec()).setMaxBufferedDocs(200))) {
      for (int d = 0; d < numDocs; d++) {
        docs[d] = new float[20 + data.nextInt(40)][dim];
        for (float[] token : docs[d]) {
          float[] c = centres[data.nextInt(centroids)];
          for (int i = 0; i < dim; i++) {
            token[i] = c[i] + 0.3f * (float) data.nextGaussian();
          }
        }
        Document doc = new Document();
        doc.add(new MultiVectorField(FIELD, docs[d], config));
        writer.addDocument(doc);
      }
    }
    reader = DirectoryReader.open(dir);
    IndexSearcher searcher = newSearcher(reader);
    int queries = 30, matched = 0;
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
      for (int doc : docIds(searcher.search(LateInteractionQuery.builder(FIELD, query).k(10).tokenKnn(100).build(), 10))) {
        matched += exact.contains(doc) ? 1 : 0;
      }
    }
    double recall = matched / (10.0 * queries);
    if (VERBOSE) {
      System.out.println("TOKEN_KNN recall@10 vs exhaustive (k'=100, 600 clustered docs): " + recall);
    }
    assertTrue("recall@10 " + recall, recall >= 0.8);
  }

  private static Set<Integer> docIds(TopDocs hits) {
    Set<Integer> ids = new HashSet<>();
    for (ScoreDoc hit : hits.scoreDocs) {
      ids.add(hit.doc);
    }
    return ids;
  }
}
