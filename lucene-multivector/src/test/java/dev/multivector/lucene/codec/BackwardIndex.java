package dev.multivector.lucene.codec;

import dev.multivector.lucene.document.MultiVectorField;
import dev.multivector.lucene.document.MultiVectorFieldConfig;
import dev.multivector.lucene.document.SummaryVector;
import java.io.IOException;
import java.io.OutputStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Random;
import java.util.zip.ZipEntry;
import java.util.zip.ZipOutputStream;
import org.apache.lucene.document.Document;
import org.apache.lucene.document.Field;
import org.apache.lucene.document.LateInteractionField;
import org.apache.lucene.document.StoredField;
import org.apache.lucene.document.StringField;
import org.apache.lucene.index.IndexWriter;
import org.apache.lucene.index.IndexWriterConfig;
import org.apache.lucene.index.NoMergePolicy;
import org.apache.lucene.index.Term;
import org.apache.lucene.index.VectorSimilarityFunction;
import org.apache.lucene.store.FSDirectory;
import org.apache.lucene.util.IOUtils;

/**
 * Writes the small index that {@link TestBackwardCompatibility} reads: every on-disk structure of
 * this version (panels, token index, summary vectors flat and in a graph, hierarchical pooling,
 * a declared {@link LateInteractionField}, sparse fields, deletions, several segments). Each
 * document stores, as ordinary stored fields, the bytes its multi-vector fields were given, so a
 * later version checks what it reads without this version's code.
 *
 * <p>Run it when a release changes a format, and check the zip in beside the older ones:
 *
 * <pre>
 * java -cp ... dev.multivector.lucene.codec.BackwardIndex src-test-data/backward-indexes/index.VERSION.zip
 * </pre>
 */
public final class BackwardIndex {

  static final String ID = "id";
  static final String MULTI_VECTOR = "mv"; // DOT_PRODUCT, token graph, flat summary vectors
  static final String COSINE = "cos"; // COSINE, pooling 2, MAX summary vector in a graph
  static final String DECLARED = "li"; // a LateInteractionField named to the codec
  static final int DIMENSION = 8;
  static final int DOCS = 60;
  static final long SEED = 20261130L;

  static final MultiVectorFieldConfig MULTI_VECTOR_CONFIG =
      MultiVectorFieldConfig.builder(DIMENSION)
          .tokenGraph(new MultiVectorFieldConfig.Graph(8, 16))
          .build();
  static final MultiVectorFieldConfig COSINE_CONFIG =
      MultiVectorFieldConfig.builder(DIMENSION)
          .similarity(VectorSimilarityFunction.COSINE)
          .pooling(2, 1)
          .summaryVector(SummaryVector.MAX)
          .summaryGraph(new MultiVectorFieldConfig.Graph(8, 16))
          .build();

  private BackwardIndex() {}

  /** The stored field that holds the bytes given to a multi-vector field. */
  static String expectedField(String field) {
    return field + ".expected";
  }

  public static void main(String[] args) throws IOException {
    Path zip = Path.of(args[0]);
    Path dir = Files.createTempDirectory("backward-index");
    write(dir);
    try (OutputStream out = Files.newOutputStream(zip);
        ZipOutputStream zipOut = new ZipOutputStream(out)) {
      try (var files = Files.list(dir)) {
        for (Path file : files.sorted().toList()) {
          if (file.getFileName().toString().equals(IndexWriter.WRITE_LOCK_NAME)) {
            continue;
          }
          zipOut.putNextEntry(new ZipEntry(file.getFileName().toString()));
          Files.copy(file, zipOut);
          zipOut.closeEntry();
        }
      }
    }
    IOUtils.rm(dir);
    System.out.println("wrote " + zip);
  }

  static void write(Path path) throws IOException {
    Random random = new Random(SEED);
    IndexWriterConfig iwc =
        new IndexWriterConfig()
            .setCodec(new MultiVector104Codec(List.of(DECLARED)))
            .setMergePolicy(NoMergePolicy.INSTANCE)
            .setUseCompoundFile(false);
    try (FSDirectory dir = FSDirectory.open(path);
        IndexWriter writer = new IndexWriter(dir, iwc)) {
      for (int i = 0; i < DOCS; i++) {
        Document doc = new Document();
        doc.add(new StringField(ID, Integer.toString(i), Field.Store.YES));
        if (i % 7 != 3) { // sparse
          add(doc, new MultiVectorField(MULTI_VECTOR, matrix(random), MULTI_VECTOR_CONFIG));
        }
        if (i % 2 == 0) {
          add(doc, new MultiVectorField(COSINE, matrix(random), COSINE_CONFIG));
        }
        add(doc, new LateInteractionField(DECLARED, matrix(random)));
        writer.addDocument(doc);
        if (i % 20 == 19) {
          writer.commit(); // three segments
        }
      }
      writer.deleteDocuments(new Term(ID, "5"), new Term(ID, "22"), new Term(ID, "41"));
      writer.commit();
    }
  }

  private static void add(Document doc, Field field) {
    doc.add(field);
    doc.add(new StoredField(expectedField(field.name()), field.binaryValue()));
  }

  private static float[][] matrix(Random random) {
    float[][] m = new float[1 + random.nextInt(40)][DIMENSION];
    for (float[] row : m) {
      for (int k = 0; k < DIMENSION; k++) {
        row[k] = (float) random.nextGaussian();
      }
    }
    return m;
  }
}
