package dev.multivector.lucene.codec;

import static org.apache.lucene.tests.util.LuceneTestCase.assertArrayEquals;
import static org.apache.lucene.tests.util.LuceneTestCase.assertEquals;
import static org.apache.lucene.tests.util.LuceneTestCase.assertNull;
import static org.apache.lucene.tests.util.LuceneTestCase.assertTrue;

import dev.multivector.lucene.document.MultiVectorFieldConfig;
import java.io.IOException;
import java.util.HashMap;
import java.util.Map;
import java.util.Random;
import org.apache.lucene.document.LateInteractionField;
import org.apache.lucene.index.BinaryDocValues;
import org.apache.lucene.index.FieldInfo;
import org.apache.lucene.index.FloatVectorValues;
import org.apache.lucene.index.IndexReader;
import org.apache.lucene.index.LeafReader;
import org.apache.lucene.index.LeafReaderContext;
import org.apache.lucene.index.StoredFields;
import org.apache.lucene.search.DocIdSetIterator;
import org.apache.lucene.util.Bits;
import org.apache.lucene.util.BytesRef;
import org.apache.lucene.util.hnsw.HnswGraph;

/** Random matrices and bit-exact comparisons for multi-vector tests. */
final class MultiVectorTestUtil {

  private MultiVectorTestUtil() {}

  /**
   * A random matrix; occasionally with large, subnormal or negative-zero values. Magnitudes stay
   * below 1e15 so that dot products over up to 1,024 dimensions stay finite.
   */
  static float[][] randomMatrix(Random random, int tokens, int dim) {
    float[][] m = new float[tokens][dim];
    for (float[] row : m) {
      for (int i = 0; i < dim; i++) {
        row[i] =
            switch (random.nextInt(20)) {
              case 0 -> 1e15f * (random.nextBoolean() ? 1 : -1);
              case 1 -> Float.MIN_VALUE;
              case 2 -> -0f;
              default -> (float) random.nextGaussian();
            };
      }
      if (isZero(row)) {
        row[0] = 1; // COSINE refuses zero tokens
      }
    }
    return m;
  }

  private static boolean isZero(float[] row) {
    for (float x : row) {
      if (x != 0) {
        return false;
      }
    }
    return true;
  }

  /**
   * Every live document's id and matrix (null if it has none) in {@code field}, checking on the way
   * that each document's panels agree bit for bit with its {@code BinaryDocValues} bytes, and that
   * segments the codec stored as panels are read through the off-heap panel reader.
   */
  static Map<String, BytesRef> readAll(IndexReader reader, String field) throws IOException {
    Map<String, BytesRef> all = new HashMap<>();
    for (LeafReaderContext context : reader.leaves()) {
      LeafReader leaf = context.reader();
      FieldInfo info = leaf.getFieldInfos().fieldInfo(field);
      BinaryDocValues binary = leaf.getBinaryDocValues(field);
      if (info != null && MultiVectorDocValuesFormat.isStoredAsPanels(info) && binary.cost() > 0) {
        assertTrue("codec values are read as panels", binary instanceof MultiVectorValues);
      }
      MultiVectorValues values = binary == null ? null : MultiVectorValues.of(binary, field);
      Bits live = leaf.getLiveDocs();
      StoredFields stored = leaf.storedFields();
      for (int doc = 0; doc < leaf.maxDoc(); doc++) {
        if (live == null || live.get(doc)) {
          String id = stored.document(doc).get("id");
          BytesRef value = null;
          if (values != null && values.advanceExact(doc)) {
            value = BytesRef.deepCopyOf(values.binaryValue());
            assertMatrix(value, values);
          }
          assertNull("duplicate live id " + id, all.put(id, value));
        }
      }
    }
    return all;
  }

  /**
   * CheckIndex-style validation of a segment's token index ({@link TokenIndex#checkTokens}): it
   * holds every token of every document (deleted ones too) in field order, with the codes of the
   * stored token, each mapped back to its document.
   *
   * @return the number of tokens checked, 0 if the segment has no token index
   */
  static int checkTokenIndex(LeafReader leaf, String field) throws IOException {
    MultiVectorValues values = MultiVectorValues.of(leaf, field);
    if (values == null) {
      return 0;
    }
    TokenIndex index = values.tokenIndex();
    FieldInfo info = leaf.getFieldInfos().fieldInfo(field);
    MultiVectorFieldConfig config = MultiVectorFieldConfig.fromFieldInfo(info);
    boolean expectIndex =
        config != null
            && (config.tokenGraph() != null || config.centroidIndex() != null)
            && MultiVectorDocValuesFormat.isStoredAsPanels(info)
            && values.cost() > 0;
    assertEquals("segment has a token index", expectIndex, index != null);
    if (index == null) {
      return 0;
    }
    assertEquals(
        config.centroidIndex() != null ? CentroidTokenIndexFormat.NAME : HnswTokenIndexFormat.NAME,
        index.formatName());
    index.checkTokens(MultiVectorValues.of(leaf, field));
    int token = 0;
    for (int doc = values.nextDoc(); doc != DocIdSetIterator.NO_MORE_DOCS; doc = values.nextDoc()) {
      for (int t = 0; t < values.tokenCount(); t++, token++) {
        assertEquals("doc of token " + token, doc, index.docOfToken(token));
      }
    }
    assertEquals(index.tokenCount(), token);
    return token;
  }

  /** Asserts that {@code values}, positioned on a document, holds exactly {@code expected}. */
  static void assertMatrix(BytesRef expected, MultiVectorValues values) throws IOException {
    float[][] matrix = LateInteractionField.decode(expected);
    int dim = matrix[0].length;
    assertEquals(dim, values.dimension());
    assertEquals(matrix.length, values.tokenCount());
    float[] rows = new float[matrix.length * dim];
    values.readTokens(rows);
    for (int t = 0; t < matrix.length; t++) {
      for (int k = 0; k < dim; k++) {
        assertEquals(
            "token " + t + " component " + k,
            Float.floatToRawIntBits(matrix[t][k]),
            Float.floatToRawIntBits(rows[t * dim + k]));
      }
    }
    // The panels: tokens dimension-major, zero padding.
    int panels = PanelLayout.panelCount(matrix.length);
    float[] panelFloats = new float[panels * dim * PanelLayout.PANEL_TOKENS + 3];
    ((Float32PanelValues) values).readPanels(0, panels, panelFloats, 3);
    for (int p = 0; p < panels; p++) {
      for (int k = 0; k < dim; k++) {
        for (int lane = 0; lane < PanelLayout.PANEL_TOKENS; lane++) {
          int token = p * PanelLayout.PANEL_TOKENS + lane;
          float actual = panelFloats[3 + (p * dim + k) * PanelLayout.PANEL_TOKENS + lane];
          float want = token < matrix.length ? matrix[token][k] : 0f;
          assertEquals(
              "token " + token + " component " + k,
              Float.floatToRawIntBits(want),
              Float.floatToRawIntBits(actual));
        }
      }
    }
    BytesRef actual = values.binaryValue();
    assertArrayEquals(BytesRef.deepCopyOf(expected).bytes, BytesRef.deepCopyOf(actual).bytes);
  }
}
