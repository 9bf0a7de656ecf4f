package dev.multivector.lucene.codec;

import static dev.multivector.lucene.codec.MultiVectorTestUtil.assertMatrix;
import static dev.multivector.lucene.codec.MultiVectorTestUtil.randomMatrix;

import dev.multivector.lucene.document.MultiVectorField;
import dev.multivector.lucene.document.MultiVectorFieldConfig;
import java.io.IOException;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import org.apache.lucene.document.Document;
import org.apache.lucene.document.Field;
import org.apache.lucene.document.LateInteractionField;
import org.apache.lucene.document.NumericDocValuesField;
import org.apache.lucene.document.StringField;
import org.apache.lucene.index.BinaryDocValues;
import org.apache.lucene.index.DirectoryReader;
import org.apache.lucene.index.FieldInfo;
import org.apache.lucene.index.IndexReader;
import org.apache.lucene.index.IndexWriter;
import org.apache.lucene.index.IndexWriterConfig;
import org.apache.lucene.index.LeafReader;
import org.apache.lucene.index.LeafReaderContext;
import org.apache.lucene.index.StoredFields;
import org.apache.lucene.index.Term;
import org.apache.lucene.index.VectorSimilarityFunction;
import org.apache.lucene.search.DocIdSetIterator;
import org.apache.lucene.search.Sort;
import org.apache.lucene.search.SortField;
import org.apache.lucene.store.Directory;
import org.apache.lucene.tests.util.LuceneTestCase;
import org.apache.lucene.tests.util.TestUtil;
import org.apache.lucene.util.Bits;
import org.apache.lucene.util.BytesRef;

/**
 * Randomized round trips through {@link MultiVector104Codec}: every stored matrix is compared bit for
 * bit with what was indexed, through the panels and through {@code BinaryDocValues}, across
 * segments, merges, deletions, updates, sparse fields, index sorting and NRT reopens.
 */
public class TestMultiVectorDocValuesFormat extends LuceneTestCase {

  private static final String FIELD = "mv";

  private static int randomDimension() {
    return switch (random().nextInt(10)) {
      case 0 -> 1;
      case 1 -> TestUtil.nextInt(random(), 512, MultiVectorFieldConfig.MAX_DIMENSION);
      default -> TestUtil.nextInt(random(), 2, 160);
    };
  }

  private static int randomTokenCount(int dim) {
    int max = dim > 256 ? 40 : 300;
    return random().nextInt(5) == 0 ? TestUtil.nextInt(random(), 1, 3) : TestUtil.nextInt(random(), 1, max);
  }

  public void testRandomRoundTrips() throws Exception {
    int dim = randomDimension();
    MultiVectorFieldConfig config =
        MultiVectorFieldConfig.builder(dim)
            .similarity(
                random().nextBoolean()
                    ? VectorSimilarityFunction.DOT_PRODUCT
                    : VectorSimilarityFunction.COSINE)
            .tokenGraph(random().nextBoolean() ? new MultiVectorFieldConfig.Graph(8, 16) : null)
            .summaryGraph(random().nextBoolean() ? new MultiVectorFieldConfig.Graph(8, 16) : null)
            // The raw vectors are kept in every encoding: the round trip stays bit for bit.
            .encoding(MultiVectorFieldConfig.Encoding.values()[random().nextInt(3)])
            .build();
    boolean sorted = random().nextBoolean();
    double missingRate = random().nextBoolean() ? 0 : 0.3;
    IndexWriterConfig iwc = newIndexWriterConfig().setCodec(new MultiVector104Codec());
    if (sorted) {
      iwc.setIndexSort(new Sort(new SortField("sort", SortField.Type.LONG, random().nextBoolean())));
    }
    Map<String, BytesRef> expected = new HashMap<>(); // id -> stored matrix; null: no value
    try (Directory dir = newDirectory();
        IndexWriter writer = new IndexWriter(dir, iwc)) {
      DirectoryReader reader = null;
      int numOps = atLeast(dim > 256 ? 40 : 150);
      for (int op = 0; op < numOps; op++) {
        String id = Integer.toString(random().nextInt(numOps));
        int action = random().nextInt(100);
        if (action < 75) {
          Document doc = new Document();
          doc.add(new StringField("id", id, Field.Store.YES));
          doc.add(new NumericDocValuesField("sort", random().nextInt(1000)));
          BytesRef value = null;
          if (random().nextDouble() >= missingRate) {
            MultiVectorField field =
                new MultiVectorField(FIELD, randomMatrix(random(), randomTokenCount(dim), dim), config);
            value = BytesRef.deepCopyOf(field.binaryValue());
            doc.add(field);
          }
          writer.updateDocument(new Term("id", id), doc);
          expected.put(id, value);
        } else if (action < 85) {
          writer.deleteDocuments(new Term("id", id));
          expected.remove(id);
        } else if (action < 92) {
          DirectoryReader newReader =
              reader == null
                  ? DirectoryReader.open(writer)
                  : DirectoryReader.openIfChanged(reader, writer);
          if (newReader != null) {
            if (reader != null) {
              reader.close();
            }
            reader = newReader;
          }
          assertIndexHolds(reader, expected);
        } else if (action < 97) {
          writer.commit();
        } else {
          writer.forceMerge(TestUtil.nextInt(random(), 1, 3));
        }
      }
      if (reader != null) {
        reader.close();
      }
      writer.forceMerge(1);
      try (DirectoryReader merged = DirectoryReader.open(writer)) {
        assertIndexHolds(merged, expected);
      }
      writer.commit();
      TestUtil.checkIndex(dir);
    }
  }

