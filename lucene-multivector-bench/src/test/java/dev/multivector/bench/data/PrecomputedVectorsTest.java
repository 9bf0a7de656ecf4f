package dev.multivector.bench.data;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.IOException;
import java.net.URISyntaxException;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.util.List;
import java.util.Map;
import java.util.stream.Stream;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * The {@code --vectors} folder format, read from files numpy wrote ({@code
 * make-vector-fixtures.py} beside them), and each malformed variant refused with an error naming
 * the file and the problem.
 */
class PrecomputedVectorsTest {
  @TempDir Path tmp;

  @Test
  void readsWhatNumpyWrites() throws Exception {
    for (String folder : List.of("vectors-f32", "vectors-f16")) {
      VectorDataset data = PrecomputedVectors.load(fixture(folder));
      assertEquals(folder, data.name());
      assertEquals(List.of("d0", "d1", "d2", "d3", "d4"), data.docIds());
      assertEquals(List.of("q0", "q1"), data.queryIds());
      assertEquals(8, data.dimension());
      assertEquals(List.of(3, 1, 4, 2, 5), data.documents().stream().map(m -> m.length).toList());
      assertEquals(List.of(2, 3), data.queries().stream().map(m -> m.length).toList());
      float tolerance = folder.equals("vectors-f16") ? 0.01f : 1e-6f; // float16 keeps 11 bits
      // document i, token t, dimension j: i + t/10 + j/100; queries: 10 + i + t/10 + j/100
      assertEquals(2 + 3 / 10f + 7 / 100f, data.documents().get(2)[3][7], tolerance);
      assertEquals(4 + 4 / 10f, data.documents().get(4)[4][0], tolerance);
      assertEquals(11 + 2 / 10f + 5 / 100f, data.queries().get(1)[2][5], tolerance);
      assertEquals(Map.of("d2", 1, "d4", 2), data.qrels().gains("q0"));
      assertEquals(Map.of("d1", 1), data.qrels().gains("q1"));
    }
  }

  /** export-vectors writes what --vectors reads back, value for value. */
  @Test
  void writtenFolderReadsBack() throws Exception {
    VectorDataset data = PrecomputedVectors.load(fixture("vectors-f32"));
    Path dir = tmp.resolve("written");
    PrecomputedVectors.write(data, dir);
    VectorDataset back = PrecomputedVectors.load(dir);
    assertEquals(data.docIds(), back.docIds());
    assertEquals(data.queryIds(), back.queryIds());
    assertEquals(data.qrels(), back.qrels());
    for (int d = 0; d < data.documents().size(); d++) {
      assertArrayEquals(data.documents().get(d), back.documents().get(d));
    }
    for (int q = 0; q < data.queries().size(); q++) {
      assertArrayEquals(data.queries().get(q), back.queries().get(q));
    }
    // byte for byte what numpy.save wrote for the same arrays
    for (String file : List.of("documents.npy", "documents_offsets.npy", "queries.npy", "queries_offsets.npy")) {
      assertArrayEquals(Files.readAllBytes(fixture("vectors-f32").resolve(file)), Files.readAllBytes(dir.resolve(file)), file);
    }
  }

  @Test
  void missingFile() throws Exception {
    for (String file : List.of("documents.npy", "documents_offsets.npy", "documents_ids.txt", "queries.npy", "qrels.tsv")) {
      Path dir = copy("vectors-f32");
      Files.delete(dir.resolve(file));
      assertMessage(dir, file + ": missing");
    }
  }

  @Test
  void truncatedVectors() throws Exception {
    Path dir = copy("vectors-f32");
    Path file = dir.resolve("documents.npy");
    Files.write(file, java.util.Arrays.copyOf(Files.readAllBytes(file), (int) Files.size(file) - 4));
    assertMessage(dir, "documents.npy: truncated: its header announces [15, 8] of <f4, 480 bytes of data, but the file holds 476");
  }

  @Test
  void notAnArray() throws Exception {
    Path dir = copy("vectors-f32");
    Files.writeString(dir.resolve("queries.npy"), "q0 0.1 0.2\n");
    assertMessage(dir, "queries.npy: not a .npy file");
  }

