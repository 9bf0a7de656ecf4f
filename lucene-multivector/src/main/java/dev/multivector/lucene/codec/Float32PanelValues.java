package dev.multivector.lucene.codec;

import dev.multivector.lucene.document.MultiVectorFieldConfig.Encoding;
import java.io.IOException;
import java.lang.foreign.MemorySegment;
import org.apache.lucene.index.BinaryDocValues;
import org.apache.lucene.util.ArrayUtil;
import org.apache.lucene.util.BytesRef;

/**
 * Values read as float32 panels (see {@link PanelLayout}): the codec's own files, other codecs'
 * {@link org.apache.lucene.document.LateInteractionField} values converted on the fly, and merges
 * of either. The codec's files of a field with a compressed encoding also have its panels in that
 * encoding, which {@link #scorer} scores; the float32 panels are then the raw values, for exact
 * scoring, reads and merges.
 */
abstract class Float32PanelValues extends MultiVectorValues {

  /** The field's name, for error messages. */
  final String field;

  private float[] scratch = new float[0]; // the current document's panels, for reads and merges
  private BytesRef rowMajor; // binaryValue()'s, allocated on first use

  Float32PanelValues(String field) {
    this.field = field;
  }

  /** The values themselves if the codec stored them, else a view that decodes them. */
  static Float32PanelValues wrap(BinaryDocValues values, String field) {
    return values instanceof Float32PanelValues own
        ? own
        : new RowMajorMultiVectorValues(values, field);
  }

  /**
   * Copies panels {@code [fromPanel, fromPanel + count)} of the current document into {@code
   * dest}, starting at {@code destOffset}: {@code count * dimension() * 16} floats.
   */
  abstract void readPanels(int fromPanel, int count, float[] dest, int destOffset)
      throws IOException;

  /**
   * The current document's panels in place: a read-only segment of {@code
   * panelCount(tokenCount()) * dimension() * 16} little-endian floats, or null if they are not
   * memory-mapped (read them with {@link #readPanels} then). Valid while the index is open.
   */
  MemorySegment mappedPanels() throws IOException {
    return null;
  }

  /** The encoding {@link #scorer} scores: FLOAT32 unless the codec stored another too. */
  @Override
  public Encoding encoding() {
    return Encoding.FLOAT32;
  }

  /**
   * The current document's panels in the field's compressed {@link #encoding()}, in place if
   * memory-mapped, else copied; valid until the next call. Only for values with such an encoding.
   */
  MemorySegment encodedPanels() throws IOException {
    throw new UnsupportedOperationException("field \"" + field + "\" has no compressed encoding");
  }

  /** Every panel of the current document, in a buffer reused from one document to the next. */
  final float[] allPanels() throws IOException {
    int panels = PanelLayout.panelCount(tokenCount());
    int floats = panels * PanelLayout.panelFloats(dimension());
    if (scratch.length < floats) {
      scratch = new float[ArrayUtil.oversize(floats, Float.BYTES)];
    }
    readPanels(0, panels, scratch, 0);
    return scratch;
  }

  @Override
  public void readTokens(float[] dest) throws IOException {
    PanelLayout.toRows(allPanels(), dimension(), tokenCount(), dest);
  }

  @Override
  public BytesRef binaryValue() throws IOException {
    int length = Integer.BYTES + tokenCount() * dimension() * Float.BYTES;
    if (rowMajor == null) {
      rowMajor = new BytesRef(new byte[length]);
    }
    rowMajor.bytes = ArrayUtil.growNoCopy(rowMajor.bytes, length);
    PanelLayout.toRowMajor(allPanels(), dimension(), tokenCount(), rowMajor.bytes);
    rowMajor.length = length;
    return rowMajor;
  }

  @Override
  public MultiVectorScorer scorer(float[][] query) throws IOException {
    return encoding() == Encoding.FLOAT32
        ? new Float32PanelScorer(this, query)
        : EncodedPanelScorer.of(this, query);
  }

  @Override
  public MultiVectorScorer exactScorer(float[][] query) {
    return new Float32PanelScorer(this, query);
  }
}
