package dev.multivector.bench.jmh;

import dev.multivector.lucene.internal.vectorization.BitMaxSimKernel;
import dev.multivector.lucene.internal.vectorization.Float32MaxSimKernel;
import dev.multivector.lucene.internal.vectorization.Int8MaxSimKernel;
import dev.multivector.lucene.internal.vectorization.KernelProvider;
import java.lang.foreign.Arena;
import java.lang.foreign.MemorySegment;
import java.lang.foreign.ValueLayout;
import java.util.concurrent.TimeUnit;
import org.apache.lucene.index.VectorSimilarityFunction;
import org.apache.lucene.search.LateInteractionFloatValuesSource;
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
 * MaxSim throughput of one thread, in documents scored per second, at the shapes of the native
 * roofline ({@code shared/tools/roofline/run.sh}): dimension x document tokens x query tokens,
 * over as many documents as the roofline streams, so both read from memory alike.
 *
 * <ul>
 *   <li>{@code panels}: this project's kernel over the codec's panel layout (the Panama kernel
 *       under {@code --add-modules jdk.incubator.vector}, the plain-Java one with {@code
 *       -Ddev.multivector.simd.kernel=scalar});
 *   <li>{@code int8Panels}, {@code bitPanels}: the kernels of the INT8 and BIT encodings over
 *       their panels of the same tokens (for BIT, a binarised query: Hamming distances);
 *   <li>{@code luceneBuiltin}: Lucene's {@code LateInteractionFloatValuesSource} scoring function
 *       on already-decoded {@code float[][]} matrices (its best case: at query time it also decodes
 *       every document), DOT_PRODUCT.
 * </ul>
 *
 * GFLOP/s = 2 x dim x docTokens x queryTokens x docs/s / 1e9.
 */
@State(Scope.Benchmark)
@BenchmarkMode(Mode.Throughput)
@OutputTimeUnit(TimeUnit.SECONDS)
@Warmup(iterations = 3, time = 2)
@Measurement(iterations = 5, time = 2)
@Fork(value = 1, jvmArgsAppend = {"-Xmx8g", "--add-modules", "jdk.incubator.vector"})
public class MaxSimKernelBenchmark {

  /** The forked JVM's arguments, as in {@code @Fork} (annotations need a literal). */
  public static final String[] JVM_ARGS = {"-Xmx8g", "--add-modules", "jdk.incubator.vector"};

  /** Documents scored per benchmark invocation. */
  static final int BATCH = 64;

  /**
   * dim x document tokens x query tokens x documents: the roofline's shapes, and short text
   * queries at a wide dimension (bge-small tokens on a text collection).
   */
  @Param({"128x128x32x20000", "128x1024x20x1230", "48x300x32x20000", "384x70x10x20000"})
  public String shape;

  private int dim, docTokens, docs;
  private float[] query;
  private float[][] queryMatrix;
  private float[] panels; // every document's panels, back to back
  private int docFloats;
  private float[][][] matrices; // for Lucene's built-in
  private float[] maxima;
  private MemorySegment segment; // the panels, as the kernel reads them

  private static final Float32MaxSimKernel KERNEL = KernelProvider.float32();
  private static final Int8MaxSimKernel INT8 = KernelProvider.int8MaxSim();
  private static final BitMaxSimKernel BIT = KernelProvider.bitMaxSim();
  private MemorySegment int8Segment, bitSegment; // the same tokens in the INT8 and BIT layouts
  private int int8DocBytes, bitDocBytes;
  private int[] queryWords; // the binarised query
  private int next;

  @Setup
  public void setup() {
    String[] parts = shape.split("x");
    dim = Integer.parseInt(parts[0]);
    docTokens = Integer.parseInt(parts[1]);
    int queryTokens = Integer.parseInt(parts[2]);
    docs = Integer.parseInt(parts[3]);
    long seed = 42;
    queryMatrix = new float[queryTokens][dim];
    query = new float[queryTokens * dim];
    for (int i = 0; i < queryTokens; i++) {
      for (int k = 0; k < dim; k++) {
        seed = next(seed);
        queryMatrix[i][k] = query[i * dim + k] = value(seed);
      }
    }
    docFloats = (docTokens + 15) / 16 * 16 * dim; // 16-token panels
    panels = new float[Math.multiplyExact(docFloats, docs)];
    for (int d = 0; d < docs; d++) {
      for (int t = 0; t < docTokens; t++) {
        for (int k = 0; k < dim; k++) {
          seed = next(seed);
          panels[d * docFloats + ((t / 16) * dim + k) * 16 + t % 16] = value(seed);
        }
      }
    }
    segment = offHeap(MemorySegment.ofArray(panels)); // native order: little-endian, as kernels read
    encode(queryTokens);
    maxima = Float32MaxSimKernel.newMaxima(queryTokens);
    System.out.println("\nMaxSim kernel: " + KernelProvider.name());
  }

  /**
   * An off-heap copy: the codec's panels are memory-mapped, and the Vector API compiles loads of
   * one type from a heap array of another (ints from a byte[]) to a slow path.
   */
  private static MemorySegment offHeap(MemorySegment heap) {
    MemorySegment copy = Arena.ofAuto().allocate(heap.byteSize(), 64);
    MemorySegment.copy(heap, 0, copy, 0, heap.byteSize());
    return copy;
  }