  @Test
  void foreignArrays() throws Exception {
    Path dir = copy("vectors-f32");
    Files.copy(fixture("queries-dim6.npy"), dir.resolve("queries.npy"), StandardCopyOption.REPLACE_EXISTING);
    assertMessage(dir, "queries.npy: dimension 6, but documents.npy has dimension 8");

    dir = copy("vectors-f32");
    Files.copy(fixture("documents-fortran.npy"), dir.resolve("documents.npy"), StandardCopyOption.REPLACE_EXISTING);
    assertMessage(dir, "documents.npy: Fortran order is not read");

    dir = copy("vectors-f32");
    Files.copy(fixture("documents-float64.npy"), dir.resolve("documents.npy"), StandardCopyOption.REPLACE_EXISTING);
    assertMessage(dir, "documents.npy: element type '<f8' is not read");

    // vectors where the offsets belong
    dir = copy("vectors-f32");
    Files.copy(dir.resolve("queries.npy"), dir.resolve("queries_offsets.npy"), StandardCopyOption.REPLACE_EXISTING);
    assertMessage(dir, "queries_offsets.npy: shape [5, 8] has 2 dimensions, expected 1");
  }

  @Test
  void offsetsThatDoNotMatch() throws Exception {
    Path dir = copy("vectors-f32");
    writeOffsets(dir.resolve("documents_offsets.npy"), 0, 3, 4, 8, 10);
    assertMessage(dir, "documents_offsets.npy: 5 offsets for 5 ids in documents_ids.txt (expected one more offset than ids)");

    dir = copy("vectors-f32");
    writeOffsets(dir.resolve("documents_offsets.npy"), 0, 3, 4, 8, 10, 14);
    assertMessage(dir, "documents_offsets.npy: must start at 0 and end at documents.npy's 15 rows, but runs from 0 to 14");

    dir = copy("vectors-f32");
    writeOffsets(dir.resolve("documents_offsets.npy"), 0, 3, 3, 8, 10, 15);
    assertMessage(dir, "documents_offsets.npy: document 'd1' (number 1) has no tokens (offsets 3 to 3)");

    dir = copy("vectors-f32");
    writeOffsets(dir.resolve("documents_offsets.npy"), 0, 3, 9, 8, 10, 15);
    assertMessage(dir, "documents_offsets.npy: document 'd2' (number 2) has a negative number of tokens (offsets 9 to 8)");
  }

  @Test
  void idsThatDoNotMatch() throws Exception {
    Path dir = copy("vectors-f32");
    Files.writeString(dir.resolve("documents_ids.txt"), "d0\nd1\nd2\nd1\nd4\n");
    assertMessage(dir, "documents_ids.txt line 4: id 'd1' repeats");

    dir = copy("vectors-f32");
    Files.writeString(dir.resolve("qrels.tsv"), "query-id\tcorpus-id\tscore\nq0\td2\t1\nq0\td9\t1\nq0\tD4\t1\n");
    assertMessage(dir, "qrels.tsv: 2 judged document ids are not among the documents, for example d9, D4");

    dir = copy("vectors-f32");
    Files.writeString(dir.resolve("qrels.tsv"), "q7\td2\t1\n");
    assertMessage(dir, "qrels.tsv: 1 judged query ids are not among the queries, for example q7");

    dir = copy("vectors-f32");
    Files.writeString(dir.resolve("qrels.tsv"), "q0\td2\t1\nq0 d4 2\n");
    assertMessage(dir, "qrels.tsv line 2: expected query-id, corpus-id and score separated by tabs, got 'q0 d4 2'");

    dir = copy("vectors-f32");
    Files.writeString(dir.resolve("qrels.tsv"), "q0\td2\tyes\n");
    assertMessage(dir, "qrels.tsv line 1: score 'yes' is not an integer");
  }

  @Test
  void nonFiniteValue() throws Exception {
    Path dir = copy("vectors-f32");
    Path file = dir.resolve("queries.npy");
    byte[] bytes = Files.readAllBytes(file);
    // row 3 of 5, dimension 2: the data ends the file
    ByteBuffer.wrap(bytes).order(ByteOrder.LITTLE_ENDIAN).putFloat(bytes.length - (2 * 8 - 2) * 4, Float.NaN);
    Files.write(file, bytes);
    assertMessage(dir, "queries.npy: row 3 holds NaN");
  }

  private static void assertMessage(Path dir, String expected) {
    IllegalArgumentException e = assertThrows(IllegalArgumentException.class, () -> PrecomputedVectors.load(dir));
    assertTrue(e.getMessage().startsWith(expected), () -> "expected '" + expected + "', got '" + e.getMessage() + "'");
  }

  private static void writeOffsets(Path file, long... offsets) throws IOException {
    NpyArray.writeLongs(file, offsets);
  }

  private Path copy(String folder) throws Exception {
    Path dir = Files.createTempDirectory(tmp, folder);
    try (Stream<Path> files = Files.list(fixture(folder))) {
      for (Path file : files.toList()) {
        Files.copy(file, dir.resolve(file.getFileName()));
      }
    }
    return dir;
  }

  private static Path fixture(String name) throws URISyntaxException {
    return Path.of(PrecomputedVectorsTest.class.getResource(name).toURI());
  }
}
