package dev.multivector.lucene.search;

import dev.multivector.lucene.MaxSimReference;
import dev.multivector.lucene.codec.MultiVector104Codec;
import dev.multivector.lucene.codec.MultiVectorValues;
import dev.multivector.lucene.document.MultiVectorField;
import dev.multivector.lucene.document.MultiVectorFieldConfig;
import dev.multivector.lucene.internal.vectorization.KernelProvider;
import java.io.IOException;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.Comparator;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import org.apache.lucene.document.Document;
import org.apache.lucene.document.Field;
import org.apache.lucene.document.LateInteractionField;
import org.apache.lucene.document.NumericDocValuesField;
import org.apache.lucene.document.StringField;
import org.apache.lucene.index.DirectoryReader;
import org.apache.lucene.index.IndexReader;
import org.apache.lucene.index.IndexWriter;
import org.apache.lucene.index.IndexWriterConfig;
import org.apache.lucene.index.LeafReaderContext;
import org.apache.lucene.index.Term;
import org.apache.lucene.index.VectorSimilarityFunction;
import org.apache.lucene.queries.function.FunctionScoreQuery;
import org.apache.lucene.search.BooleanClause;
import org.apache.lucene.search.BooleanQuery;
import org.apache.lucene.search.ConstantScoreQuery;
import org.apache.lucene.search.DocIdSetIterator;
import org.apache.lucene.search.Explanation;
import org.apache.lucene.search.FieldExistsQuery;
import org.apache.lucene.search.IndexSearcher;
import org.apache.lucene.search.MatchAllDocsQuery;
import org.apache.lucene.search.Query;
import org.apache.lucene.search.ScoreDoc;
import org.apache.lucene.search.TermQuery;
import org.apache.lucene.search.TopDocs;
import org.apache.lucene.store.Directory;
import org.apache.lucene.store.MMapDirectory;
import org.apache.lucene.tests.search.QueryUtils;
import org.apache.lucene.tests.util.LuceneTestCase;
import org.apache.lucene.tests.util.TestUtil;
import org.apache.lucene.util.NamedThreadFactory;

/**
 * {@link LateInteractionQuery} against a double-precision MaxSim reference, across segments,
 * deletions, filters and searchers that score slices and segment partitions in parallel.
 */
public class TestLateInteractionQuery extends LuceneTestCase {

  private static final String FIELD = "mv";

  /** A small random index and its matrices, by stored id. */
  private static final class Corpus implements AutoCloseable {
    final Directory dir;
    final Map<String, float[][]> matrices = new HashMap<>(); // live docs with a value
    final Map<String, String> colors = new HashMap<>(); // every live doc
    final int dim;
    final VectorSimilarityFunction similarity;
    final boolean plainLucene;
    DirectoryReader reader;

    Corpus(int dim, VectorSimilarityFunction similarity, boolean plainLucene) throws IOException {
      this(dim, similarity, plainLucene, true, false);
    }

    /**
     * @param mapped a bare MMapDirectory, whose panels the kernels read in place; else the test
     *     framework's (wrapped) directory, whose panels are copied
     */
    Corpus(
        int dim, VectorSimilarityFunction similarity, boolean plainLucene, boolean deletions, boolean mapped)
        throws IOException {
      this.dir = mapped ? new MMapDirectory(createTempDir("mapped")) : newDirectory();
      this.dim = dim;
      this.similarity = similarity;
      this.plainLucene = plainLucene;
      MultiVectorFieldConfig config =
          MultiVectorFieldConfig.builder(dim).similarity(similarity).build();
      IndexWriterConfig iwc = newIndexWriterConfig();
      if (plainLucene == false) {
        iwc.setCodec(new MultiVector104Codec());
      }
      iwc.setMaxBufferedDocs(TestUtil.nextInt(random(), 5, 40));
      float[][] duplicate = randomMatrix(7, dim); // several documents share it: exact ties
      try (IndexWriter writer = new IndexWriter(dir, iwc)) {
        int numDocs = atLeast(120);
        for (int i = 0; i < numDocs; i++) {
          String id = Integer.toString(i);
          String color = random().nextBoolean() ? "red" : "blue";
          Document doc = new Document();
          doc.add(new StringField("id", id, Field.Store.YES));
          doc.add(new StringField("color", color, Field.Store.NO));
          doc.add(new NumericDocValuesField("n", i));
          if (random().nextInt(8) != 0) {
            float[][] m = i % 10 == 3 ? duplicate : randomMatrix(TestUtil.nextInt(random(), 1, 70), dim);
            if (plainLucene) {
              // What the codec would store: normalised tokens for COSINE.
              float[][] stored = similarity == VectorSimilarityFunction.COSINE ? normalized(m) : m;
              doc.add(new LateInteractionField(FIELD, stored));
              m = stored;
            } else {
              MultiVectorField field = new MultiVectorField(FIELD, m, config);
              m = LateInteractionField.decode(field.binaryValue());
              doc.add(field);
            }
            matrices.put(id, m);
          }
          colors.put(id, color);
          writer.addDocument(doc);
          if (deletions && random().nextInt(10) == 0) {
            String deleted = Integer.toString(random().nextInt(i + 1));
            writer.deleteDocuments(new Term("id", deleted));
            matrices.remove(deleted);
            colors.remove(deleted);
          }
        }
      }
      reader = DirectoryReader.open(dir);
    }

