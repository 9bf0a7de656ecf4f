package dev.multivector.lucene.codec;

import static dev.multivector.lucene.codec.BackwardIndex.COSINE;
import static dev.multivector.lucene.codec.BackwardIndex.DECLARED;
import static dev.multivector.lucene.codec.BackwardIndex.MULTI_VECTOR;

import dev.multivector.lucene.MaxSimReference;
import dev.multivector.lucene.search.LateInteractionQuery;
import java.io.IOException;
import java.io.InputStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.List;
import java.util.Random;
import java.util.zip.ZipEntry;
import java.util.zip.ZipInputStream;
import org.apache.lucene.document.Document;
import org.apache.lucene.document.LateInteractionField;
import org.apache.lucene.index.DirectoryReader;
import org.apache.lucene.index.IndexWriter;
import org.apache.lucene.index.IndexWriterConfig;
import org.apache.lucene.index.LeafReaderContext;
import org.apache.lucene.search.IndexSearcher;
import org.apache.lucene.search.TopDocs;
import org.apache.lucene.store.Directory;
import org.apache.lucene.tests.util.LuceneTestCase;
import org.apache.lucene.tests.util.TestUtil;
import org.apache.lucene.util.Bits;
import org.apache.lucene.util.BytesRef;

/**
 * Indexes written by released versions of this library (see {@link BackwardIndex}, zips in {@code
 * src-test-data/backward-indexes}) stay readable: CheckIndex passes, every matrix reads back bit
 * for bit, the first stages find what a double-precision MaxSim over the stored values ranks
 * first, and the index can be merged into this version's format.
 */
public class TestBackwardCompatibility extends LuceneTestCase {

  static List<Path> indexes() throws IOException {
    String property = System.getProperty("src.test.data");
    Path base = (property != null ? Path.of(property) : Path.of("..", "src-test-data"));
    try (var files = Files.list(base.resolve("backward-indexes"))) {
      return files.filter(f -> f.toString().endsWith(".zip")).sorted().toList();
    }
  }

  /** Each release's index, unzipped into a new directory. */
  private Directory unzip(Path zip) throws IOException {
    Path dir = createTempDir(zip.getFileName().toString());
    try (InputStream in = Files.newInputStream(zip);
        ZipInputStream entries = new ZipInputStream(in)) {
      for (ZipEntry entry = entries.getNextEntry(); entry != null; entry = entries.getNextEntry()) {
        Files.copy(entries, dir.resolve(entry.getName()));
      }
    }
    return newFSDirectory(dir);
  }

  public void testReleasedIndexesAreReadable() throws Exception {
    List<Path> zips = indexes();
    assertFalse("no backward index", zips.isEmpty());
    for (Path zip : zips) {
      try (Directory dir = unzip(zip)) {
        TestUtil.checkIndex(dir);
        try (DirectoryReader reader = DirectoryReader.open(dir)) {
          assertEquals(zip + ": segments", 3, reader.leaves().size());
          assertHoldsWhatWasIndexed(reader);
          assertFindsWhatMaxSimRanksFirst(newSearcher(reader));
        }
        // Upgrading: merged into this version's format, it holds the same.
        try (IndexWriter writer =
            new IndexWriter(
                dir, new IndexWriterConfig().setCodec(new MultiVector104Codec(List.of(DECLARED))))) {
          writer.forceMerge(1);
        }
        TestUtil.checkIndex(dir);
        try (DirectoryReader reader = DirectoryReader.open(dir)) {
          assertEquals(1, reader.leaves().size());
          assertHoldsWhatWasIndexed(reader);
          assertFindsWhatMaxSimRanksFirst(newSearcher(reader));
        }
      }
    }
  }

  /** Every live document's matrices, bit for bit, in each multi-vector field. */
  private static void assertHoldsWhatWasIndexed(DirectoryReader reader) throws IOException {
    int checked = 0;
    for (LeafReaderContext context : reader.leaves()) {
      Bits live = context.reader().getLiveDocs();
      for (String field : List.of(MULTI_VECTOR, COSINE, DECLARED)) {
        MultiVectorValues values = MultiVectorValues.of(context.reader(), field);
        for (int doc = 0; doc < context.reader().maxDoc(); doc++) {
          if (live != null && live.get(doc) == false) {
            continue;
          }
          BytesRef expected = expected(context, doc, field);
          assertEquals(field + " doc " + doc, expected != null, values.advanceExact(doc));
          if (expected != null) {
            assertEquals(expected, values.binaryValue());
            checked++;
          }
        }
      }
    }
    assertTrue(checked > 100);
  }

