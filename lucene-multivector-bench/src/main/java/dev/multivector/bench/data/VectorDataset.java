package dev.multivector.bench.data;

import java.util.List;

/**
 * A data set of token matrices: each document and each query is a {@code float[tokens][dim]}.
 *
 * @param name a short name, used in reports
 * @param docIds the document ids, parallel to {@code documents}
 * @param documents the document matrices
 * @param queryIds the query ids, parallel to {@code queries}
 * @param queries the query matrices
 * @param qrels the judgements, keyed by {@code queryIds} and {@code docIds}
 */
public record VectorDataset(
    String name,
    List<String> docIds,
    List<float[][]> documents,
    List<String> queryIds,
    List<float[][]> queries,
    Qrels qrels) {

  public VectorDataset {
    docIds = List.copyOf(docIds);
    documents = List.copyOf(documents);
    queryIds = List.copyOf(queryIds);
    queries = List.copyOf(queries);
    if (docIds.size() != documents.size() || queryIds.size() != queries.size()) {
      throw new IllegalArgumentException("ids and matrices differ in number");
    }
  }

  /** The dimension of the token vectors (0 if there are none). */
  public int dimension() {
    return documents.stream().filter(m -> m.length > 0).mapToInt(m -> m[0].length).findFirst().orElse(0);
  }

  /** The total number of document tokens. */
  public long documentTokens() {
    return documents.stream().mapToLong(m -> m.length).sum();
  }
}
