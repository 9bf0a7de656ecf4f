package dev.multivector.lucene.codec;

import java.util.Arrays;
import org.apache.lucene.util.BitUtil;
import org.apache.lucene.util.BytesRef;

/**
 * The panel layout of the float32 encoding, and conversions from and to {@link
 * org.apache.lucene.document.LateInteractionField}'s row-major layout.
 *
 * <p>A document's n tokens are grouped into {@code ceil(n / 16)} panels of {@value #PANEL_TOKENS}
 * tokens. A panel holds {@code dimension * 16} floats, dimension-major: float {@code k * 16 + j}
 * is component {@code k} of the panel's token {@code j}. Tokens past {@code n} in the last panel
 * are zeros. A kernel broadcasts one query component and multiplies it against 16 document tokens
 * at once.
 */
final class PanelLayout {

  /** Tokens per panel. */
  static final int PANEL_TOKENS = 16;

  private PanelLayout() {}

  /** The number of panels that hold {@code tokenCount} tokens. */
  static int panelCount(int tokenCount) {
    return (tokenCount + PANEL_TOKENS - 1) / PANEL_TOKENS;
  }

  /** Floats in one panel of the given dimension. */
  static int panelFloats(int dimension) {
    return dimension * PANEL_TOKENS;
  }

  /** The offset of component 0 of token {@code token} in a document's panels. */
  static int tokenOffset(int dimension, int token) {
    return (token / PANEL_TOKENS) * panelFloats(dimension) + token % PANEL_TOKENS;
  }

  /** The dimension header of a {@link org.apache.lucene.document.LateInteractionField} value. */
  static int readDimension(BytesRef value) {
    return (int) BitUtil.VH_LE_INT.get(value.bytes, value.offset);
  }

  /**
   * Writes panels {@code [fromPanel, fromPanel + count)} of a row-major value (dimension header,
   * then {@code tokenCount} rows) into {@code dest}, zero-padding tokens past {@code tokenCount}.
   */
  static void toPanels(
      BytesRef value,
      int dimension,
      int tokenCount,
      int fromPanel,
      int count,
      float[] dest,
      int destOffset) {
    final int panelFloats = panelFloats(dimension);
    Arrays.fill(dest, destOffset, destOffset + count * panelFloats, 0f);
    final int firstToken = fromPanel * PANEL_TOKENS;
    final int endToken = Math.min(tokenCount, (fromPanel + count) * PANEL_TOKENS);
    for (int t = firstToken; t < endToken; t++) {
      int src = value.offset + Integer.BYTES + t * dimension * Float.BYTES;
      int tokenStart = destOffset + tokenOffset(dimension, t - firstToken);
      for (int k = 0; k < dimension; k++) {
        dest[tokenStart + k * PANEL_TOKENS] =
            (float) BitUtil.VH_LE_FLOAT.get(value.bytes, src + k * Float.BYTES);
      }
    }
  }

  /**
   * Writes the {@link org.apache.lucene.document.LateInteractionField} value of a matrix held as
   * panels: the dimension header, then {@code tokenCount} rows; {@code dest} needs {@code 4 +
   * tokenCount * dimension * 4} bytes.
   */
  static void toRowMajor(float[] panels, int dimension, int tokenCount, byte[] dest) {
    BitUtil.VH_LE_INT.set(dest, 0, dimension);
    int out = Integer.BYTES;
    for (int t = 0; t < tokenCount; t++) {
      int src = tokenOffset(dimension, t);
      for (int k = 0; k < dimension; k++, out += Float.BYTES) {
        BitUtil.VH_LE_FLOAT.set(dest, out, panels[src + k * PANEL_TOKENS]);
      }
    }
  }

  /** Copies the {@code tokenCount} tokens of a matrix held as panels into rows of {@code dest}. */
  static void toRows(float[] panels, int dimension, int tokenCount, float[] dest) {
    for (int t = 0; t < tokenCount; t++) {
      int src = tokenOffset(dimension, t);
      for (int k = 0; k < dimension; k++) {
        dest[t * dimension + k] = panels[src + k * PANEL_TOKENS];
      }
    }
  }
}