  /** The index holds exactly {@code expected}: same documents, same matrices, bit for bit. */
  static void assertIndexHolds(IndexReader reader, Map<String, BytesRef> expected)
      throws IOException {
    assertEquals(expected, MultiVectorTestUtil.readAll(reader, FIELD));
    for (LeafReaderContext context : reader.leaves()) {
      MultiVectorTestUtil.checkTokenIndex(context.reader(), FIELD);
      // A fresh iterator walks exactly the documents with values.
      LeafReader leaf = context.reader();
      BinaryDocValues binary = leaf.getBinaryDocValues(FIELD);
      if (binary == null) {
        continue;
      }
      MultiVectorValues values = MultiVectorValues.of(binary, FIELD);
      Bits live = leaf.getLiveDocs();
      StoredFields stored = leaf.storedFields();
      int withValue = 0;
      for (int doc = values.nextDoc(); doc != DocIdSetIterator.NO_MORE_DOCS; doc = values.nextDoc()) {
        if (live == null || live.get(doc)) {
          assertMatrix(expected.get(stored.document(doc).get("id")), values);
          withValue++;
        }
      }
      int expectedWithValue = 0;
      for (int doc = 0; doc < leaf.maxDoc(); doc++) {
        if ((live == null || live.get(doc)) && expected.get(stored.document(doc).get("id")) != null) {
          expectedWithValue++;
        }
      }
      assertEquals(expectedWithValue, withValue);
    }
  }

  /** Lucene's own LateInteractionField values, declared to the codec, are stored as panels. */
  public void testDeclaredLateInteractionField() throws Exception {
    int dim = randomDimension();
    Map<String, BytesRef> expected = new HashMap<>();
    try (Directory dir = newDirectory()) {
      // Written by plain Lucene first...
      try (IndexWriter writer = new IndexWriter(dir, newIndexWriterConfig())) {
        addLateInteractionDocs(writer, dim, 0, atLeast(20), expected);
      }
      // ...then by MultiVector104Codec with the field declared: new segments and merges use panels.
      IndexWriterConfig iwc =
          newIndexWriterConfig().setCodec(new MultiVector104Codec(List.of(FIELD)));
      try (IndexWriter writer = new IndexWriter(dir, iwc)) {
        addLateInteractionDocs(writer, dim, 1000, atLeast(20), expected);
        writer.commit();
        try (DirectoryReader reader = DirectoryReader.open(writer)) {
          assertIndexHolds(reader, expected);
        }
        writer.forceMerge(1);
        try (DirectoryReader reader = DirectoryReader.open(writer)) {
          assertIndexHolds(reader, expected);
          FieldInfo info = reader.leaves().get(0).reader().getFieldInfos().fieldInfo(FIELD);
          assertTrue(MultiVectorDocValuesFormat.isStoredAsPanels(info));
          assertEquals(dim, MultiVectorFieldConfig.fromFieldInfo(info).dimension());
        }
      }
      TestUtil.checkIndex(dir);
    }
  }