    @Override
    public void close() throws IOException {
      reader.close();
      dir.close();
    }
  }

  static float[][] randomMatrix(int tokens, int dim) {
    float[][] m = new float[tokens][dim];
    for (float[] row : m) {
      for (int i = 0; i < dim; i++) {
        row[i] = (float) random().nextGaussian();
      }
    }
    return m;
  }

  static float[][] normalized(float[][] m) {
    float[][] out = new float[m.length][];
    for (int t = 0; t < m.length; t++) {
      double norm = 0;
      for (float x : m[t]) {
        norm += (double) x * x;
      }
      out[t] = new float[m[t].length];
      for (int i = 0; i < m[t].length; i++) {
        out[t][i] = (float) (m[t][i] / Math.sqrt(norm));
      }
    }
    return out;
  }


  /** A searcher over a randomly wrapped reader, with small slices and segment partitions. */
  private static IndexSearcher randomSearcher(IndexReader reader, ExecutorService executor)
      throws IOException {
    boolean partitions = random().nextBoolean();
    int maxDocsPerSlice = TestUtil.nextInt(random(), 10, 100);
    IndexReader wrapped = random().nextBoolean() ? wrapReader(reader) : reader;
    return new IndexSearcher(wrapped, random().nextBoolean() ? executor : null) {
      @Override
      protected LeafSlice[] slices(List<LeafReaderContext> leaves) {
        // Small slices and segment partitions: many parallel tasks to merge.
        return slices(leaves, maxDocsPerSlice, 2, partitions);
      }
    };
  }

  private static String id(IndexSearcher searcher, int doc) throws IOException {
    return searcher.storedFields().document(doc).get("id");
  }

  /** Asserts that {@code hits} are an exact top list of the reference, ties by doc id. */
  private static void assertTopMatchesReference(
      IndexSearcher searcher, TopDocs hits, Corpus corpus, float[][] query, String color, int n)
      throws IOException {
    // A COSINE field normalises the query; plain Lucene values record no similarity: dot product.
    float[][] scoringQuery =
        corpus.similarity == VectorSimilarityFunction.COSINE && corpus.plainLucene == false
            ? normalized(query)
            : query;
    // The reference ranking by global doc id.
    List<int[]> docs = new ArrayList<>(); // {doc}
    Map<Integer, Double> reference = new HashMap<>();
    Map<Integer, Double> tolerance = new HashMap<>();
    for (int doc = 0; doc < searcher.getIndexReader().maxDoc(); doc++) {
      if (isLive(searcher.getIndexReader(), doc) == false) {
        continue;
      }
      String id = id(searcher, doc);
      float[][] m = corpus.matrices.get(id);
      if (m != null && (color == null || color.equals(corpus.colors.get(id)))) {
        reference.put(doc, MaxSimReference.maxSim(scoringQuery, m));
        tolerance.put(doc, MaxSimReference.tolerance(scoringQuery, m));
        docs.add(new int[] {doc});
      }
    }
    docs.sort(Comparator.comparingDouble((int[] d) -> -reference.get(d[0])).thenComparingInt(d -> d[0]));
    int expectedHits = Math.min(n, docs.size());
    assertEquals(expectedHits, hits.scoreDocs.length);
    for (int r = 0; r < expectedHits; r++) {
      int actual = hits.scoreDocs[r].doc;
      int expected = docs.get(r)[0];
      double tol = Math.max(tolerance.get(expected), tolerance.get(actual));
      assertEquals(
          "rank " + r + ": doc " + actual + " instead of " + expected,
          reference.get(expected),
          reference.get(actual),
          2 * tol);
      assertEquals(
          "raw MaxSim from the score",
          reference.get(actual),
          LateInteractionQuery.maxSim(hits.scoreDocs[r].score),
          tol + Math.ulp(hits.scoreDocs[r].score) * 2);
    }
    // Exact ties (documents sharing a matrix) come out in doc-id order.
    for (int r = 1; r < hits.scoreDocs.length; r++) {
      if (hits.scoreDocs[r].score == hits.scoreDocs[r - 1].score) {
        assertTrue(hits.scoreDocs[r].doc > hits.scoreDocs[r - 1].doc);
      }
    }
  }

