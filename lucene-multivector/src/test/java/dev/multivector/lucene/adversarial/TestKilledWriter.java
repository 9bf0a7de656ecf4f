package dev.multivector.lucene.adversarial;

import dev.multivector.lucene.codec.MultiVectorValues;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.concurrent.TimeUnit;
import org.apache.lucene.document.Document;
import org.apache.lucene.document.LateInteractionField;
import org.apache.lucene.index.DirectoryReader;
import org.apache.lucene.index.LeafReaderContext;
import org.apache.lucene.store.Directory;
import org.apache.lucene.store.FSDirectory;
import org.apache.lucene.tests.util.LuceneTestCase;
import org.apache.lucene.tests.util.TestUtil;
import org.apache.lucene.util.BytesRef;

/**
 * A child JVM indexing and committing is killed with SIGKILL at a random moment (kill -9): the
 * index then opens at its last commit, which holds every document of the last commit the child
 * logged, bit for bit, and CheckIndex finds it clean. One kill in the normal suite, ten with
 * {@code -Dtests.nightly=true}.
 */
public class TestKilledWriter extends LuceneTestCase {

  public void testKillDuringIndexingAndCommits() throws Exception {
    int kills = TEST_NIGHTLY ? 10 : 1;
    for (int k = 0; k < kills; k++) {
      Path index = createTempDir("killed");
      Path log = createTempDir("log").resolve("commits");
      long seed = random().nextLong();
      String java = ProcessHandle.current().info().command().orElse("java");
      Process child =
          new ProcessBuilder(
                  java,
                  "-Xmx512m",
                  "-cp",
                  System.getProperty("java.class.path"),
                  KilledWriterChild.class.getName(),
                  index.toString(),
                  log.toString(),
                  Long.toString(seed))
              .redirectErrorStream(true)
              .redirectOutput(ProcessBuilder.Redirect.DISCARD)
              .start();
      try {
        // Until a first commit is logged, then a random while longer.
        long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(60);
        while (committed(log) == 0 && child.isAlive() && System.nanoTime() < deadline) {
          Thread.sleep(20);
        }
        if (child.isAlive() == false) {
          fail("the child exited with " + child.exitValue() + " before it was killed");
        }
        Thread.sleep(random().nextInt(1500));
      } finally {
        child.destroyForcibly(); // SIGKILL
        child.waitFor();
      }
      int committed = committed(log);
      assertTrue("no commit logged", committed > 0);
      try (Directory dir = FSDirectory.open(index)) {
        TestUtil.checkIndex(dir);
        try (DirectoryReader reader = DirectoryReader.open(dir)) {
          assertTrue(reader.numDocs() + " < " + committed, reader.numDocs() >= committed);
          int checked = 0;
          for (LeafReaderContext context : reader.leaves()) {
            MultiVectorValues values = MultiVectorValues.of(context.reader(), Snapshots.FIELD);
            for (int doc = 0; doc < context.reader().maxDoc(); doc++) {
              Document stored = context.reader().storedFields().document(doc);
              int id = Integer.parseInt(stored.get(Snapshots.ID));
              if (id < committed) {
                BytesRef expected = LateInteractionField.encode(KilledWriterChild.matrix(seed, id));
                assertTrue(values.advanceExact(doc));
                assertEquals("doc " + id, expected, values.binaryValue());
                checked++;
              }
            }
          }
          assertEquals(committed, checked);
        }
      }
    }
  }

  /** The number of documents of the last commit the child logged; 0 if none. */
  private static int committed(Path log) throws java.io.IOException {
    if (Files.exists(log) == false) {
      return 0;
    }
    List<String> lines = Files.readAllLines(log);
    String content = Files.readString(log);
    // A line the kill cut short has no newline: the last complete one counts.
    int complete = content.endsWith("\n") ? lines.size() : lines.size() - 1;
    return complete <= 0 ? 0 : Integer.parseInt(lines.get(complete - 1).trim());
  }
}
