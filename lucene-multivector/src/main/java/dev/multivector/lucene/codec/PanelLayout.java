package dev.multivector.lucene.codec;

import static dev.multivector.lucene.codec.MultiVectorValues.PANEL_TOKENS;

import java.util.Arrays;
import org.apache.lucene.util.BitUtil;
import org.apache.lucene.util.BytesRef;

/**
 * Conversions between {@link org.apache.lucene.document.LateInteractionField}'s row-major layout
 * and the panel layout of {@link MultiVectorValues}.
 */
final class PanelLayout {

  private PanelLayout() {}

  /** Floats in one panel of the given dimension. */
  static int panelFloats(int dimension) {
    return dimension * PANEL_TOKENS;
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
      int panelStart = destOffset + ((t - firstToken) / PANEL_TOKENS) * panelFloats;
      int lane = t % PANEL_TOKENS;
      for (int k = 0; k < dimension; k++) {
        dest[panelStart + k * PANEL_TOKENS + lane] =
            (float) BitUtil.VH_LE_FLOAT.get(value.bytes, src + k * Float.BYTES);
      }
    }
  }

  /**
   * Writes the row-major value of a matrix held as panels: the dimension header, then {@code
   * tokenCount} rows; {@code dest} needs {@code 4 + tokenCount * dimension * 4} bytes.
   */
  static void toRowMajor(float[] panels, int dimension, int tokenCount, byte[] dest) {
    final int panelFloats = panelFloats(dimension);
    BitUtil.VH_LE_INT.set(dest, 0, dimension);
    int out = Integer.BYTES;
    for (int t = 0; t < tokenCount; t++) {
      int src = (t / PANEL_TOKENS) * panelFloats + t % PANEL_TOKENS;
      for (int k = 0; k < dimension; k++, out += Float.BYTES) {
        BitUtil.VH_LE_FLOAT.set(dest, out, panels[src + k * PANEL_TOKENS]);
      }
    }
  }

  /** Copies token {@code token} of a document held as panels from offset 0 into {@code dest}. */
  static void readToken(float[] panels, int dimension, int token, float[] dest) {
    int src = (token / PANEL_TOKENS) * panelFloats(dimension) + token % PANEL_TOKENS;
    for (int k = 0; k < dimension; k++) {
      dest[k] = panels[src + k * PANEL_TOKENS];
    }
  }
}