  private static boolean isLive(IndexReader reader, int doc) {
    for (LeafReaderContext context : reader.leaves()) {
      if (doc >= context.docBase && doc < context.docBase + context.reader().maxDoc()) {
        var live = context.reader().getLiveDocs();
        return live == null || live.get(doc - context.docBase);
      }
    }
    throw new AssertionError();
  }

  public void testTopKMatchesReference() throws Exception {
    ExecutorService executor =
        Executors.newFixedThreadPool(2, new NamedThreadFactory("TestLateInteractionQuery"));
    try {
      for (int variant = 0; variant < 3; variant++) {
        boolean plainLucene = variant == 1;
        boolean mapped = variant == 2;
        int dim = TestUtil.nextInt(random(), 1, 100);
        VectorSimilarityFunction similarity =
            random().nextBoolean() ? VectorSimilarityFunction.DOT_PRODUCT : VectorSimilarityFunction.COSINE;
        try (Corpus corpus = new Corpus(dim, similarity, plainLucene, true, mapped)) {
          for (int iter = 0; iter < 5; iter++) {
            IndexSearcher searcher = randomSearcher(corpus.reader, executor);
            float[][] query = randomMatrix(TestUtil.nextInt(random(), 1, 40), dim);
            int k = TestUtil.nextInt(random(), 1, 30);
            String color = random().nextBoolean() ? null : "red";
            LateInteractionQuery.Builder builder = LateInteractionQuery.builder(FIELD, query).k(k);
            if (color != null) {
              builder.filter(new TermQuery(new Term("color", color)));
            }
            LateInteractionQuery topK = builder.build();
            assertTopMatchesReference(searcher, searcher.search(topK, k), corpus, query, color, k);
            // MaxSimValuesSource scores every document: the exact top-n for any n.
            int n = TestUtil.nextInt(random(), 1, 200);
            Query all =
                scoreAll(FIELD, query, color == null ? null : new TermQuery(new Term("color", color)));
            assertTopMatchesReference(searcher, searcher.search(all, n), corpus, query, color, n);
            QueryUtils.check(topK);
            QueryUtils.check(all);
          }
        }
      }
    } finally {
      executor.shutdown();
    }
  }

  /**
   * Lucene's query checks (scorer and bulk scorer agreement, advancing from any position,
   * explanations, equality). They assume no deletions, and they search single segments, where a
   * top-k query legitimately finds other documents (as Lucene's kNN queries do): so they run on
   * MaxSimValuesSource, which scores every document, over an index without deletions.
   */
  public void testLuceneQueryChecks() throws Exception {
    int dim = TestUtil.nextInt(random(), 1, 32);
    try (Corpus corpus =
        new Corpus(dim, VectorSimilarityFunction.DOT_PRODUCT, random().nextBoolean(), false, random().nextBoolean())) {
      IndexSearcher searcher = newSearcher(corpus.reader);
      float[][] query = randomMatrix(TestUtil.nextInt(random(), 1, 10), dim);
      QueryUtils.check(random(), scoreAll(FIELD, query, null), searcher);
      QueryUtils.check(random(), scoreAll(FIELD, query, new TermQuery(new Term("color", "red"))), searcher);
    }
  }

