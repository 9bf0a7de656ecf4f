package dev.multivector.lucene.codec;

import java.io.IOException;
import org.apache.lucene.index.DocIDMerger;
import org.apache.lucene.index.MergeState;
import org.apache.lucene.util.BytesRef;

/** The values of several segments in a merged segment's doc order; forward iteration only. */
final class MergedMultiVectorValues extends Float32PanelValues {

  static final class Sub extends DocIDMerger.Sub {
    final Float32PanelValues values;

    Sub(MergeState.DocMap docMap, Float32PanelValues values) {
      super(docMap);
      this.values = values;
    }

    @Override
    public int nextDoc() throws IOException {
      return values.nextDoc();
    }
  }

  private final DocIDMerger<Sub> merger;
  private final long cost;
  private Sub current;
  private int docID = -1;

  MergedMultiVectorValues(String field, DocIDMerger<Sub> merger, long cost) {
    super(field);
    this.merger = merger;
    this.cost = cost;
  }

  @Override
  public int nextDoc() throws IOException {
    current = merger.next();
    docID = current == null ? NO_MORE_DOCS : current.mappedDocID;
    return docID;
  }

  @Override
  public int docID() {
    return docID;
  }

  @Override
  public int advance(int target) {
    throw new UnsupportedOperationException();
  }

  @Override
  public boolean advanceExact(int target) {
    throw new UnsupportedOperationException();
  }

  @Override
  public long cost() {
    return cost;
  }

  @Override
  public int dimension() throws IOException {
    return current.values.dimension();
  }

  @Override
  public int tokenCount() throws IOException {
    return current.values.tokenCount();
  }

  @Override
  void readPanels(int fromPanel, int count, float[] dest, int destOffset)
      throws IOException {
    current.values.readPanels(fromPanel, count, dest, destOffset);
  }

  @Override
  public BytesRef binaryValue() throws IOException {
    return current.values.binaryValue();
  }
}
