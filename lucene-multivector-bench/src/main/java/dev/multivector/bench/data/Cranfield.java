package dev.multivector.bench.data;

import dev.multivector.bench.data.TextDataset.Text;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * Cranfield 1400: 1,400 aeronautics abstracts, 225 queries, graded judgements (SMART format,
 * in {@code <datasets>/cranfield/}).
 *
 * <ul>
 *   <li>Document ids are the {@code .I} numbers of {@code cran.all.1400} ("1" .. "1400"); a
 *       document's text is its {@code .W} section (which normally begins with the title), or its
 *       {@code .T} title when {@code .W} is empty. Documents 471 and 995 have neither: they are
 *       kept, with an empty text, so that ids and positions stay aligned.
 *   <li>Query ids are positions: "1" .. "225" in file order. {@code cran.qry} numbers its
 *       queries with non-contiguous {@code .I} values up to 365, but {@code cranqrel} numbers
 *       them by position, so the {@code .I} values are ignored.
 *   <li>Grades are 1 (complete answer) .. 4 (minimum interest); gain = 5 - grade. Grade -1 lines
 *       (one per query) are dropped.
 * </ul>
 */
public final class Cranfield {
  /** The data set's name. */
  public static final String NAME = "cranfield";

  private Cranfield() {}

  /** Loads Cranfield from {@code <datasets>/cranfield}. */
  public static TextDataset load() {
    return load(ProjectPaths.datasetsDir().resolve("cranfield"));
  }

  /** Loads Cranfield from a folder holding {@code cran.all.1400}, {@code cran.qry}, {@code cranqrel}. */
  public static TextDataset load(Path dir) {
    List<Text> documents = new ArrayList<>();
    for (Map<Character, String> record : readSmart(dir.resolve("cran.all.1400"))) {
      String text = record.getOrDefault('W', "");
      documents.add(new Text(record.get('I'), text.isEmpty() ? record.getOrDefault('T', "") : text));
    }
    List<Text> queries = new ArrayList<>();
    for (Map<Character, String> record : readSmart(dir.resolve("cran.qry"))) {
      queries.add(new Text(Integer.toString(queries.size() + 1), record.getOrDefault('W', "")));
    }
    Map<String, Map<String, Integer>> gains = new LinkedHashMap<>();
    for (String line : readLines(dir.resolve("cranqrel"))) {
      String[] fields = line.trim().split("\\s+");
      if (fields.length < 3) {
        continue; // blank lines
      }
      int grade = Integer.parseInt(fields[2]);
      if (grade < 1 || grade > 4) {
        continue; // -1: not a relevance grade
      }
      gains.computeIfAbsent(fields[0], q -> new LinkedHashMap<>()).put(fields[1], 5 - grade);
    }
    return new TextDataset(NAME, documents, queries, new Qrels(gains));
  }

  /**
   * Reads a SMART file: records opened by {@code .I <n>}, with sections opened by a line {@code
   * .X} (X a letter). Each section's lines are joined with single spaces. Key 'I' holds the
   * record's number.
   */
  static List<Map<Character, String>> readSmart(Path file) {
    List<Map<Character, String>> records = new ArrayList<>();
    Map<Character, String> record = null;
    char section = 0;
    for (String line : readLines(file)) {
      if (line.startsWith(".I ")) {
        record = new LinkedHashMap<>();
        record.put('I', line.substring(3).trim());
        records.add(record);
        section = 0;
      } else if (record != null && line.length() == 2 && line.charAt(0) == '.') {
        section = line.charAt(1);
        record.put(section, "");
      } else if (section != 0 && !line.isBlank()) {
        String before = record.get(section);
        record.put(section, before.isEmpty() ? line.trim() : before + ' ' + line.trim());
      }
    }
    return records;
  }

  private static List<String> readLines(Path file) {
    try {
      return Files.readAllLines(file, StandardCharsets.UTF_8);
    } catch (IOException e) {
      throw new UncheckedIOException("cannot read " + file, e);
    }
  }
}
