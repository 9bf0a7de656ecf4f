package dev.multivector.lucene.simd;

/**
 * The plain-Java kernel: one query token at a time against one panel at a time. The innermost
 * loop runs over the panel's 16 tokens, contiguous in memory, which the JIT can vectorize.
 */
final class ScalarMaxSimKernel implements MaxSimKernel {

  static final ScalarMaxSimKernel INSTANCE = new ScalarMaxSimKernel();

  private static final int PANEL = 16;

  private ScalarMaxSimKernel() {}

  @Override
  public float maxSim(float[] query, int dim, float[] panels, int offset, int docTokens) {
    final int queryTokens = query.length / dim;
    final int panelCount = (docTokens + PANEL - 1) / PANEL;
    final int panelFloats = dim * PANEL;
    final float[] dots = new float[PANEL];
    float sum = 0;
    for (int i = 0; i < queryTokens; i++) {
      final int q = i * dim;
      float best = Float.NEGATIVE_INFINITY;
      for (int p = 0; p < panelCount; p++) {
        final int base = offset + p * panelFloats;
        java.util.Arrays.fill(dots, 0f);
        for (int k = 0; k < dim; k++) {
          final float qk = query[q + k];
          final int row = base + k * PANEL;
          for (int lane = 0; lane < PANEL; lane++) {
            dots[lane] += qk * panels[row + lane];
          }
        }
        final int valid = Math.min(PANEL, docTokens - p * PANEL);
        for (int lane = 0; lane < valid; lane++) {
          best = Math.max(best, dots[lane]);
        }
      }
      sum += best;
    }
    return sum;
  }

  @Override
  public String name() {
    return "scalar";
  }
}
