package dev.multivector.lucene.simd;

/**
 * Exact MaxSim of a query against one document held as panels (see {@link
 * dev.multivector.lucene.codec.MultiVectorValues}): for each query token, the largest dot product
 * with any document token, summed over the query tokens.
 */
interface MaxSimKernel {

  /**
   * @param query the query's tokens, row-major: token {@code i} is {@code query[i * dim .. (i+1) *
   *     dim)}
   * @param dim the token dimension
   * @param panels holds the document's {@code ceil(docTokens / 16)} panels from {@code offset}
   * @param docTokens the document's token count, at least 1
   */
  float maxSim(float[] query, int dim, float[] panels, int offset, int docTokens);

  /** A short name for logs and benchmark reports. */
  String name();
}
