package dev.multivector.bench.data;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.util.Collection;
import java.util.Collections;
import java.util.HashSet;
import java.util.List;
import java.util.LinkedHashMap;
import java.util.LinkedHashSet;
import java.util.Map;
import java.util.Set;
import java.util.stream.Collectors;

/**
 * Relevance judgements: for each judged query, the gain of each judged document.
 *
 * <p>Gains are non-negative integers, higher is better; a gain of 0 is a document judged
 * non-relevant (it counts as judged but never as relevant). Readers convert their data set's
 * grades into gains (Cranfield: gain = 5 - grade).
 */
public final class Qrels {
  private final Map<String, Map<String, Integer>> gains;

  /** Copies {@code gains} (query id to document id to gain), keeping its iteration order. */
  public Qrels(Map<String, ? extends Map<String, Integer>> gains) {
    Map<String, Map<String, Integer>> copy = new LinkedHashMap<>();
    gains.forEach(
        (query, docs) -> {
          docs.forEach(
              (doc, gain) -> {
                if (gain < 0) {
                  throw new IllegalArgumentException(
                      "negative gain " + gain + " for query " + query + ", document " + doc);
                }
              });
          copy.put(query, Collections.unmodifiableMap(new LinkedHashMap<>(docs)));
        });
    this.gains = Collections.unmodifiableMap(copy);
  }

  /**
   * Reads judgements in BEIR's TSV format: an optional header line ({@code query-id corpus-id
   * score}), then one line a judgement, query id, document id and an integer gain separated by
   * tabs.
   *
   * @throws IllegalArgumentException naming the file and line, if the file is missing or a line
   *     is not such a judgement
   */
  public static Qrels readTsv(Path file) {
    List<String> lines;
    try {
      lines = Files.readAllLines(file, StandardCharsets.UTF_8);
    } catch (NoSuchFileException e) {
      throw new IllegalArgumentException(file.getFileName() + ": missing (looked for " + file + ")");
    } catch (IOException e) {
      throw new UncheckedIOException("cannot read " + file, e);
    }
    Map<String, Map<String, Integer>> gains = new LinkedHashMap<>();
    for (int i = 0; i < lines.size(); i++) {
      String line = lines.get(i);
      if (line.isBlank() || (i == 0 && line.startsWith("query-id"))) {
        continue;
      }
      String[] fields = line.split("\t");
      String where = file.getFileName() + " line " + (i + 1) + ": ";
      if (fields.length != 3) {
        throw new IllegalArgumentException(where + "expected query-id, corpus-id and score separated by tabs, got '" + line + "'");
      }
      int gain;
      try {
        gain = Integer.parseInt(fields[2].trim());
      } catch (NumberFormatException e) {
        throw new IllegalArgumentException(where + "score '" + fields[2] + "' is not an integer");
      }
      if (gain < 0) {
        throw new IllegalArgumentException(where + "negative score " + gain);
      }
      gains.computeIfAbsent(fields[0], q -> new LinkedHashMap<>()).put(fields[1], gain);
    }
    return new Qrels(gains);
  }

  /**
   * Checks that every judgement names a query of {@code queryIds} and a document of {@code
   * docIds}: a judgement of an unknown id would silently count as a document never found.
   *
   * @param source the judgements' file, for the message
   * @throws IllegalArgumentException saying how many judgements name unknown ids, and which
   */
  public void requireKnownIds(Collection<String> queryIds, Collection<String> docIds, String source) {
    Set<String> queries = new HashSet<>(queryIds);
    Set<String> docs = new HashSet<>(docIds);
    List<String> unknownQueries = gains.keySet().stream().filter(q -> queries.contains(q) == false).toList();
    if (unknownQueries.isEmpty() == false) {
      throw new IllegalArgumentException(
          source + ": " + unknownQueries.size() + " judged query ids are not among the queries, for example "
              + unknownQueries.stream().limit(3).collect(Collectors.joining(", ")));
    }
    List<String> unknownDocs =
        gains.values().stream().flatMap(d -> d.keySet().stream()).filter(d -> docs.contains(d) == false).distinct().toList();
    if (unknownDocs.isEmpty() == false) {
      throw new IllegalArgumentException(
          source + ": " + unknownDocs.size() + " judged document ids are not among the documents, for example "
              + unknownDocs.stream().limit(3).collect(Collectors.joining(", ")));
    }
  }

  /** The ids of the queries that have at least one judgement. */
  public Set<String> queryIds() {
    return gains.keySet();
  }

  /** The judged documents of a query and their gains; empty if the query is not judged. */
  public Map<String, Integer> gains(String queryId) {
    return gains.getOrDefault(queryId, Map.of());
  }

  /** The documents with a positive gain for a query. */
  public Set<String> relevant(String queryId) {
    Set<String> relevant = new LinkedHashSet<>();
    gains(queryId).forEach((doc, gain) -> {
      if (gain > 0) {
        relevant.add(doc);
      }
    });
    return relevant;
  }

  @Override
  public boolean equals(Object o) {
    return o instanceof Qrels other && gains.equals(other.gains);
  }

  @Override
  public int hashCode() {
    return gains.hashCode();
  }

  @Override
  public String toString() {
    return "Qrels" + gains;
  }

  /** The number of (query, document) judgements. */
  public int size() {
    return gains.values().stream().mapToInt(Map::size).sum();
  }
}
