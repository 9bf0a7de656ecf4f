package dev.multivector.lucene.codec;

import java.io.IOException;
import org.apache.lucene.search.DocIdSetIterator;

/**
 * MaxSim of one query against the documents of a segment's {@link MultiVectorValues}: for each
 * query token, the largest dot product with any token of the document, summed over the query's
 * tokens. Each encoding scores its own layout in place. Position the {@link #iterator()}, then
 * score its current document; for one thread, like the values.
 *
 * @lucene.experimental
 */
public abstract class MultiVectorScorer {

  /** Only this package's encodings implement scorers. */
  MultiVectorScorer() {}

  /** The documents to score: the values this scorer came from. */
  public abstract DocIdSetIterator iterator();

  /**
   * The current document's MaxSim in the values' encoding (see {@link
   * MultiVectorValues#scorer}). For FLOAT32, where float32 would overflow (only values beyond {@link
   * dev.multivector.lucene.document.MultiVectorFieldConfig#MAX_ABS_VALUE}, which {@link
   * org.apache.lucene.document.LateInteractionField}s of other codecs may hold), the document is
   * scored in double precision. A NaN (only non-finite stored values cause one) becomes negative
   * infinity, so that such documents rank last. INT8 and BIT values are bounded and cannot
   * overflow.
   *
   * @throws IllegalArgumentException if the document's token dimension is not the query's
   */
  public abstract float score() throws IOException;

  /**
   * The current document's exact MaxSim (from the float32 vectors, as {@link
   * MultiVectorValues#exactScorer} computes it: for INT8 and BIT not {@link #score()}), and for each
   * query token the document token it matches best and their dot product, written to {@code
   * bestTokens} and {@code bestSimilarities}: which token or page patch each query token matched,
   * for explanations. Slower than {@link #score()}.
   */
  public abstract float bestMatches(int[] bestTokens, float[] bestSimilarities)
      throws IOException;
}
