package dev.multivector.lucene.internal.vectorization;

import static dev.multivector.lucene.internal.vectorization.Float32MaxSimKernel.LANES;

import java.lang.foreign.MemorySegment;
import java.lang.foreign.ValueLayout;
import java.nio.ByteOrder;
import java.util.Arrays;

/** The plain-Java int8 kernel: one query token against one panel at a time, lanes innermost. */
final class ScalarInt8MaxSimKernel implements Int8MaxSimKernel {

  static final ScalarInt8MaxSimKernel INSTANCE = new ScalarInt8MaxSimKernel();

  private static final ValueLayout.OfFloat FLOAT =
      ValueLayout.JAVA_FLOAT_UNALIGNED.withOrder(ByteOrder.LITTLE_ENDIAN);

  private ScalarInt8MaxSimKernel() {}

  @Override
  public void accumulate(
      float[] query, int dim, MemorySegment panels, long offset, int tokens, float[] maxima) {
    final int queryTokens = query.length / dim;
    final int panelBytes = Int8MaxSimKernel.panelBytes(dim);
    final float[] dots = new float[LANES];
    for (int p = 0; p * LANES < tokens; p++) {
      final long base = offset + (long) p * panelBytes;
      final int valid = Math.min(LANES, tokens - p * LANES);
      for (int i = 0; i < queryTokens; i++) {
        Arrays.fill(dots, 0f);
        for (int k = 0; k < dim; k++) {
          final float qk = query[i * dim + k];
          final long row = base + (long) k * LANES;
          for (int lane = 0; lane < LANES; lane++) {
            dots[lane] += qk * panels.get(ValueLayout.JAVA_BYTE, row + lane);
          }
        }
        final long scales = base + (long) dim * LANES;
        for (int lane = 0; lane < valid; lane++) {
          float dot = dots[lane] * panels.get(FLOAT, scales + (long) lane * Float.BYTES);
          maxima[i * LANES + lane] = Math.max(maxima[i * LANES + lane], dot);
        }
      }
    }
  }

  @Override
  public String name() {
    return "scalar";
  }
}
