package dev.multivector.bench.data;

import java.util.List;

/**
 * A data set of texts: documents, queries and the judgements that link them.
 *
 * @param name a short name ({@code cranfield}, {@code dbpedia-5k}, {@code needle-...}), used in
 *     reports and cache keys
 * @param documents the documents, in a fixed order
 * @param queries the queries, in a fixed order
 * @param qrels the judgements, keyed by the ids of {@code queries} and {@code documents}
 */
public record TextDataset(String name, List<Text> documents, List<Text> queries, Qrels qrels) {

  /** A document or a query: its id and its text. */
  public record Text(String id, String text) {}

  public TextDataset {
    documents = List.copyOf(documents);
    queries = List.copyOf(queries);
  }

  /** The document texts, in order. */
  public List<String> documentTexts() {
    return documents.stream().map(Text::text).toList();
  }

  /** The document ids, in order. */
  public List<String> documentIds() {
    return documents.stream().map(Text::id).toList();
  }

  /** The query texts, in order. */
  public List<String> queryTexts() {
    return queries.stream().map(Text::text).toList();
  }

  /** The query ids, in order. */
  public List<String> queryIds() {
    return queries.stream().map(Text::id).toList();
  }
}
