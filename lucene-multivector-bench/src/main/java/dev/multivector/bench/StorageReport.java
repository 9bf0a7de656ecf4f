package dev.multivector.bench;

import dev.multivector.lucene.codec.MultiVector104Codec;
import dev.multivector.lucene.document.MultiVectorField;
import dev.multivector.lucene.document.MultiVectorFieldConfig;
import dev.multivector.lucene.document.MultiVectorFieldConfig.Encoding;
import java.io.IOException;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.SplittableRandom;
import org.apache.lucene.document.Document;
import org.apache.lucene.index.IndexWriter;
import org.apache.lucene.index.IndexWriterConfig;
import org.apache.lucene.index.TieredMergePolicy;
import org.apache.lucene.store.FSDirectory;
import org.apache.lucene.util.IOUtils;

/**
 * Index bytes per token in each encoding: documents of several shapes indexed with
 * MultiVector104Codec, force-merged, measured on disk: the scoring copy (the float32 panels for
 * FLOAT32, the encoded panels for INT8 and BIT) and every file of the index (which keeps the raw
 * float32 vectors in every encoding), against the float32 floor, dim x 4 bytes, and that floor
 * plus the zero padding of each document's last panel.
 */
final class StorageReport {

  record Shape(String name, int dim, int docs, int minTokens, int maxTokens) {}

  record Row(Shape shape, Encoding encoding, long tokens, long paddedTokens, long scoringBytes, long indexBytes) {
    double bytesPerToken() {
      return (double) indexBytes / tokens;
    }

    double floorWithPadding() {
      return 4.0 * shape.dim * paddedTokens / tokens;
    }
  }

  static final List<Shape> DEFAULT_SHAPES =
      List.of(
          new Shape("ColBERT-like passages, 30-180 tokens, dim 48", 48, 20_000, 30, 180),
          new Shape("ColBERT-like passages, 30-180 tokens, dim 128", 128, 10_000, 30, 180),
          new Shape("ColPali-like pages, 1,024 tokens, dim 128", 128, 500, 1024, 1024));

  static List<Row> run(List<Shape> shapes, Path workDir) throws IOException {
    List<Row> rows = new ArrayList<>();
    for (Shape shape : shapes) {
      for (Encoding encoding : Encoding.values()) {
        rows.add(run(shape, encoding, workDir));
      }
    }
    return rows;
  }

  private static Row run(Shape shape, Encoding encoding, Path workDir) throws IOException {
    MultiVectorFieldConfig config = MultiVectorFieldConfig.builder(shape.dim).encoding(encoding).build();
    Path path = workDir.resolve("storage-" + shape.dim + "-" + shape.maxTokens);
    IOUtils.rm(path);
    SplittableRandom random = new SplittableRandom(shape.dim * 31L + shape.maxTokens);
    long tokens = 0, padded = 0;
    try (FSDirectory dir = FSDirectory.open(path)) {
      // No compound files: the scoring copy is measured as its own file.
      TieredMergePolicy mergePolicy = new TieredMergePolicy();
      mergePolicy.setNoCFSRatio(0);
      IndexWriterConfig iwc =
          new IndexWriterConfig()
              .setCodec(new MultiVector104Codec())
              .setRAMBufferSizeMB(256)
              .setUseCompoundFile(false)
              .setMergePolicy(mergePolicy);
      try (IndexWriter writer = new IndexWriter(dir, iwc)) {
        for (int d = 0; d < shape.docs; d++) {
          int n = random.nextInt(shape.minTokens, shape.maxTokens + 1);
          tokens += n;
          padded += (n + 15) / 16 * 16L; // whole 16-token panels
          Document doc = new Document();
          doc.add(new MultiVectorField("mv", randomMatrix(random, n, shape.dim), config));
          writer.addDocument(doc);
        }
        writer.forceMerge(1);
      }
      long total = 0, scoring = 0;
      String scoringFile = encoding == Encoding.FLOAT32 ? ".mvd" : ".mve";
      for (String file : dir.listAll()) {
        long length = dir.fileLength(file);
        total += length;
        if (file.endsWith(scoringFile)) {
          scoring += length;
        }
      }
      return new Row(shape, encoding, tokens, padded, scoring, total);
    } finally {
      IOUtils.rm(path);
    }
  }

  static void print(List<Row> rows) {
    System.out.println();
    System.out.println(
        "| documents | encoding | tokens | bytes/token (scoring copy) | bytes/token (whole index) | float32 floor dim x 4 | floor + panel padding | index / (floor + padding) |");
    System.out.println("|---|---|---|---|---|---|---|---|");
    for (Row r : rows) {
      System.out.printf(
          Locale.ROOT,
          "| %s | %s | %,d | %.1f | %.1f | %d | %.1f | %.3f |%n",
          r.shape.name,
          r.encoding,
          r.tokens,
          (double) r.scoringBytes / r.tokens,
          r.bytesPerToken(),
          4 * r.shape.dim,
          r.floorWithPadding(),
          r.bytesPerToken() / r.floorWithPadding());
    }
  }

  /** Uniform values: storage does not depend on them. */
  static float[][] randomMatrix(SplittableRandom random, int rows, int dim) {
    float[][] m = new float[rows][dim];
    for (float[] row : m) {
      for (int k = 0; k < dim; k++) {
        row[k] = (float) random.nextDouble(-1, 1);
      }
    }
    return m;
  }
}
