package dev.multivector.bench.data;

import java.util.Collections;
import java.util.LinkedHashMap;
import java.util.LinkedHashSet;
import java.util.Map;
import java.util.Set;

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
