package dev.multivector.lucene.search;

import static dev.multivector.lucene.search.TestLateInteractionQuery.randomMatrix;

import dev.multivector.lucene.codec.MultiVector104Codec;
import dev.multivector.lucene.document.MultiVectorField;
import dev.multivector.lucene.document.MultiVectorFieldConfig;
import java.io.IOException;
import java.util.List;
import java.util.Set;
import java.util.concurrent.atomic.AtomicInteger;
import org.apache.lucene.document.Document;
import org.apache.lucene.document.Field;
import org.apache.lucene.document.StringField;
import org.apache.lucene.index.DirectoryReader;
import org.apache.lucene.index.ExitableDirectoryReader;
import org.apache.lucene.index.FilterDirectoryReader;
import org.apache.lucene.index.FilterLeafReader;
import org.apache.lucene.index.IndexReader;
import org.apache.lucene.index.IndexWriter;
import org.apache.lucene.index.LeafReader;
import org.apache.lucene.index.NoMergePolicy;
import org.apache.lucene.index.QueryTimeout;
import org.apache.lucene.search.Explanation;
import org.apache.lucene.search.IndexSearcher;
import org.apache.lucene.search.MatchAllDocsQuery;
import org.apache.lucene.search.Query;
import org.apache.lucene.search.ScoreDoc;
import org.apache.lucene.search.TopDocs;
import org.apache.lucene.store.Directory;
import org.apache.lucene.tests.index.FieldFilterLeafReader;
import org.apache.lucene.tests.util.LuceneTestCase;
import org.apache.lucene.tests.util.TestUtil;
import org.apache.lucene.util.Bits;
import org.apache.lucene.util.FixedBitSet;

/**
 * Search engines wrap every leaf reader (for timeouts, security, caching): {@link
 * LateInteractionQuery} must still reach the segment's token index and panels, while the
 * wrappers' live documents and field infos still decide what is visible. And it stops when the
 * searcher's timeout says so.
 */
public class TestReaderWrappers extends LuceneTestCase {

  private static final String FIELD = "mv";
  private static final MultiVectorFieldConfig.Graph GRAPH = new MultiVectorFieldConfig.Graph(16, 50);

  private Directory dir;
  private DirectoryReader reader;
  private int totalTokens;
  private int dim;

  @Override
  public void setUp() throws Exception {
    super.setUp();
    dim = TestUtil.nextInt(random(), 2, 16);
    MultiVectorFieldConfig config =
        MultiVectorFieldConfig.builder(dim).tokenGraph(GRAPH).summaryGraph(GRAPH).build();
    dir = newDirectory();
    try (IndexWriter writer =
        new IndexWriter(
            dir,
            newIndexWriterConfig()
                .setCodec(new MultiVector104Codec())
                .setMaxBufferedDocs(TestUtil.nextInt(random(), 20, 80)))) {
      int numDocs = atLeast(120);
      for (int i = 0; i < numDocs; i++) {
        Document doc = new Document();
        doc.add(new StringField("id", Integer.toString(i), Field.Store.YES));
        int tokens = TestUtil.nextInt(random(), 1, 20);
        totalTokens += tokens;
        doc.add(new MultiVectorField(FIELD, randomMatrix(tokens, dim), config));
        writer.addDocument(doc);
      }
    }
    reader = DirectoryReader.open(dir);
  }

  @Override
  public void tearDown() throws Exception {
    reader.close();
    dir.close();
    super.tearDown();
  }

  /** Every first stage, with a first stage large enough to be exact. */
  private List<LateInteractionQuery> queries(float[][] vectors, int k, int maxDoc) {
    return List.of(
        LateInteractionQuery.builder(FIELD, vectors).k(k).build(),
        LateInteractionQuery.builder(FIELD, vectors).k(k).tokenKnn(totalTokens).build(),
        LateInteractionQuery.builder(FIELD, vectors).k(k).summaryKnn(maxDoc).build(),
        LateInteractionQuery.builder(FIELD, vectors)
            .k(k)
            .candidates(new MatchAllDocsQuery(), maxDoc)
            .build());
  }

