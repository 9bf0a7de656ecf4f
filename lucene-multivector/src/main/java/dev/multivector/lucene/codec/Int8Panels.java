package dev.multivector.lucene.codec;

import static dev.multivector.lucene.codec.PanelLayout.PANEL_TOKENS;

import dev.multivector.lucene.internal.vectorization.Int8MaxSimKernel;
import org.apache.lucene.util.BitUtil;

/**
 * The INT8 encoding's panels (the layout of {@link Int8MaxSimKernel}): each token scalar-quantized
 * on its own, symmetrically, to codes in [-127, 127] with the scale {@code max |x_k| / 127}.
 *
 * <p>Error bound: each component is off by at most half a scale step, so the encoded dot product
 * of a query token {@code q} and a document token {@code x} is within {@code ||q||_1 * max_k |x_k|
 * / 254} of the exact one, and a MaxSim within the sum of that bound over the query's tokens (with
 * each one's worst document token). A token's own scale adapts the step to its range, which a
 * scale per dimension shared by all tokens would not (it ranked no better on our text collections:
 * docs/design.md).
 */
final class Int8Panels {

  private Int8Panels() {}

  /**
   * Encodes one float32 panel ({@link PanelLayout}) at {@code src[srcOffset ..]} into {@code
   * dest[destOffset ..]}: {@link Int8MaxSimKernel#panelBytes} bytes.
   */
  static void encode(float[] src, int srcOffset, int dimension, byte[] dest, int destOffset) {
    final int scales = destOffset + dimension * PANEL_TOKENS;
    for (int j = 0; j < PANEL_TOKENS; j++) {
      float maxAbs = 0;
      for (int k = 0; k < dimension; k++) {
        maxAbs = Math.max(maxAbs, Math.abs(src[srcOffset + k * PANEL_TOKENS + j]));
      }
      for (int k = 0; k < dimension; k++) {
        // x / maxAbs first: 127 / maxAbs overflows for tiny tokens. A zero token (padding, or a
        // zero vector) keeps zero codes and a zero scale.
        float x = src[srcOffset + k * PANEL_TOKENS + j];
        int code = maxAbs == 0 ? 0 : Math.round(x / maxAbs * 127);
        dest[destOffset + k * PANEL_TOKENS + j] = (byte) Math.max(-127, Math.min(127, code));
      }
      BitUtil.VH_LE_FLOAT.set(dest, scales + j * Float.BYTES, maxAbs / 127);
    }
  }

  /**
   * Decodes one encoded panel at {@code src[srcOffset ..]} into a float32 panel at {@code
   * dest[destOffset ..]}: the values its tokens stand for, zeros for padding.
   */
  static void decode(byte[] src, int srcOffset, int dimension, float[] dest, int destOffset) {
    for (int j = 0; j < PANEL_TOKENS; j++) {
      float scale =
          (float) BitUtil.VH_LE_FLOAT.get(src, srcOffset + dimension * PANEL_TOKENS + j * Float.BYTES);
      for (int k = 0; k < dimension; k++) {
        dest[destOffset + k * PANEL_TOKENS + j] = scale * src[srcOffset + k * PANEL_TOKENS + j];
      }
    }
  }
}