  private static void addLateInteractionDocs(
      IndexWriter writer, int dim, int firstId, int count, Map<String, BytesRef> expected)
      throws IOException {
    for (int i = 0; i < count; i++) {
      String id = Integer.toString(firstId + i);
      Document doc = new Document();
      doc.add(new StringField("id", id, Field.Store.YES));
      float[][] matrix = randomMatrix(random(), randomTokenCount(dim), dim);
      if (random().nextInt(10) == 0) {
        matrix[0][0] = Float.NaN; // Lucene accepts it; stored bit for bit all the same
      }
      LateInteractionField field = new LateInteractionField(FIELD, matrix);
      expected.put(id, BytesRef.deepCopyOf(field.binaryValue()));
      doc.add(field);
      writer.addDocument(doc);
    }
  }

  /** A declared field whose values do not share one dimension stays with the delegate, intact. */
  public void testDeclaredFieldWithMixedDimensionsKeepsDelegateStorage() throws Exception {
    Map<String, BytesRef> expected = new HashMap<>();
    IndexWriterConfig iwc = newIndexWriterConfig().setCodec(new MultiVector104Codec(List.of(FIELD)));
    try (Directory dir = newDirectory();
        IndexWriter writer = new IndexWriter(dir, iwc)) {
      addLateInteractionDocs(writer, 8, 0, 5, expected);
      addLateInteractionDocs(writer, 9, 100, 5, expected);
      writer.forceMerge(1);
      try (DirectoryReader reader = DirectoryReader.open(writer)) {
        FieldInfo info = reader.leaves().get(0).reader().getFieldInfos().fieldInfo(FIELD);
        assertEquals(
            MultiVectorDocValuesFormat.STORAGE_DELEGATE,
            info.getAttribute(MultiVectorDocValuesFormat.STORAGE_KEY));
        assertIndexHolds(reader, expected);
      }
    }
  }

  /** A segment whose documents all lack the field, and a field with no live documents. */
  public void testNoValues() throws Exception {
    MultiVectorFieldConfig config = MultiVectorFieldConfig.builder(4).build();
    IndexWriterConfig iwc = newIndexWriterConfig().setCodec(new MultiVector104Codec());
    try (Directory dir = newDirectory();
        IndexWriter writer = new IndexWriter(dir, iwc)) {
      Document doc = new Document();
      doc.add(new StringField("id", "0", Field.Store.YES));
      doc.add(new MultiVectorField(FIELD, new float[][] {{1, 2, 3, 4}}, config));
      writer.addDocument(doc);
      writer.deleteDocuments(new Term("id", "0"));
      Document other = new Document();
      other.add(new StringField("id", "1", Field.Store.YES));
      writer.addDocument(other);
      writer.commit();
      writer.forceMerge(1);
      Map<String, BytesRef> expected = new HashMap<>();
      expected.put("1", null);
      try (DirectoryReader reader = DirectoryReader.open(writer)) {
        assertIndexHolds(reader, expected);
      }
    }
  }

  /** addIndexes, from directories and from readers, keeps every matrix. */
  public void testAddIndexes() throws Exception {
    int dim = TestUtil.nextInt(random(), 1, 64);
    MultiVectorFieldConfig config = MultiVectorFieldConfig.builder(dim).build();
    Map<String, BytesRef> expected = new HashMap<>();
    try (Directory source = newDirectory();
        Directory target = newDirectory()) {
      try (IndexWriter writer =
          new IndexWriter(source, newIndexWriterConfig().setCodec(new MultiVector104Codec()))) {
        for (int i = 0; i < atLeast(30); i++) {
          Document doc = new Document();
          doc.add(new StringField("id", "s" + i, Field.Store.YES));
          MultiVectorField field =
              new MultiVectorField(FIELD, randomMatrix(random(), randomTokenCount(dim), dim), config);
          expected.put("s" + i, BytesRef.deepCopyOf(field.binaryValue()));
          doc.add(field);
          writer.addDocument(doc);
        }
      }
      try (IndexWriter writer =
          new IndexWriter(target, newIndexWriterConfig().setCodec(new MultiVector104Codec()))) {
        if (random().nextBoolean()) {
          writer.addIndexes(source);
        } else {
          try (DirectoryReader reader = DirectoryReader.open(source)) {
            List<org.apache.lucene.index.CodecReader> readers = new ArrayList<>();
            for (LeafReaderContext context : reader.leaves()) {
              readers.add((org.apache.lucene.index.CodecReader) context.reader());
            }
            writer.addIndexes(readers.toArray(org.apache.lucene.index.CodecReader[]::new));
          }
        }
        writer.commit();
        try (DirectoryReader reader = DirectoryReader.open(writer)) {
          assertIndexHolds(reader, expected);
        }
      }
      TestUtil.checkIndex(target);
    }
  }
}
