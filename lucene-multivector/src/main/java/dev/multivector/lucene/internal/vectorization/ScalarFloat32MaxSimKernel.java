package dev.multivector.lucene.internal.vectorization;

import java.lang.foreign.MemorySegment;
import java.lang.foreign.ValueLayout;

/**
 * The plain-Java kernel: one query token at a time against one panel at a time. The innermost
 * loops run over the panel's 16 lanes, contiguous in memory.
 */
final class ScalarFloat32MaxSimKernel implements Float32MaxSimKernel {

  static final ScalarFloat32MaxSimKernel INSTANCE = new ScalarFloat32MaxSimKernel();

  private static final ValueLayout.OfFloat FLOAT =
      ValueLayout.JAVA_FLOAT_UNALIGNED.withOrder(java.nio.ByteOrder.LITTLE_ENDIAN);

  private ScalarFloat32MaxSimKernel() {}

  @Override
  public void accumulate(float[] query, int dim, MemorySegment panels, long offset, int tokens, float[] maxima) {
    final int queryTokens = query.length / dim;
    final int panelCount = (tokens + LANES - 1) / LANES;
    final int panelFloats = dim * LANES;
    final float[] dots = new float[LANES];
    for (int p = 0; p < panelCount; p++) {
      final long base = offset + (long) p * panelFloats * Float.BYTES;
      final int valid = Math.min(LANES, tokens - p * LANES);
      for (int i = 0; i < queryTokens; i++) {
        java.util.Arrays.fill(dots, 0f);
        for (int k = 0; k < dim; k++) {
          final float qk = query[i * dim + k];
          final long row = base + (long) k * LANES * Float.BYTES;
          for (int lane = 0; lane < LANES; lane++) {
            dots[lane] += qk * panels.get(FLOAT, row + (long) lane * Float.BYTES);
          }
        }
        for (int lane = 0; lane < valid; lane++) {
          maxima[i * LANES + lane] = Math.max(maxima[i * LANES + lane], dots[lane]);
        }
      }
    }
  }

  @Override
  public String name() {
    return "scalar";
  }
}
