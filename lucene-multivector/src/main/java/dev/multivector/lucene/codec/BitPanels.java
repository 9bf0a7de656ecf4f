package dev.multivector.lucene.codec;

import static dev.multivector.lucene.codec.PanelLayout.PANEL_TOKENS;

import dev.multivector.lucene.internal.vectorization.BitMaxSimKernel;
import org.apache.lucene.util.BitUtil;

/**
 * The BIT encoding's panels (the layout of {@link BitMaxSimKernel}): one sign bit a component,
 * and a scale per token, {@code ||x||_1 / dim}, the {@code s} that brings {@code s * sign(x)}
 * closest to {@code x}. Query tokens are binarised the same way, so the dot product of a query
 * token {@code q} and a document token {@code x} is estimated as {@code (||q||_1 / dim) *
 * (||x||_1 / dim) * (dim - 2 * hamming(sign(q), sign(x)))}: the scales keep documents' estimates
 * comparable whatever their tokens' norms.
 */
final class BitPanels {

  private BitPanels() {}

  /**
   * Encodes one float32 panel ({@link PanelLayout}) at {@code src[srcOffset ..]} into {@code
   * dest[destOffset ..]}: {@link BitMaxSimKernel#panelBytes} bytes.
   */
  static void encode(float[] src, int srcOffset, int dimension, byte[] dest, int destOffset) {
    final int words = BitMaxSimKernel.words(dimension);
    for (int j = 0; j < PANEL_TOKENS; j++) {
      double norm1 = 0;
      for (int w = 0; w < words; w++) {
        int word = 0;
        for (int b = 0; b < Integer.SIZE && w * Integer.SIZE + b < dimension; b++) {
          float x = src[srcOffset + (w * Integer.SIZE + b) * PANEL_TOKENS + j];
          norm1 += Math.abs(x);
          if (x > 0) {
            word |= 1 << b;
          }
        }
        BitUtil.VH_LE_INT.set(dest, destOffset + (w * PANEL_TOKENS + j) * Integer.BYTES, word);
      }
      // A scale that rounds to zero would decode to zeros, whose bits encode again differently.
      float scale = norm1 == 0 ? 0 : Math.max(Float.MIN_VALUE, (float) (norm1 / dimension));
      BitUtil.VH_LE_FLOAT.set(dest, destOffset + (words * PANEL_TOKENS + j) * Integer.BYTES, scale);
    }
  }

  /** The query's tokens binarised: token {@code i}'s words at {@code [i * words, (i + 1) * words)}. */
  static int[] binarise(float[][] query) {
    final int dimension = query[0].length;
    final int words = BitMaxSimKernel.words(dimension);
    int[] binarised = new int[query.length * words];
    for (int i = 0; i < query.length; i++) {
      for (int k = 0; k < dimension; k++) {
        if (query[i][k] > 0) {
          binarised[i * words + k / Integer.SIZE] |= 1 << (k % Integer.SIZE);
        }
      }
    }
    return binarised;
  }

  /** Each query token's scale, {@code ||q||_1 / dim}. */
  static float[] scales(float[][] query) {
    float[] scales = new float[query.length];
    for (int i = 0; i < query.length; i++) {
      double norm1 = 0;
      for (float x : query[i]) {
        norm1 += Math.abs(x);
      }
      scales[i] = (float) (norm1 / query[i].length);
    }
    return scales;
  }
  /**
   * Decodes one encoded panel at {@code src[srcOffset ..]} into a float32 panel at {@code
   * dest[destOffset ..]}: each component its token's scale, with its sign (a padding token's scale
   * is 0).
   */
  static void decode(byte[] src, int srcOffset, int dimension, float[] dest, int destOffset) {
    final int words = BitMaxSimKernel.words(dimension);
    for (int j = 0; j < PANEL_TOKENS; j++) {
      float scale =
          (float) BitUtil.VH_LE_FLOAT.get(src, srcOffset + (words * PANEL_TOKENS + j) * Integer.BYTES);
      for (int w = 0; w < words; w++) {
        int word = (int) BitUtil.VH_LE_INT.get(src, srcOffset + (w * PANEL_TOKENS + j) * Integer.BYTES);
        for (int k = w * Integer.SIZE; k < Math.min(dimension, (w + 1) * Integer.SIZE); k++) {
          dest[destOffset + k * PANEL_TOKENS + j] = (word >>> (k % Integer.SIZE) & 1) != 0 ? scale : -scale;
        }
      }
    }
  }
}
