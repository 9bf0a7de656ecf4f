package dev.multivector.bench.data;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.List;
import java.util.Locale;
import java.util.Set;

/**
 * Token vectors computed elsewhere (written by {@link #write} too) (by PyLate, colpali-engine or any model), read from a folder of
 * files that numpy writes:
 *
 * <pre>
 * documents.npy          float32 or float16, [all document tokens, dim]: every document's tokens, in order
 * documents_offsets.npy  int64 or int32, [documents + 1]: document i is rows offsets[i] to offsets[i+1]
 * documents_ids.txt      one document id a line, in the same order
 * queries.npy            the same three files for the queries
 * queries_offsets.npy
 * queries_ids.txt
 * qrels.tsv              judgements, BEIR's format: query-id, corpus-id, score (see Qrels#readTsv)
 * </pre>
 *
 * Everything is checked as it is read, and an error names the file and the problem: a missing
 * file, a truncated or foreign array, queries and documents of different dimensions, offsets that
 * do not start at 0, decrease, or do not end at the number of rows, a count of ids that is not the
 * count of offsets less one, a repeated id, a matrix without tokens, a value that is not finite,
 * a judgement naming an id not in the files. The folder's name is the data set's name.
 */
public final class PrecomputedVectors {
  private PrecomputedVectors() {}

  /** Loads the folder's documents, queries and judgements. */
  public static VectorDataset load(Path dir) throws IOException {
    if (Files.isDirectory(dir) == false) {
      throw new IllegalArgumentException("not a folder: " + dir);
    }
    Matrices documents = matrices(dir, "documents", 0);
    Matrices queries = matrices(dir, "queries", documents.dimension);
    Qrels qrels = Qrels.readTsv(dir.resolve("qrels.tsv"));
    qrels.requireKnownIds(queries.ids, documents.ids, "qrels.tsv");
    return new VectorDataset(dir.getFileName().toString(), documents.ids, documents.matrices, queries.ids, queries.matrices, qrels);
  }

  /** Writes a data set as such a folder (created if missing; its files replaced). */
  public static void write(VectorDataset data, Path dir) throws IOException {
    Files.createDirectories(dir);
    write(dir, "documents", data.docIds(), data.documents(), data.dimension());
    write(dir, "queries", data.queryIds(), data.queries(), data.dimension());
    StringBuilder qrels = new StringBuilder("query-id\tcorpus-id\tscore\n");
    for (String query : data.qrels().queryIds()) {
      data.qrels().gains(query).forEach((doc, gain) -> qrels.append(query).append('\t').append(doc).append('\t').append(gain).append('\n'));
    }
    Files.writeString(dir.resolve("qrels.tsv"), qrels);
  }

  private static void write(Path dir, String kind, List<String> ids, List<float[][]> matrices, int dimension)
      throws IOException {
    for (String id : ids) {
      if (id.isEmpty() || id.contains("\n") || id.contains("\r")) {
        throw new IllegalArgumentException("id '" + id + "' cannot be written one a line");
      }
    }
    Files.writeString(dir.resolve(kind + "_ids.txt"), String.join("\n", ids) + "\n");
    long[] offsets = new long[matrices.size() + 1];
    for (int i = 0; i < matrices.size(); i++) {
      offsets[i + 1] = offsets[i] + matrices.get(i).length;
    }
    NpyArray.writeLongs(dir.resolve(kind + "_offsets.npy"), offsets);
    NpyArray.writeFloatRows(dir.resolve(kind + ".npy"), matrices, offsets[matrices.size()], dimension);
  }

  private record Matrices(List<String> ids, List<float[][]> matrices, int dimension) {}

  /** Reads {@code <kind>.npy}, its offsets and ids; {@code dimension} 0 takes the file's. */
  private static Matrices matrices(Path dir, String kind, int dimension) throws IOException {
    List<String> ids = ids(dir.resolve(kind + "_ids.txt"));
    long[] offsets;
    try (NpyArray array = NpyArray.open(dir.resolve(kind + "_offsets.npy"), 1)) {
      offsets = array.longs();
    }
    try (NpyArray vectors = NpyArray.open(dir.resolve(kind + ".npy"), 2)) {
      String name = vectors.name();
      if (dimension != 0 && vectors.columns() != dimension) {
        throw new IllegalArgumentException(
            name + ": dimension " + vectors.columns() + ", but documents.npy has dimension " + dimension);
      }
      if (offsets.length != ids.size() + 1) {
        throw new IllegalArgumentException(
            String.format(
                Locale.ROOT,
                "%s_offsets.npy: %,d offsets for %,d ids in %s_ids.txt (expected one more offset than ids)",
                kind, offsets.length, ids.size(), kind));
      }
      if (offsets[0] != 0 || offsets[offsets.length - 1] != vectors.rows()) {
        throw new IllegalArgumentException(
            String.format(
                Locale.ROOT,
                "%s_offsets.npy: must start at 0 and end at %s's %,d rows, but runs from %,d to %,d",
                kind, name, vectors.rows(), offsets[0], offsets[offsets.length - 1]));
      }
      List<float[][]> matrices = new ArrayList<>(ids.size());
      for (int i = 0; i < ids.size(); i++) {
        long tokens = offsets[i + 1] - offsets[i];
        if (tokens <= 0) {
          throw new IllegalArgumentException(
              String.format(
                  Locale.ROOT,
                  "%s_offsets.npy: %s '%s' (number %d) has %s tokens (offsets %d to %d)",
                  kind, kind.equals("documents") ? "document" : "query", ids.get(i), i, tokens < 0 ? "a negative number of" : "no",
                  offsets[i], offsets[i + 1]));
        }
        float[][] matrix = vectors.floatRows(offsets[i], Math.toIntExact(tokens));
        for (int t = 0; t < matrix.length; t++) {
          for (float value : matrix[t]) {
            if (Float.isFinite(value) == false) {
              throw new IllegalArgumentException(name + ": row " + (offsets[i] + t) + " holds " + value);
            }
          }
        }
        matrices.add(matrix);
      }
      return new Matrices(ids, matrices, vectors.columns());
    }
  }

  private static List<String> ids(Path file) throws IOException {
    List<String> lines;
    try {
      lines = Files.readAllLines(file, StandardCharsets.UTF_8);
    } catch (NoSuchFileException e) {
      throw new IllegalArgumentException(file.getFileName() + ": missing (looked for " + file + ")");
    }
    Set<String> seen = new HashSet<>();
    for (int i = 0; i < lines.size(); i++) {
      if (lines.get(i).isEmpty() || seen.add(lines.get(i)) == false) {
        throw new IllegalArgumentException(
            file.getFileName() + " line " + (i + 1) + ": " + (lines.get(i).isEmpty() ? "empty id" : "id '" + lines.get(i) + "' repeats"));
      }
    }
    return lines;
  }
}
