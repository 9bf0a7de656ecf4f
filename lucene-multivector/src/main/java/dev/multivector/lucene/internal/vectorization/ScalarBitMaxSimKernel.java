package dev.multivector.lucene.internal.vectorization;

import static dev.multivector.lucene.internal.vectorization.Float32MaxSimKernel.LANES;

import java.lang.foreign.MemorySegment;
import java.lang.foreign.ValueLayout;
import java.nio.ByteOrder;

/** The plain-Java bit kernel: {@link Integer#bitCount} over each token's words. */
final class ScalarBitMaxSimKernel implements BitMaxSimKernel {

  static final ScalarBitMaxSimKernel INSTANCE = new ScalarBitMaxSimKernel();

  private static final ValueLayout.OfInt INT =
      ValueLayout.JAVA_INT_UNALIGNED.withOrder(ByteOrder.LITTLE_ENDIAN);
  private static final ValueLayout.OfFloat FLOAT =
      ValueLayout.JAVA_FLOAT_UNALIGNED.withOrder(ByteOrder.LITTLE_ENDIAN);

  private ScalarBitMaxSimKernel() {}

  @Override
  public void accumulate(
      int[] queryWords, int dim, MemorySegment panels, long offset, int tokens, float[] maxima) {
    final int words = BitMaxSimKernel.words(dim);
    final int queryTokens = queryWords.length / words;
    final int panelBytes = BitMaxSimKernel.panelBytes(dim);
    for (int p = 0; p * LANES < tokens; p++) {
      final long base = offset + (long) p * panelBytes;
      final int valid = Math.min(LANES, tokens - p * LANES);
      for (int lane = 0; lane < valid; lane++) {
        final float scale = panels.get(FLOAT, base + (long) (words * LANES + lane) * Integer.BYTES);
        for (int i = 0; i < queryTokens; i++) {
          int hamming = 0;
          for (int w = 0; w < words; w++) {
            int word = panels.get(INT, base + (long) (w * LANES + lane) * Integer.BYTES);
            hamming += Integer.bitCount(word ^ queryWords[i * words + w]);
          }
          float similarity = scale * (dim - 2 * hamming);
          maxima[i * LANES + lane] = Math.max(maxima[i * LANES + lane], similarity);
        }
      }
    }
  }

  @Override
  public String name() {
    return "scalar";
  }
}
