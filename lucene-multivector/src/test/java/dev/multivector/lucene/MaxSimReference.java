package dev.multivector.lucene;

/** MaxSim in double precision: the reference the tests check kernels and queries against. */
public final class MaxSimReference {

  private MaxSimReference() {}

  /** The sum over query tokens of the best dot product with any document token. */
  public static double maxSim(float[][] query, float[][] doc) {
    double sum = 0;
    for (float[] q : query) {
      double best = Double.NEGATIVE_INFINITY;
      for (float[] d : doc) {
        best = Math.max(best, dot(q, d));
      }
      sum += best;
    }
    return sum;
  }

  /** The dot product, in double precision. */
  public static double dot(float[] a, float[] b) {
    double dot = 0;
    for (int i = 0; i < a.length; i++) {
      dot += (double) a[i] * b[i];
    }
    return dot;
  }

  /**
   * A bound on the float32 rounding error of a MaxSim computed in any order: relative to the sum,
   * over query tokens, of the largest sum of |q_i d_i| with a document token.
   */
  public static double tolerance(float[][] query, float[][] doc) {
    double bound = 0;
    for (float[] q : query) {
      double best = 0;
      for (float[] d : doc) {
        double abs = 0;
        for (int i = 0; i < q.length; i++) {
          abs += Math.abs((double) q[i] * d[i]);
        }
        best = Math.max(best, abs);
      }
      bound += best;
    }
    return 1e-6 + bound * (query[0].length + query.length) * 2e-7;
  }
}
