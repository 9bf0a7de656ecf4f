package dev.multivector.lucene.search;

import static dev.multivector.lucene.search.TestLateInteractionQuery.randomMatrix;

import dev.multivector.lucene.codec.MultiVector104Codec;
import dev.multivector.lucene.document.MultiVectorField;
import dev.multivector.lucene.document.MultiVectorFieldConfig;
import dev.multivector.lucene.pooling.HierarchicalTokenPooler;
import java.io.IOException;
import java.util.ArrayList;
import java.util.List;
import java.util.function.IntSupplier;
import org.apache.lucene.document.Document;
import org.apache.lucene.document.Field;
import org.apache.lucene.document.LateInteractionField;
import org.apache.lucene.document.StringField;
import org.apache.lucene.index.DirectoryReader;
import org.apache.lucene.index.IndexWriter;
import org.apache.lucene.index.Term;
import org.apache.lucene.search.IndexSearcher;
import org.apache.lucene.search.Query;
import org.apache.lucene.search.TermInSetQuery;
import org.apache.lucene.search.TermQuery;
import org.apache.lucene.search.TopDocs;
import org.apache.lucene.store.Directory;
import org.apache.lucene.tests.util.LuceneTestCase;
import org.apache.lucene.util.BytesRef;

/**
 * Inputs an attacker would try: values whose MaxSim overflows float, queries of thousands of
 * tokens, a filter that accepts one document of many.
 */
public class TestHostileInput extends LuceneTestCase {

  private static final String FIELD = "mv";

  public void testValuesThatCouldOverflowAreRefused() {
    float[][] huge = {{1e20f, 1}};
    IllegalArgumentException e =
        expectThrows(IllegalArgumentException.class, () -> new MultiVectorField(FIELD, huge));
    assertTrue(e.getMessage(), e.getMessage().contains("beyond"));
    e =
        expectThrows(
            IllegalArgumentException.class,
            () -> LateInteractionQuery.builder(FIELD, huge).k(1).build());
    assertTrue(e.getMessage(), e.getMessage().contains("beyond"));
    float[][] atTheLimit = {{MultiVectorFieldConfig.MAX_ABS_VALUE, -MultiVectorFieldConfig.MAX_ABS_VALUE}};
    new MultiVectorField(FIELD, atTheLimit);
    LateInteractionQuery.builder(FIELD, atTheLimit).k(1).build();
  }

  /**
   * A LateInteractionField of another codec may hold any finite values: one whose MaxSim is 0 but
   * whose products overflow float used to rank first (or last); it is scored in double instead.
   */
  public void testOverflowingStoredValuesAreScoredExactly() throws Exception {
    try (Directory dir = newDirectory()) {
      try (IndexWriter writer = new IndexWriter(dir, newIndexWriterConfig())) {
        for (float[][] matrix :
            List.of(
                new float[][] {{1e30f, -1e30f}}, // MaxSim 0: 1e46 - 1e46
                new float[][] {{1, 1}}, // MaxSim 2e16
                new float[][] {{-1, -1}})) { // MaxSim -2e16
          Document doc = new Document();
          doc.add(new LateInteractionField(FIELD, matrix));
          writer.addDocument(doc);
        }
      }
      try (DirectoryReader reader = DirectoryReader.open(dir)) {
        IndexSearcher searcher = newSearcher(reader);
        float[][] query = {{1e16f, 1e16f}};
        TopDocs hits = searcher.search(LateInteractionQuery.builder(FIELD, query).k(3).build(), 3);
        assertEquals(3, hits.scoreDocs.length);
        assertEquals(1, hits.scoreDocs[0].doc);
        assertEquals(0, hits.scoreDocs[1].doc);
        assertEquals(0f, LateInteractionQuery.maxSim(hits.scoreDocs[1].score), 0f);
        assertEquals(2, hits.scoreDocs[2].doc);
      }
    }
  }

  /** Pooling a 30,000-token document ran out of memory while building the field. */
  public void testPoolingIsBounded() {
    MultiVectorFieldConfig config = MultiVectorFieldConfig.builder(4).maxTokens(30_000).pooling(2, 1).build();
    IllegalArgumentException e =
        expectThrows(
            IllegalArgumentException.class,
            () -> new MultiVectorField(FIELD, randomMatrix(HierarchicalTokenPooler.MAX_TOKENS + 2, 4), config));
    assertTrue(e.getMessage(), e.getMessage().contains("at most " + HierarchicalTokenPooler.MAX_TOKENS));
    // The protected token is not pooled: it does not count.
    int pooled =
        new MultiVectorField(FIELD, randomMatrix(HierarchicalTokenPooler.MAX_TOKENS + 1, 4), config).tokenCount();
    assertTrue(pooled + " tokens", pooled > 1 && pooled <= HierarchicalTokenPooler.MAX_TOKENS / 2 + 1);
  }

