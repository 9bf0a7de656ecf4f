package dev.multivector.lucene.codec;

import java.io.IOException;
import org.apache.lucene.index.BinaryDocValues;
import org.apache.lucene.util.BytesRef;

/**
 * {@link org.apache.lucene.document.LateInteractionField}'s layout (a little-endian int dimension,
 * then the float32 tokens row by row) decoded from any binary doc values, and converted to panels
 * a run at a time for scoring.
 */
final class RowMajorMultiVectorValues extends Float32PanelValues {
  private final BinaryDocValues in;
  private BytesRef value; // the current document's, once read
  private int dimension;
  private int tokenCount;

  RowMajorMultiVectorValues(BinaryDocValues in, String field) {
    super(field);
    this.in = in;
  }

  private void parse() throws IOException {
    if (value != null) {
      return;
    }
    BytesRef v = in.binaryValue();
    int dim = v.length < Integer.BYTES ? -1 : PanelLayout.readDimension(v);
    long floats = (long) (v.length - Integer.BYTES) / Float.BYTES;
    if (dim <= 0 || (v.length - Integer.BYTES) % Float.BYTES != 0 || floats == 0 || floats % dim != 0) {
      throw new IllegalArgumentException(
          "field \"" + field + "\", doc " + in.docID() + ": binary value of " + v.length
              + " bytes is not a LateInteractionField matrix"
              + " (little-endian int dimension, then a non-empty float32 matrix)");
    }
    dimension = dim;
    tokenCount = (int) (floats / dim);
    value = v;
  }

  @Override
  public int dimension() throws IOException {
    parse();
    return dimension;
  }

  @Override
  public int tokenCount() throws IOException {
    parse();
    return tokenCount;
  }

  @Override
  void readPanels(int fromPanel, int count, float[] dest, int destOffset) throws IOException {
    parse();
    PanelLayout.toPanels(value, dimension, tokenCount, fromPanel, count, dest, destOffset);
  }

  @Override
  public BytesRef binaryValue() throws IOException {
    return in.binaryValue();
  }

  @Override
  public boolean advanceExact(int target) throws IOException {
    value = null;
    return in.advanceExact(target);
  }

  @Override
  public int docID() {
    return in.docID();
  }

  @Override
  public int nextDoc() throws IOException {
    value = null;
    return in.nextDoc();
  }

  @Override
  public int advance(int target) throws IOException {
    value = null;
    return in.advance(target);
  }

  @Override
  public long cost() {
    return in.cost();
  }
}
