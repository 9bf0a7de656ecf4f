package dev.multivector.lucene.adversarial;

import static dev.multivector.lucene.adversarial.Snapshots.FIELD;

import dev.multivector.lucene.codec.MultiVector104Codec;
import dev.multivector.lucene.document.MultiVectorFieldConfig;
import dev.multivector.lucene.search.LateInteractionQuery;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.util.ArrayList;
import java.util.List;
import java.util.Random;
import org.apache.lucene.index.CheckIndex;
import org.apache.lucene.index.DirectoryReader;
import org.apache.lucene.index.IndexWriter;
import org.apache.lucene.index.IndexWriterConfig;
import org.apache.lucene.index.NoMergePolicy;
import org.apache.lucene.index.SerialMergeScheduler;
import org.apache.lucene.search.IndexSearcher;
import org.apache.lucene.store.Directory;
import org.apache.lucene.store.FSDirectory;
import org.apache.lucene.tests.util.LuceneTestCase;

/**
 * Every file of the library's formats (panels and their metadata, the token index, the summary
 * vectors) flipped at a random byte, truncated, or deleted: opening, searching, CheckIndex and a
 * merge then either work or fail with an exception, never crash the JVM; and CheckIndex and the
 * merge always detect the damage. Some damages in the normal suite, every file with {@code
 * -Dtests.nightly=true}.
 */
public class TestDamagedFiles extends LuceneTestCase {

  private enum Damage {
    FLIP,
    TRUNCATE,
    DELETE
  }

  /** The library's own files: its formats' extensions, and the summary vectors' suffix. */
  private static boolean ours(String file) {
    return file.matches(".*\\.(mvm|mvd|mve|htm|htv|htg|ctm|ctd)") || file.contains("MultiVectorSummary");
  }

  public void testDamageIsDetected() throws Exception {
    Path original = createTempDir("original");
    int dim = 8;
    writeIndex(original, dim);
    List<String> files = new ArrayList<>();
    try (var listing = Files.list(original)) {
      listing.map(p -> p.getFileName().toString()).filter(TestDamagedFiles::ours).sorted().forEach(files::add);
    }
    assertTrue(files.toString(), files.size() >= 10);
    int cases = TEST_NIGHTLY ? files.size() * Damage.values().length * 2 : 12;
    for (int c = 0; c < cases; c++) {
      String file = files.get(TEST_NIGHTLY ? c / (2 * Damage.values().length) % files.size() : random().nextInt(files.size()));
      Damage damage = Damage.values()[TEST_NIGHTLY ? c / 2 % Damage.values().length : random().nextInt(3)];
      Path copy = createTempDir("damaged");
      for (String name : original.toFile().list()) {
        if (name.equals(IndexWriter.WRITE_LOCK_NAME)) {
          continue;
        }
        // The test file system may have put an extra file of the same name in both folders.
        Files.copy(original.resolve(name), copy.resolve(name), StandardCopyOption.REPLACE_EXISTING);
      }
      String what = damage(copy.resolve(file), damage, random()) + " in " + file;
      try (Directory dir = FSDirectory.open(copy)) {
        useEvenIfDamaged(dir, dim);
        CheckIndex.Status status;
        try (CheckIndex checker = new CheckIndex(dir)) {
          checker.setLevel(CheckIndex.Level.MIN_LEVEL_FOR_INTEGRITY_CHECKS);
          status = checker.checkIndex();
        } catch (IOException expected) {
          status = null; // detected: the index does not even open
        }
        assertTrue("CheckIndex missed " + what, status == null || status.clean == false);
        // A merge on this thread: the exception it meets is the one it throws.
        Exception e =
            expectThrows(
                Exception.class,
                "a merge accepted " + what,
                () -> {
                  try (IndexWriter writer =
                      new IndexWriter(
                          dir,
                          new IndexWriterConfig()
                              .setCodec(new MultiVector104Codec())
                              .setMergeScheduler(new SerialMergeScheduler()))) {
                    writer.forceMerge(1);
                  }
                });
        assertTrue("a merge failed on " + what + " with " + e, causedByIOException(e));
      }
    }
  }

  private static boolean causedByIOException(Throwable t) {
    for (; t != null; t = t.getCause()) {
      if (t instanceof IOException) {
        return true;
      }
    }
    return false;
  }

  /** Opens and searches the damaged index: anything but an {@link Error} may happen. */
  private static void useEvenIfDamaged(Directory dir, int dim) {
    try (DirectoryReader reader = DirectoryReader.open(dir)) {
      IndexSearcher searcher = newSearcher(reader);
      float[][] query = Snapshots.matrix(new Random(7), 3, dim);
      searcher.search(LateInteractionQuery.builder(FIELD, query).k(5).build(), 5);
      searcher.search(LateInteractionQuery.builder(FIELD, query).k(5).tokenKnn(50).build(), 5);
      searcher.search(LateInteractionQuery.builder(FIELD, query).k(5).summaryKnn(20).build(), 5);
    } catch (Exception damaged) {
      // Garbage in a file read without its checksum may surface as any exception.
    }
  }

  private static String damage(Path file, Damage damage, Random random) throws IOException {
    byte[] bytes = Files.readAllBytes(file);
    switch (damage) {
      case FLIP -> {
        int position = random.nextInt(bytes.length);
        bytes[position] ^= (byte) (1 << random.nextInt(8));
        Files.write(file, bytes);
        return "a flipped bit at byte " + position + " of " + bytes.length;
      }
      case TRUNCATE -> {
        int length = random.nextInt(bytes.length);
        Files.write(file, java.util.Arrays.copyOf(bytes, length));
        return "a truncation to " + length + " of " + bytes.length + " bytes";
      }
      default -> {
        Files.delete(file);
        return "a deletion";
      }
    }
  }

  /**
   * Three segments with panels (raw and INT8), token indexes, summary vectors in a graph, and
   * deletions.
   */
  private static void writeIndex(Path path, int dim) throws IOException {
    MultiVectorFieldConfig config =
        MultiVectorFieldConfig.builder(dim)
            .tokenGraph(new MultiVectorFieldConfig.Graph(8, 16))
            .centroidIndex(2)
            .summaryGraph(new MultiVectorFieldConfig.Graph(8, 16))
            .encoding(MultiVectorFieldConfig.Encoding.INT8) // raw and encoded panels: both files
            .build();
    Random random = new Random(42);
    try (Directory dir = FSDirectory.open(path);
        IndexWriter writer =
            new IndexWriter(
                dir,
                new IndexWriterConfig()
                    .setCodec(new MultiVector104Codec())
                    .setUseCompoundFile(false)
                    .setMergePolicy(NoMergePolicy.INSTANCE))) {
      for (int i = 0; i < 90; i++) {
        writer.addDocument(
            Snapshots.doc(Integer.toString(i), Snapshots.matrix(random, 1 + random.nextInt(20), dim), config));
        if (i % 30 == 29) {
          writer.commit();
        }
      }
      writer.deleteDocuments(new org.apache.lucene.index.Term(Snapshots.ID, "17"));
      writer.commit();
    }
  }
}