  /**
   * Through {@link ExitableDirectoryReader}, the test framework's random wrappers ({@code
   * newSearcher}) and a wrapper that hides documents, each first stage runs as asked (its
   * explanation says so) and finds what the exhaustive search over the same wrapped reader finds.
   */
  public void testFirstStagesRunThroughWrappers() throws Exception {
    FixedBitSet hidden = new FixedBitSet(reader.maxDoc());
    for (int doc = 0; doc < reader.maxDoc(); doc++) {
      if (random().nextInt(3) == 0) {
        hidden.set(doc);
      }
    }
    List<IndexReader> wrapped =
        List.of(
            new ExitableDirectoryReader(reader, () -> false),
            new HidingDirectoryReader(reader, hidden),
            wrapReader(reader));
    for (IndexReader r : wrapped) {
      IndexSearcher searcher = newSearcher(r);
      float[][] vectors = randomMatrix(TestUtil.nextInt(random(), 1, 5), dim);
      int k = TestUtil.nextInt(random(), 1, 15);
      List<LateInteractionQuery> queries = queries(vectors, k, r.maxDoc());
      TopDocs exhaustive = searcher.search(queries.get(0), k);
      for (LateInteractionQuery query : queries) {
        TopDocs hits = searcher.search(query, k);
        assertEquals(r + " " + query, exhaustive.scoreDocs.length, hits.scoreDocs.length);
        for (int i = 0; i < hits.scoreDocs.length; i++) {
          assertEquals(r + " " + query, exhaustive.scoreDocs[i].doc, hits.scoreDocs[i].doc);
          assertEquals(r + " " + query, exhaustive.scoreDocs[i].score, hits.scoreDocs[i].score, 0f);
        }
        for (ScoreDoc hit : hits.scoreDocs) {
          if (r instanceof HidingDirectoryReader) {
            assertFalse("hidden doc " + hit.doc + " found by " + query, hidden.get(hit.doc));
          }
          String explanation = searcher.explain(query, hit.doc).toString();
          assertTrue(explanation, explanation.contains("found by the first stage"));
          assertFalse(r + ": " + explanation, explanation.contains("without a token index"));
          if (query.getFirstStage() == LateInteractionQuery.FirstStage.TOKEN_KNN) {
            assertTrue(explanation, explanation.contains("token kNN"));
          }
        }
      }
    }
  }

  /** A wrapper that hides the field hides its values, whatever the first stage. */
  public void testHiddenFieldMatchesNothing() throws Exception {
    IndexReader hiding =
        new FilterDirectoryReader(reader, new FilterDirectoryReader.SubReaderWrapper() {
          @Override
          public LeafReader wrap(LeafReader leaf) {
            return new FieldFilterLeafReader(leaf, Set.of(FIELD), true);
          }
        }) {
          @Override
          protected DirectoryReader doWrapDirectoryReader(DirectoryReader in) {
            throw new UnsupportedOperationException();
          }

          @Override
          public CacheHelper getReaderCacheHelper() {
            return null;
          }
        };
    IndexSearcher searcher = newSearcher(hiding);
    for (LateInteractionQuery query : queries(randomMatrix(2, dim), 5, hiding.maxDoc())) {
      if (query.getFirstStage() == LateInteractionQuery.FirstStage.SUMMARY_KNN) {
        continue; // the field is unknown: nothing to search for summary vectors either
      }
      assertEquals(query.toString(), 0, searcher.search(query, 5).scoreDocs.length);
    }
  }