  private static BytesRef expected(LeafReaderContext context, int doc, String field)
      throws IOException {
    Document stored = context.reader().storedFields().document(doc);
    return stored.getBinaryValue(BackwardIndex.expectedField(field));
  }

  /**
   * For queries of the index's own random kind, the exact top 10 of each field is a top 10 of a
   * double-precision MaxSim over the stored matrices, and first stages large enough to be exact
   * find the same.
   */
  private static void assertFindsWhatMaxSimRanksFirst(IndexSearcher searcher) throws IOException {
    Random random = new Random(BackwardIndex.SEED + 1);
    for (int q = 0; q < 3; q++) {
      float[][] query = new float[1 + random.nextInt(6)][BackwardIndex.DIMENSION];
      for (float[] token : query) {
        for (int k = 0; k < token.length; k++) {
          token[k] = (float) random.nextGaussian();
        }
      }
      for (String field : List.of(MULTI_VECTOR, COSINE, DECLARED)) {
        TopDocs exact =
            searcher.search(LateInteractionQuery.builder(field, query).k(10).build(), 10);
        List<double[]> reference = reference(searcher, field, field.equals(COSINE) ? normalized(query) : query);
        assertEquals(Math.min(10, reference.size()), exact.scoreDocs.length);
        for (int r = 0; r < exact.scoreDocs.length; r++) {
          assertEquals(
              field + " rank " + r,
              reference.get(r)[1],
              LateInteractionQuery.maxSim(exact.scoreDocs[r].score),
              1e-4);
        }
        LateInteractionQuery.Builder firstStage = LateInteractionQuery.builder(field, query).k(10);
        if (field.equals(MULTI_VECTOR)) {
          firstStage.tokenKnn(100_000); // every token
        } else if (field.equals(COSINE)) {
          firstStage.summaryKnn(searcher.getIndexReader().maxDoc());
        } else {
          continue;
        }
        TopDocs found = searcher.search(firstStage.build(), 10);
        assertEquals(exact.scoreDocs.length, found.scoreDocs.length);
        for (int r = 0; r < found.scoreDocs.length; r++) {
          assertEquals(field + " rank " + r, exact.scoreDocs[r].doc, found.scoreDocs[r].doc);
        }
      }
    }
  }

  /** {doc, MaxSim} of every live document with a value, best first, ties by doc id. */
  private static List<double[]> reference(IndexSearcher searcher, String field, float[][] query)
      throws IOException {
    List<double[]> ranked = new ArrayList<>();
    for (LeafReaderContext context : searcher.getIndexReader().leaves()) {
      Bits live = context.reader().getLiveDocs();
      for (int doc = 0; doc < context.reader().maxDoc(); doc++) {
        BytesRef expected = expected(context, doc, field);
        if ((live == null || live.get(doc)) && expected != null) {
          double maxSim = MaxSimReference.maxSim(query, LateInteractionField.decode(expected));
          ranked.add(new double[] {context.docBase + doc, maxSim});
        }
      }
    }
    ranked.sort(Comparator.comparingDouble((double[] d) -> -d[1]).thenComparingDouble(d -> d[0]));
    return ranked;
  }

  private static float[][] normalized(float[][] query) {
    float[][] out = new float[query.length][];
    for (int t = 0; t < query.length; t++) {
      double norm = Math.sqrt(MaxSimReference.dot(query[t], query[t]));
      out[t] = new float[query[t].length];
      for (int k = 0; k < query[t].length; k++) {
        out[t][k] = (float) (query[t][k] / norm);
      }
    }
    return out;
  }

  /** Writing the index again gives an index this test reads: the generator itself works. */
  public void testGeneratorWritesAReadableIndex() throws Exception {
    Path dir = createTempDir("generated");
    BackwardIndex.write(dir);
    try (Directory directory = newFSDirectory(dir);
        DirectoryReader reader = DirectoryReader.open(directory)) {
      assertHoldsWhatWasIndexed(reader);
      assertFindsWhatMaxSimRanksFirst(newSearcher(reader));
    }
  }
}
