package dev.multivector.lucene.adversarial;

import static dev.multivector.lucene.adversarial.Snapshots.FIELD;
import static dev.multivector.lucene.adversarial.Snapshots.ID;

import dev.multivector.lucene.codec.MultiVector104Codec;
import dev.multivector.lucene.document.MultiVectorFieldConfig;
import dev.multivector.lucene.search.LateInteractionQuery;
import java.util.ArrayList;
import java.util.List;
import java.util.Random;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import org.apache.lucene.index.DirectoryReader;
import org.apache.lucene.index.IndexWriter;
import org.apache.lucene.index.Term;
import org.apache.lucene.search.IndexSearcher;
import org.apache.lucene.search.TopDocs;
import org.apache.lucene.store.Directory;
import org.apache.lucene.tests.util.LuceneTestCase;
import org.apache.lucene.tests.util.TestUtil;

/**
 * Two writer threads add, replace and delete documents while merges run, and two searcher threads
 * reopen near-real-time readers and compare every search (exact, and token kNN large enough to be
 * exact) with a brute-force MaxSim over the same reader's snapshot. A few seconds in the normal
 * suite; a minute with {@code -Dtests.nightly=true}, or {@code -Dtests.adversarial.seconds=N}.
 */
public class TestConcurrentIndexingAndSearch extends LuceneTestCase {

  static long seconds() {
    return Long.getLong("tests.adversarial.seconds", TEST_NIGHTLY ? 60 : 3);
  }

  public void testSearchesMatchBruteForceWhileIndexing() throws Exception {
    int dim = TestUtil.nextInt(random(), 2, 16);
    MultiVectorFieldConfig config =
        MultiVectorFieldConfig.builder(dim)
            .tokenGraph(new MultiVectorFieldConfig.Graph(8, 16))
            .summaryGraph(random().nextBoolean() ? new MultiVectorFieldConfig.Graph(8, 16) : null)
            .build();
    long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(seconds());
    AtomicInteger searches = new AtomicInteger();
    AtomicInteger writes = new AtomicInteger();
    List<Throwable> failures = new ArrayList<>();
    try (Directory dir = newDirectory();
        IndexWriter writer =
            new IndexWriter(
                dir,
                newIndexWriterConfig()
                    .setCodec(new MultiVector104Codec())
                    .setMaxBufferedDocs(TestUtil.nextInt(random(), 10, 50)))) {
      List<Thread> threads = new ArrayList<>();
      for (int w = 0; w < 2; w++) {
        long seed = random().nextLong();
        threads.add(
            new Thread(
                () -> {
                  Random random = new Random(seed);
                  try {
                    while (System.nanoTime() < deadline) {
                      String id = Integer.toString(random.nextInt(500));
                      if (random.nextInt(10) == 0) {
                        writer.deleteDocuments(new Term(ID, id));
                      } else {
                        float[][] matrix = Snapshots.matrix(random, 1 + random.nextInt(20), dim);
                        writer.updateDocument(new Term(ID, id), Snapshots.doc(id, matrix, config));
                      }
                      writes.incrementAndGet();
                    }
                  } catch (Throwable t) {
                    synchronized (failures) {
                      failures.add(t);
                    }
                  }
                }));
      }
      for (int s = 0; s < 2; s++) {
        long seed = random().nextLong();
        threads.add(
            new Thread(
                () -> {
                  Random random = new Random(seed);
                  try {
                    while (System.nanoTime() < deadline) {
                      try (DirectoryReader reader = DirectoryReader.open(writer)) {
                        IndexSearcher searcher = newSearcher(reader);
                        float[][] query = Snapshots.matrix(random, 1 + random.nextInt(6), dim);
                        int k = 1 + random.nextInt(10);
                        TopDocs exact =
                            searcher.search(LateInteractionQuery.builder(FIELD, query).k(k).build(), k);
                        Snapshots.assertRanksAsBruteForce(searcher, exact, query, k);
                        TopDocs tokenKnn =
                            searcher.search(
                                LateInteractionQuery.builder(FIELD, query).k(k).tokenKnn(1_000_000).build(), k);
                        Snapshots.assertRanksAsBruteForce(searcher, tokenKnn, query, k);
                        searches.incrementAndGet();
                      }
                    }
                  } catch (Throwable t) {
                    synchronized (failures) {
                      failures.add(t);
                    }
                  }
                }));
      }
      threads.forEach(Thread::start);
      for (Thread thread : threads) {
        thread.join();
      }
      if (failures.isEmpty() == false) {
        AssertionError error = new AssertionError(failures.size() + " threads failed");
        failures.forEach(error::addSuppressed);
        throw error;
      }
      writer.commit();
      TestUtil.checkIndex(dir);
    }
    assertTrue("searches: " + searches, searches.get() > 0);
    assertTrue("writes: " + writes, writes.get() > 0);
  }
}
