package dev.multivector.lucene.codec;

import java.io.IOException;
import org.apache.lucene.search.DocIdSetIterator;
import org.apache.lucene.util.ArrayUtil;

/**
 * What a first pass over a field's values found, before anything is written: its dimension, its
 * documents and their token counts, or why it cannot be stored as panels.
 */
final class FieldLayout {
  int dimension;
  int docCount;
  long totalTokens;
  int maxTokens;
  int[] docs = new int[16]; // by ordinal
  int[] tokenCounts = new int[16]; // by ordinal
  String problem; // null if every value is a matrix of one dimension

  private FieldLayout() {}

  /**
   * Scans the values; {@code expectedDimension} is the field's, or -1 to take the first value's.
   */
  static FieldLayout scan(MultiVectorValues values, int expectedDimension) throws IOException {
    FieldLayout layout = new FieldLayout();
    layout.dimension = expectedDimension;
    for (int doc = values.nextDoc(); doc != DocIdSetIterator.NO_MORE_DOCS; doc = values.nextDoc()) {
      final int dimension, tokens;
      try {
        dimension = values.dimension();
        tokens = values.tokenCount();
      } catch (IllegalArgumentException e) {
        layout.problem = e.getMessage();
        return layout;
      }
      if (layout.dimension == -1) {
        layout.dimension = dimension;
      } else if (dimension != layout.dimension) {
        layout.problem =
            "doc " + doc + " has dimension " + dimension + ", others " + layout.dimension;
        return layout;
      }
      layout.docs = ArrayUtil.grow(layout.docs, layout.docCount + 1);
      layout.tokenCounts = ArrayUtil.grow(layout.tokenCounts, layout.docCount + 1);
      layout.docs[layout.docCount] = doc;
      layout.tokenCounts[layout.docCount++] = tokens;
      layout.totalTokens += tokens;
      layout.maxTokens = Math.max(layout.maxTokens, tokens);
    }
    if (layout.dimension == -1) {
      layout.dimension = 1; // no values: any dimension describes them
    }
    return layout;
  }
}
