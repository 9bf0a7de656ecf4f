package dev.multivector.lucene.document;

/**
 * One vector that summarises a document's tokens: the first-stage vector of a multi-vector field
 * (see {@link dev.multivector.lucene.document.MultiVectorField}).
 *
 * @lucene.experimental
 */
public enum SummaryVector {
  /** The mean of the tokens. */
  MEAN,
  /** The largest value of each component over the tokens. */
  MAX,
  /**
   * MUVERA's fixed-dimensional encoding ({@link MultiVectorFieldConfig.Fde}): a document's and a
   * query's differ, and their inner product approximates MaxSim. Computed by {@link
   * MultiVectorFieldConfig#documentSummary} and {@link MultiVectorFieldConfig#querySummary}, which
   * know its settings.
   */
  FDE;

  /**
   * This summary of {@code tokens} (one row per token, all of one dimension), L2-normalised if
   * {@code normalize} (a zero vector stays zero). Accumulates in double.
   *
   * @throws IllegalStateException for {@link #FDE}, which needs its settings
   */
  public float[] of(float[][] tokens, boolean normalize) {
    if (this == FDE) {
      throw new IllegalStateException(
          "a fixed-dimensional encoding needs its settings: use MultiVectorFieldConfig#documentSummary"
              + " or #querySummary");
    }
    int dim = tokens[0].length;
    double[] acc = new double[dim];
    if (this == MAX) {
      java.util.Arrays.fill(acc, Double.NEGATIVE_INFINITY);
    }
    for (float[] token : tokens) {
      for (int i = 0; i < dim; i++) {
        acc[i] = this == MAX ? Math.max(acc[i], token[i]) : acc[i] + token[i];
      }
    }
    double scale = this == MEAN ? 1.0 / tokens.length : 1;
    if (normalize) {
      double squaredNorm = 0;
      for (double a : acc) {
        squaredNorm += a * a;
      }
      scale = squaredNorm == 0 ? 1 : 1 / Math.sqrt(squaredNorm);
    }
    float[] summary = new float[dim];
    for (int i = 0; i < dim; i++) {
      summary[i] = (float) (acc[i] * scale);
    }
    return summary;
  }
}