  /**
   * A timeout stops the exhaustive scan within a few documents: the best document, added last,
   * is never reached, the hits are flagged, and the searcher reports the timeout as it does for
   * Lucene's own queries.
   */
  public void testTimeoutStopsExhaustiveScan() throws Exception {
    float[][] vectors = randomMatrix(3, dim);
    float[][] best = new float[vectors.length][];
    for (int t = 0; t < vectors.length; t++) {
      best[t] = vectors[t].clone();
      for (int i = 0; i < dim; i++) {
        best[t][i] *= 100; // far above any random document
      }
    }
    try (IndexWriter writer =
        new IndexWriter(
            dir,
            newIndexWriterConfig()
                .setCodec(new MultiVector104Codec())
                .setMergePolicy(NoMergePolicy.INSTANCE))) { // a new last segment
      Document doc = new Document();
      doc.add(
          new MultiVectorField(
              FIELD, best, MultiVectorFieldConfig.builder(dim).tokenGraph(GRAPH).summaryGraph(GRAPH).build()));
      writer.addDocument(doc);
    }
    try (DirectoryReader withBest = DirectoryReader.open(dir)) {
      int bestDoc = withBest.maxDoc() - 1;
      Query query = LateInteractionQuery.builder(FIELD, vectors).k(5).build();
      IndexSearcher searcher = newSearcher(withBest);
      assertEquals(bestDoc, searcher.search(query, 5).scoreDocs[0].doc);

      searcher.setTimeout(exitAfter(3));
      Query rewritten = searcher.rewrite(query);
      assertTrue(rewritten.toString(), rewritten.toString().contains("timed out"));
      searcher.setTimeout(null);
      assertFalse(searcher.explain(rewritten, bestDoc).isMatch());

      searcher.setTimeout(exitAfter(3));
      searcher.search(query, 5);
      assertTrue(searcher.timedOut());
    }
  }

  /** Token kNN stops its graph searches and its exact scoring at the timeout, and says so. */
  public void testTimeoutStopsTokenKnn() throws Exception {
    IndexSearcher searcher = newSearcher(reader);
    searcher.setTimeout(exitAfter(0));
    for (LateInteractionQuery query : queries(randomMatrix(2, dim), 5, reader.maxDoc())) {
      Query rewritten = searcher.rewrite(query);
      assertTrue(query + " -> " + rewritten, rewritten.toString().contains("timed out"));
    }
  }

  /** Lets a search go on for {@code calls} checks, then says to stop. */
  static QueryTimeout exitAfter(int calls) {
    AtomicInteger count = new AtomicInteger();
    return () -> count.incrementAndGet() > calls;
  }

  /** Hides documents the way access-control wrappers do: through the live documents. */
  private static final class HidingDirectoryReader extends FilterDirectoryReader {
    private final Bits hidden;

    HidingDirectoryReader(DirectoryReader in, Bits hidden) throws IOException {
      super(
          in,
          new SubReaderWrapper() {
            private int docBase;

            @Override
            public LeafReader wrap(LeafReader leaf) {
              int base = docBase;
              docBase += leaf.maxDoc();
              return new HidingLeafReader(leaf, base, hidden);
            }
          });
      this.hidden = hidden;
    }

    @Override
    protected DirectoryReader doWrapDirectoryReader(DirectoryReader in) throws IOException {
      return new HidingDirectoryReader(in, hidden);
    }

    @Override
    public CacheHelper getReaderCacheHelper() {
      return null;
    }

    @Override
    public String toString() {
      return "HidingDirectoryReader(" + in + ")";
    }
  }

  private static final class HidingLeafReader extends FilterLeafReader {
    private final FixedBitSet live;
    private final int numDocs;

    HidingLeafReader(LeafReader in, int docBase, Bits hidden) {
      super(in);
      live = new FixedBitSet(in.maxDoc());
      Bits inLive = in.getLiveDocs();
      for (int doc = 0; doc < in.maxDoc(); doc++) {
        if ((inLive == null || inLive.get(doc)) && hidden.get(docBase + doc) == false) {
          live.set(doc);
        }
      }
      numDocs = live.cardinality();
    }

    @Override
    public Bits getLiveDocs() {
      return live;
    }

    @Override
    public int numDocs() {
      return numDocs;
    }

    @Override
    public CacheHelper getCoreCacheHelper() {
      return null;
    }

    @Override
    public CacheHelper getReaderCacheHelper() {
      return null;
    }
  }
}