  /** The codec's panels and plain Lucene's decoded values give identical results. */
  public void testPlainLuceneIndexGivesIdenticalScores() throws Exception {
    int dim = TestUtil.nextInt(random(), 1, 64);
    float[][][] matrices = new float[40][][];
    for (int i = 0; i < matrices.length; i++) {
      matrices[i] = randomMatrix(TestUtil.nextInt(random(), 1, 50), dim);
    }
    float[][] query = randomMatrix(TestUtil.nextInt(random(), 1, 20), dim);
    String[][] ids = new String[2][];
    float[][] scores = new float[2][];
    for (int variant = 0; variant < 2; variant++) {
      IndexWriterConfig iwc = newIndexWriterConfig();
      if (variant == 0) {
        iwc.setCodec(new MultiVector104Codec());
      }
      try (Directory dir = newDirectory();
          IndexWriter writer = new IndexWriter(dir, iwc)) {
        for (int i = 0; i < matrices.length; i++) {
          Document doc = new Document();
          doc.add(new StringField("id", Integer.toString(i), Field.Store.YES));
          doc.add(variant == 0 ? new MultiVectorField(FIELD, matrices[i]) : new LateInteractionField(FIELD, matrices[i]));
          writer.addDocument(doc);
        }
        writer.forceMerge(1);
        try (DirectoryReader reader = DirectoryReader.open(writer)) {
          IndexSearcher searcher = newSearcher(reader);
          TopDocs hits = searcher.search(LateInteractionQuery.builder(FIELD, query).k(matrices.length).build(), matrices.length);
          ids[variant] = new String[hits.scoreDocs.length];
          scores[variant] = new float[hits.scoreDocs.length];
          for (int i = 0; i < hits.scoreDocs.length; i++) {
            ids[variant][i] = id(searcher, hits.scoreDocs[i].doc);
            scores[variant][i] = hits.scoreDocs[i].score;
          }
        }
      }
    }
    assertEquals(matrices.length, ids[0].length);
    assertArrayEquals(ids[0], ids[1]);
    assertArrayEquals(scores[0], scores[1], 0f);
  }

  public void testExplainGivesRawMaxSimAndBestTokens() throws Exception {
    try (Directory dir = newDirectory();
        IndexWriter writer = new IndexWriter(dir, newIndexWriterConfig().setCodec(new MultiVector104Codec()))) {
      // Query token 0 matches document token 17 best (1.0 * 5); token 1 matches token 2 (-1 * -3).
      float[][] doc = new float[20][2];
      for (float[] token : doc) {
        token[0] = 0.5f;
        token[1] = 0.5f;
      }
      doc[17][0] = 5;
      doc[2][1] = -3;
      Document d = new Document();
      d.add(new MultiVectorField(FIELD, doc));
      writer.addDocument(d);
      try (DirectoryReader reader = DirectoryReader.open(writer)) {
        IndexSearcher searcher = newSearcher(reader);
        float[][] query = {{1, 0}, {0, -1}};
        for (Query q : new Query[] {scoreAll(FIELD, query, null), LateInteractionQuery.builder(FIELD, query).k(1).build()}) {
          TopDocs hits = searcher.search(q, 1);
          assertEquals(LateInteractionQuery.score(8f), hits.scoreDocs[0].score, 0f);
          Explanation explanation = searcher.explain(q, hits.scoreDocs[0].doc);
          assertEquals(hits.scoreDocs[0].score, explanation.getValue().floatValue(), 0f);
          if (q instanceof FunctionScoreQuery) {
            explanation = explanation.getDetails()[0]; // under "weight(...), result of:"
          }
          Explanation maxSim = explanation.getDetails()[0];
          assertEquals(8f, maxSim.getValue().floatValue(), 0f);
          assertEquals(5f, maxSim.getDetails()[0].getValue().floatValue(), 0f);
          assertTrue(maxSim.getDetails()[0].getDescription(), maxSim.getDetails()[0].getDescription().contains("best document token 17 of 20"));
          assertEquals(3f, maxSim.getDetails()[1].getValue().floatValue(), 0f);
          assertTrue(maxSim.getDetails()[1].getDescription().contains("best document token 2 of 20"));
        }
      }
    }
  }

