package dev.multivector.bench.jmh;

import dev.multivector.lucene.pooling.HierarchicalTokenPooler;
import java.util.Random;
import java.util.concurrent.TimeUnit;
import org.openjdk.jmh.annotations.Benchmark;
import org.openjdk.jmh.annotations.BenchmarkMode;
import org.openjdk.jmh.annotations.Fork;
import org.openjdk.jmh.annotations.Measurement;
import org.openjdk.jmh.annotations.Mode;
import org.openjdk.jmh.annotations.OutputTimeUnit;
import org.openjdk.jmh.annotations.Param;
import org.openjdk.jmh.annotations.Scope;
import org.openjdk.jmh.annotations.Setup;
import org.openjdk.jmh.annotations.State;
import org.openjdk.jmh.annotations.Warmup;

/**
 * Time to pool one document with {@link HierarchicalTokenPooler}: random unit-length tokens, of
 * the length ColBERT and ColPali models give. Run with {@code org.openjdk.jmh.Main
 * HierarchicalPoolingBenchmark}.
 */
@BenchmarkMode(Mode.AverageTime)
@OutputTimeUnit(TimeUnit.MILLISECONDS)
@State(Scope.Benchmark)
@Fork(value = 1, jvmArgsAppend = {"-Xmx2g"})
@Warmup(iterations = 3, time = 2)
@Measurement(iterations = 5, time = 2)
public class HierarchicalPoolingBenchmark {

  /** Tokens per document: a passage, a long passage, a ColPali page. */
  @Param({"128", "512", "1024"})
  public int tokens;

  @Param({"128"})
  public int dim;

  @Param({"2"})
  public int poolFactor;

  @Param({"1"})
  public int protectedTokens;

  private float[][] document;
  private HierarchicalTokenPooler pooler;

  @Setup
  public void setup() {
    Random random = new Random(42);
    document = new float[tokens][dim];
    for (float[] token : document) {
      double norm = 0;
      for (int k = 0; k < dim; k++) {
        token[k] = (float) random.nextGaussian();
        norm += token[k] * token[k];
      }
      for (int k = 0; k < dim; k++) {
        token[k] = (float) (token[k] / Math.sqrt(norm));
      }
    }
    pooler = new HierarchicalTokenPooler(poolFactor, protectedTokens);
  }

  @Benchmark
  public float[][] pool() {
    return pooler.pool(document);
  }
}