  /**
   * The INT8 and BIT panels of the same tokens: each token's codes at its own scale, and sign
   * bits with a scale of 1 (the kernels' speed does not depend on the values).
   */
  private void encode(int queryTokens) {
    int panelsPerDoc = (docTokens + 15) / 16;
    int words = BitMaxSimKernel.words(dim);
    int8DocBytes = panelsPerDoc * Int8MaxSimKernel.panelBytes(dim);
    bitDocBytes = panelsPerDoc * BitMaxSimKernel.panelBytes(dim);
    int8Segment = Arena.ofAuto().allocate(Math.multiplyExact((long) int8DocBytes, docs), 64);
    bitSegment = Arena.ofAuto().allocate(Math.multiplyExact((long) bitDocBytes, docs), 64);
    for (int d = 0; d < docs; d++) {
      for (int p = 0; p < panelsPerDoc; p++) {
        long int8Panel = (long) d * int8DocBytes + (long) p * Int8MaxSimKernel.panelBytes(dim);
        long bitPanel = (long) d * bitDocBytes + (long) p * BitMaxSimKernel.panelBytes(dim);
        for (int j = 0; j < 16; j++) {
          for (int k = 0; k < dim; k++) {
            float x = panels[d * docFloats + (p * dim + k) * 16 + j];
            int8Segment.set(ValueLayout.JAVA_BYTE, int8Panel + k * 16 + j, (byte) Math.max(-127, Math.min(127, Math.round(x * 254))));
            if (x > 0) {
              long word = bitPanel + ((k / 32) * 16 + j) * 4L;
              bitSegment.set(ValueLayout.JAVA_INT_UNALIGNED, word, bitSegment.get(ValueLayout.JAVA_INT_UNALIGNED, word) | 1 << (k % 32));
            }
          }
          int8Segment.set(ValueLayout.JAVA_FLOAT_UNALIGNED, int8Panel + 16L * dim + 4L * j, 1f / 254);
          bitSegment.set(ValueLayout.JAVA_FLOAT_UNALIGNED, bitPanel + (words * 16L + j) * 4, 1f);
        }
      }
    }
    queryWords = new int[queryTokens * words];
    for (int i = 0; i < queryTokens; i++) {
      for (int k = 0; k < dim; k++) {
        if (query[i * dim + k] > 0) {
          queryWords[i * words + k / 32] |= 1 << (k % 32);
        }
      }
    }
  }

  /** Lucene's layout is built only when its benchmark runs: the two copies need not coexist. */
  private float[][][] matrices() {
    if (matrices == null) {
      matrices = new float[docs][docTokens][dim];
      for (int d = 0; d < docs; d++) {
        for (int t = 0; t < docTokens; t++) {
          for (int k = 0; k < dim; k++) {
            matrices[d][t][k] = panels[d * docFloats + ((t / 16) * dim + k) * 16 + t % 16];
          }
        }
      }
      panels = null;
    }
    return matrices;
  }

  private static long next(long x) {
    x ^= x << 13;
    x ^= x >>> 7;
    x ^= x << 17;
    return x;
  }

  private static float value(long bits) {
    return ((bits >>> 40) / (float) (1 << 24)) - 0.5f;
  }

  @Benchmark
  @OperationsPerInvocation(BATCH)
  public float panels() {
    float sum = 0;
    for (int i = 0; i < BATCH; i++) {
      int d = next++ % docs;
      Float32MaxSimKernel.resetMaxima(maxima);
      KERNEL.accumulate(query, dim, segment, (long) d * docFloats * Float.BYTES, docTokens, maxima);
      sum += Float32MaxSimKernel.sumOfMaxima(maxima, query.length / dim);
    }
    return sum;
  }

  @Benchmark
  @OperationsPerInvocation(BATCH)
  public float int8Panels() {
    float sum = 0;
    for (int i = 0; i < BATCH; i++) {
      int d = next++ % docs;
      Float32MaxSimKernel.resetMaxima(maxima);
      INT8.accumulate(query, dim, int8Segment, (long) d * int8DocBytes, docTokens, maxima);
      sum += Float32MaxSimKernel.sumOfMaxima(maxima, query.length / dim);
    }
    return sum;
  }

  @Benchmark
  @OperationsPerInvocation(BATCH)
  public float bitPanels() {
    float sum = 0;
    for (int i = 0; i < BATCH; i++) {
      int d = next++ % docs;
      Float32MaxSimKernel.resetMaxima(maxima);
      BIT.accumulate(queryWords, dim, bitSegment, (long) d * bitDocBytes, docTokens, maxima);
      sum += Float32MaxSimKernel.sumOfMaxima(maxima, query.length / dim);
    }
    return sum;
  }

  @Benchmark
  @OperationsPerInvocation(BATCH)
  public float luceneBuiltin() {
    float[][][] m = matrices();
    float sum = 0;
    for (int i = 0; i < BATCH; i++) {
      int d = next++ % docs;
      sum +=
          LateInteractionFloatValuesSource.ScoreFunction.SUM_MAX_SIM.compare(
              queryMatrix, m[d], VectorSimilarityFunction.DOT_PRODUCT);
    }
    return sum;
  }
}
