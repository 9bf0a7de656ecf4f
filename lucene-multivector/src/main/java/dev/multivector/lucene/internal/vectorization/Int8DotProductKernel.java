package dev.multivector.lucene.internal.vectorization;

import java.lang.foreign.MemorySegment;

/**
 * The dot product of a query's signed bytes and as many signed bytes read in place from a memory
 * segment (memory-mapped index data): int8 codes, as the HNSW token index stores them.
 *
 * @lucene.internal
 */
public interface Int8DotProductKernel {

  /** {@code sum(query[i] * codes[offset + i])} over {@code i < query.length}. */
  int dotProduct(byte[] query, MemorySegment codes, long offset);
}