  public void testScoreMapping() {
    float previous = 0;
    for (float maxSim : new float[] {-1e30f, -100, -1, -0.5f, 0, 1e-3f, 0.5f, 1, 31.5f, 1e30f}) {
      float score = LateInteractionQuery.score(maxSim);
      assertTrue(score > previous); // monotone, positive
      assertEquals(maxSim, LateInteractionQuery.maxSim(score), Math.abs(maxSim) * 1e-6f + 1e-6f);
      previous = score;
    }
    assertEquals(0f, LateInteractionQuery.score(Float.NaN), 0f);
    assertEquals(Float.MAX_VALUE, LateInteractionQuery.score(Float.POSITIVE_INFINITY), 0f);
  }

  public void testBooleanClauseAndCount() throws Exception {
    try (Corpus corpus = new Corpus(8, VectorSimilarityFunction.DOT_PRODUCT, false)) {
      IndexSearcher searcher = newSearcher(corpus.reader);
      float[][] query = randomMatrix(3, 8);
      long red = corpus.matrices.keySet().stream().filter(id -> corpus.colors.get(id).equals("red")).count();
      Query topK = LateInteractionQuery.builder(FIELD, query).k(5).build();
      assertEquals(Math.min(5, corpus.matrices.size()), searcher.count(topK));
      assertEquals(corpus.matrices.size(), searcher.count(scoreAll(FIELD, query, null)));
      BooleanQuery.Builder bq = new BooleanQuery.Builder();
      bq.add(scoreAll(FIELD, query, null), BooleanClause.Occur.MUST);
      bq.add(new TermQuery(new Term("color", "red")), BooleanClause.Occur.FILTER);
      assertEquals(red, searcher.count(bq.build()));
      // As a SHOULD clause next to another query, its score adds to the other's.
      BooleanQuery.Builder should = new BooleanQuery.Builder();
      should.add(topK, BooleanClause.Occur.SHOULD);
      should.add(new MatchAllDocsQuery(), BooleanClause.Occur.SHOULD);
      TopDocs both = searcher.search(should.build(), 3);
      TopDocs alone = searcher.search(topK, 3);
      assertEquals(alone.scoreDocs[0].doc, both.scoreDocs[0].doc);
      assertEquals(alone.scoreDocs[0].score + 1f, both.scoreDocs[0].score, 1e-5f);
    }
  }

  public void testEqualsHashCodeToString() {
    float[][] query = {{1, 2}, {3, 4}};
    Query a = LateInteractionQuery.builder(FIELD, query).k(3).filter(new TermQuery(new Term("c", "x"))).build();
    Query b = LateInteractionQuery.builder(FIELD, new float[][] {{1, 2}, {3, 4}}).k(3).filter(new TermQuery(new Term("c", "x"))).build();
    assertEquals(a, b);
    assertEquals(a.hashCode(), b.hashCode());
    assertNotEquals(a, LateInteractionQuery.builder(FIELD, query).k(4).build());
    assertNotEquals(a, LateInteractionQuery.builder(FIELD, new float[][] {{1, 2}, {3, 5}}).k(3).build());
    assertNotEquals(a, LateInteractionQuery.builder("other", query).k(3).filter(new TermQuery(new Term("c", "x"))).build());
    assertEquals(new MaxSimValuesSource(FIELD, query), new MaxSimValuesSource(FIELD, new float[][] {{1, 2}, {3, 4}}));
    assertNotEquals(new MaxSimValuesSource(FIELD, query), new MaxSimValuesSource("other", query));
    assertEquals("LateInteractionQuery[field=mv, tokens=2x2, k=3, filter=c:x]", a.toString());
    Query summary = LateInteractionQuery.builder(FIELD, query).k(3).summaryKnn(50).build();
    Query oversampled = LateInteractionQuery.builder(FIELD, query).k(3).summaryKnn(50, 4).build();
    assertNotEquals(summary, oversampled);
    assertEquals(summary, LateInteractionQuery.builder(FIELD, query).k(3).summaryKnn(50, 1).build());
    assertEquals("LateInteractionQuery[field=mv, tokens=2x2, k=3, summaryKnn=50, oversample=4.0]", oversampled.toString());
    QueryUtils.check(a);
    query[0][0] = 9; // the query kept its own copy
    assertEquals(a, b);
    assertArrayEquals(new float[] {1, 2}, ((LateInteractionQuery) a).getQueryVectors()[0], 0f);
  }