  /** A 10,000-token query with token kNN ran out of a 512 MB heap; queries are now bounded. */
  public void testQueryTokensAreBounded() {
    float[][] tooMany = new float[LateInteractionQuery.MAX_QUERY_TOKENS + 1][];
    for (int i = 0; i < tooMany.length; i++) {
      tooMany[i] = new float[] {1, i};
    }
    IllegalArgumentException e =
        expectThrows(
            IllegalArgumentException.class,
            () -> LateInteractionQuery.builder(FIELD, tooMany).k(10).tokenKnn(100).build());
    assertTrue(e.getMessage(), e.getMessage().contains("more than " + LateInteractionQuery.MAX_QUERY_TOKENS));
    expectThrows(IllegalArgumentException.class, () -> new MaxSimValuesSource(FIELD, tooMany));
    LateInteractionQuery.builder(FIELD, java.util.Arrays.copyOf(tooMany, tooMany.length - 1)).k(10).build();
  }

  /**
   * With a filter that accepts one document of many, token kNN walked the whole graph (0.6 to 3.8
   * seconds where exhaustive took 3 ms); now it scores the accepted documents exactly when they
   * are no more than the token search could find, and says so.
   */
  public void testSelectiveFilterIsScoredExactly() throws Exception {
    try (Directory dir = indexWithTokenGraph(300, () -> 1 + random().nextInt(10));
        DirectoryReader reader = DirectoryReader.open(dir)) {
      Query oneDoc = new TermQuery(new Term("id", "123"));
      assertScoredExactly(newSearcher(reader), 4, 100, oneDoc, 1, "all scored exactly");
    }
  }

  /**
   * A filter that accepts more documents than the token search could find, but few of the
   * segment's tokens: the graph search visits more tokens than the filter accepts and gives way
   * to scoring the accepted documents exactly, as Lucene's kNN queries do past their visit limit.
   */
  public void testFilteredSearchPastItsVisitLimitIsScoredExactly() throws Exception {
    try (Directory dir = indexWithTokenGraph(2000, () -> 1);
        DirectoryReader reader = DirectoryReader.open(dir)) {
      List<BytesRef> ids = new ArrayList<>();
      for (int i = 0; i < 10; i++) {
        ids.add(new BytesRef(Integer.toString(i)));
      }
      // 10 accepted documents, more than 1 query token x k' = 1: the graph is searched, with a
      // limit of 10 visits that its first neighbour list alone exceeds.
      assertScoredExactly(
          newSearcher(reader),
          1,
          1,
          new TermInSetQuery("id", ids),
          10,
          "visited more tokens than the filter accepts");
    }
  }

  /** Documents with an "id", a token graph and {@code tokens} tokens of dimension 8, in one segment. */
  private static Directory indexWithTokenGraph(int docs, IntSupplier tokens) throws IOException {
    MultiVectorFieldConfig config =
        MultiVectorFieldConfig.builder(8).tokenGraph(new MultiVectorFieldConfig.Graph(8, 16)).build();
    Directory dir = newDirectory();
    try (IndexWriter writer =
        new IndexWriter(dir, newIndexWriterConfig().setCodec(new MultiVector104Codec()))) {
      for (int i = 0; i < docs; i++) {
        Document doc = new Document();
        doc.add(new StringField("id", Integer.toString(i), Field.Store.NO));
        doc.add(new MultiVectorField(FIELD, randomMatrix(tokens.getAsInt(), 8), config));
        writer.addDocument(doc);
      }
      writer.forceMerge(1);
    }
    return dir;
  }

  /**
   * Token kNN under {@code filter} returns the exact top 10 of the {@code expectedHits} documents
   * the filter accepts, and its explanation says {@code why}.
   */
  private static void assertScoredExactly(
      IndexSearcher searcher, int queryTokens, int kPrime, Query filter, int expectedHits, String why)
      throws IOException {
    float[][] query = randomMatrix(queryTokens, 8);
    LateInteractionQuery tokenKnn =
        LateInteractionQuery.builder(FIELD, query).k(10).tokenKnn(kPrime).filter(filter).build();
    TopDocs hits = searcher.search(tokenKnn, 10);
    TopDocs exact =
        searcher.search(LateInteractionQuery.builder(FIELD, query).k(10).filter(filter).build(), 10);
    assertEquals(expectedHits, hits.scoreDocs.length);
    for (int i = 0; i < expectedHits; i++) {
      assertEquals(exact.scoreDocs[i].doc, hits.scoreDocs[i].doc);
      assertEquals(exact.scoreDocs[i].score, hits.scoreDocs[i].score, 0f);
    }
    String explanation = searcher.explain(tokenKnn, hits.scoreDocs[0].doc).toString();
    assertTrue(explanation, explanation.contains(why));
  }
}
