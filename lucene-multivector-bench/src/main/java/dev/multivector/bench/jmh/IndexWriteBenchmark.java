package dev.multivector.bench.jmh;

import dev.multivector.lucene.codec.MultiVector104Codec;
import dev.multivector.lucene.document.MultiVectorField;
import java.io.IOException;
import java.util.ArrayList;
import java.util.List;
import java.util.SplittableRandom;
import java.util.concurrent.TimeUnit;
import org.apache.lucene.document.Document;
import org.apache.lucene.document.LateInteractionField;
import org.apache.lucene.index.IndexWriter;
import org.apache.lucene.index.IndexWriterConfig;
import org.apache.lucene.store.ByteBuffersDirectory;
import org.openjdk.jmh.annotations.Benchmark;
import org.openjdk.jmh.annotations.BenchmarkMode;
import org.openjdk.jmh.annotations.Fork;
import org.openjdk.jmh.annotations.Measurement;
import org.openjdk.jmh.annotations.Mode;
import org.openjdk.jmh.annotations.OperationsPerInvocation;
import org.openjdk.jmh.annotations.OutputTimeUnit;
import org.openjdk.jmh.annotations.Param;
import org.openjdk.jmh.annotations.Scope;
import org.openjdk.jmh.annotations.Setup;
import org.openjdk.jmh.annotations.State;
import org.openjdk.jmh.annotations.Warmup;

/**
 * Indexing throughput, one thread, at dim 128 x 128 tokens per document: documents added to an
 * {@link IndexWriter} (in-memory directory, one flush) and committed, per second. Each document
 * carries 64 KB of float32 values, so MB/s = docs/s x 65,536 / 1e6.
 *
 * <ul>
 *   <li>{@code multivector}: {@link MultiVectorField}s through {@link MultiVector104Codec} (panels
 *       written at flush, plus the summary vector);
 *   <li>{@code lucene}: Lucene's {@link LateInteractionField} through its default codec (binary
 *       doc values), for reference.
 * </ul>
 */
@State(Scope.Benchmark)
@BenchmarkMode(Mode.Throughput)
@OutputTimeUnit(TimeUnit.SECONDS)
@Warmup(iterations = 3, time = 3)
@Measurement(iterations = 5, time = 3)
@Fork(value = 1, jvmArgsAppend = {"-Xmx4g", "--add-modules", "jdk.incubator.vector"})
public class IndexWriteBenchmark {

  static final int DOCS = 1000;
  static final int DIM = 128;
  static final int TOKENS = 128;

  @Param({"multivector", "lucene"})
  public String format;

  private final List<float[][]> matrices = new ArrayList<>();

  @Setup
  public void setup() {
    SplittableRandom random = new SplittableRandom(42);
    for (int d = 0; d < DOCS; d++) {
      float[][] m = new float[TOKENS][DIM];
      for (float[] row : m) {
        for (int k = 0; k < DIM; k++) {
          row[k] = (float) random.nextDouble(-1, 1);
        }
      }
      matrices.add(m);
    }
  }

  @Benchmark
  @OperationsPerInvocation(DOCS)
  public long index() throws IOException {
    boolean ours = format.equals("multivector");
    IndexWriterConfig config = new IndexWriterConfig().setRAMBufferSizeMB(1024);
    if (ours) {
      config.setCodec(new MultiVector104Codec());
    }
    try (ByteBuffersDirectory dir = new ByteBuffersDirectory();
        IndexWriter writer = new IndexWriter(dir, config)) {
      for (float[][] m : matrices) {
        Document doc = new Document();
        doc.add(ours ? new MultiVectorField("mv", m) : new LateInteractionField("mv", m));
        writer.addDocument(doc);
      }
      writer.commit();
      return dir.listAll().length;
    }
  }
}