  public void testBadInput() throws Exception {
    expectThrows(IllegalArgumentException.class, () -> LateInteractionQuery.builder(FIELD, null).k(1).build());
    expectThrows(IllegalArgumentException.class, () -> LateInteractionQuery.builder(FIELD, new float[0][]).k(1).build());
    expectThrows(IllegalArgumentException.class, () -> new MaxSimValuesSource(FIELD, new float[][] {{}}));
    expectThrows(IllegalArgumentException.class, () -> new MaxSimValuesSource(FIELD, new float[][] {{1, 2}, {1}}));
    IllegalArgumentException nan =
        expectThrows(IllegalArgumentException.class, () -> new MaxSimValuesSource(FIELD, new float[][] {{1, Float.NaN}}));
    assertTrue(nan.getMessage().contains("non-finite value NaN at index 1"));
    expectThrows(IllegalArgumentException.class, () -> LateInteractionQuery.builder(FIELD, new float[][] {{1}}).k(0));
    IllegalArgumentException noK =
        expectThrows(IllegalArgumentException.class, () -> LateInteractionQuery.builder(FIELD, new float[][] {{1}}).build());
    assertTrue(noK.getMessage(), noK.getMessage().contains("k is required"));
    try (Corpus corpus = new Corpus(4, VectorSimilarityFunction.DOT_PRODUCT, false)) {
      IndexSearcher searcher = newSearcher(corpus.reader);
      for (int k : new int[] {0, 5}) {
        IllegalArgumentException e =
            expectThrows(IllegalArgumentException.class, () -> searcher.search(query(FIELD, randomMatrix(2, 5), k), 10));
        assertTrue(e.getMessage(), e.getMessage().contains("query token dimension 5 differs from field \"mv\"'s dimension 4"));
        e = expectThrows(IllegalArgumentException.class, () -> searcher.search(query("n", randomMatrix(2, 4), k), 10));
        assertTrue(e.getMessage(), e.getMessage().contains("field \"n\" is not a multi-vector field"));
        assertEquals(0, searcher.search(query("unknown", randomMatrix(2, 4), k), 10).totalHits.value());
      }
    }
  }

  private static Query query(String field, float[][] vectors, int k) {
    return k == 0 ? scoreAll(field, vectors, null) : LateInteractionQuery.builder(field, vectors).k(k).build();
  }

  /** Every document with a value (and passing the filter), scored by MaxSim. */
  static Query scoreAll(String field, float[][] vectors, Query filter) {
    Query matching = new FieldExistsQuery(field);
    if (filter != null) {
      // Constant-scored: FunctionScoreQuery explains its query without scores, which a
      // BooleanQuery's explanation would ask for.
      matching =
          new ConstantScoreQuery(
              new BooleanQuery.Builder()
                  .add(matching, BooleanClause.Occur.MUST)
                  .add(filter, BooleanClause.Occur.FILTER)
                  .build());
    }
    return new FunctionScoreQuery(matching, new MaxSimValuesSource(field, vectors));
  }

  public void testKernelIsLogged() {
    String kernel = KernelProvider.name();
    assertTrue(kernel, kernel.equals("scalar") || kernel.startsWith("panama-"));
    boolean vectorModule = ModuleLayer.boot().findModule("jdk.incubator.vector").isPresent();
    assertEquals(vectorModule, kernel.startsWith("panama-"));
  }

  static ScoreDoc[] sortedByDoc(ScoreDoc[] hits) {
    ScoreDoc[] copy = hits.clone();
    Arrays.sort(copy, Comparator.comparingInt(h -> h.doc));
    return copy;
  }
}
