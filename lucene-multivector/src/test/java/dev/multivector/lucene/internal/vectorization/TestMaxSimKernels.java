package dev.multivector.lucene.internal.vectorization;

import dev.multivector.lucene.MaxSimReference;
import java.lang.foreign.Arena;
import java.lang.foreign.MemorySegment;
import java.lang.invoke.MethodHandles;
import java.lang.invoke.MethodType;
import java.util.ArrayList;
import java.util.List;
import java.util.Random;
import org.apache.lucene.tests.util.LuceneTestCase;
import org.apache.lucene.tests.util.TestUtil;

/**
 * Every available kernel against a double-precision MaxSim, at shapes that cross panel and block
 * boundaries. With jdk.incubator.vector the Panama kernel runs at 512, 256 and 128 bits.
 */
public class TestMaxSimKernels extends LuceneTestCase {

  static List<Float32MaxSimKernel> kernels() throws Throwable {
    List<Float32MaxSimKernel> kernels = new ArrayList<>();
    kernels.add(ScalarFloat32MaxSimKernel.INSTANCE);
    if (ModuleLayer.boot().findModule("jdk.incubator.vector").isPresent()) {
      var create =
          MethodHandles.lookup()
              .findStatic(
                  Class.forName(KernelProvider.class.getPackageName() + ".PanamaFloat32MaxSimKernel"),
                  "forBitSize",
                  MethodType.methodType(Float32MaxSimKernel.class, int.class));
      for (int bits : new int[] {128, 256, 512}) {
        kernels.add((Float32MaxSimKernel) create.invoke(bits));
      }
    }
    return kernels;
  }

  /** Packs row-major tokens into panels at {@code offset}; the rest of the array is garbage. */
  static float[] toPanels(float[][] doc, int offset, Random random) {
    int dim = doc[0].length;
    int panels = (doc.length + 15) / 16;
    float[] out = new float[offset + panels * dim * 16 + 5];
    for (int i = 0; i < out.length; i++) {
      out[i] = 1e6f * random.nextFloat(); // anything read by mistake shows
    }
    for (int p = 0; p < panels; p++) {
      for (int k = 0; k < dim; k++) {
        for (int lane = 0; lane < 16; lane++) {
          int t = p * 16 + lane;
          out[offset + (p * dim + k) * 16 + lane] = t < doc.length ? doc[t][k] : 0f;
        }
      }
    }
    return out;
  }

  /**
   * MaxSim through {@code accumulate}, over runs of a random number of panels, read from the heap
   * array or from a copy off-heap at a random, possibly unaligned, byte position (as mapped index
   * data is read).
   */
  static float maxSim(Float32MaxSimKernel kernel, float[][] query, float[] panels, int offset, int tokens, Random random) {
    int dim = query[0].length;
    MemorySegment segment = MemorySegment.ofArray(panels);
    long start = (long) offset * Float.BYTES;
    if (random.nextBoolean()) {
      int shift = random.nextInt(8);
      MemorySegment offHeap = Arena.ofAuto().allocate(segment.byteSize() + shift);
      MemorySegment.copy(segment, 0, offHeap, shift, segment.byteSize());
      segment = offHeap;
      start += shift;
    }
    float[] maxima = Float32MaxSimKernel.newMaxima(query.length);
    int panelCount = (tokens + 15) / 16;
    for (int p = 0; p < panelCount; ) {
      int run = Math.min(panelCount - p, 1 + random.nextInt(4));
      int runTokens = Math.min(tokens - p * 16, run * 16);
      kernel.accumulate(flatten(query), dim, segment, start + (long) p * dim * 16 * Float.BYTES, runTokens, maxima);
      p += run;
    }
    return Float32MaxSimKernel.sumOfMaxima(maxima, query.length);
  }

  static float[] flatten(float[][] query) {
    int dim = query[0].length;
    float[] out = new float[query.length * dim];
    for (int i = 0; i < query.length; i++) {
      System.arraycopy(query[i], 0, out, i * dim, dim);
    }
    return out;
  }

  static float[][] matrix(Random random, int rows, int dim, boolean negative) {
    float[][] m = new float[rows][dim];
    for (float[] row : m) {
      for (int k = 0; k < dim; k++) {
        row[k] = negative ? -Math.abs((float) random.nextGaussian()) : (float) random.nextGaussian();
      }
    }
    return m;
  }

  public void testAgainstReference() throws Throwable {
    int[] tokenCounts = {1, 2, 15, 16, 17, 31, 32, 33, 47, 48, 49, 64, 100, 257};
    for (Float32MaxSimKernel kernel : kernels()) {
      for (int iter = 0; iter < atLeast(60); iter++) {
        int dim = random().nextBoolean() ? TestUtil.nextInt(random(), 1, 20) : TestUtil.nextInt(random(), 21, 300);
        int docTokens = tokenCounts[random().nextInt(tokenCounts.length)];
        // Up to 40: several passes of four query tokens and every remainder.
        int queryTokens = TestUtil.nextInt(random(), 1, 40);
        // Query and document of opposite signs: every dot product is negative, so a zero-padded
        // token that escaped the mask would win the maximum.
        boolean negative = random().nextInt(3) == 0;
        float[][] doc = matrix(random(), docTokens, dim, false);
        float[][] query = matrix(random(), queryTokens, dim, false);
        if (negative) {
          doc = matrix(random(), docTokens, dim, true);
          for (float[] q : query) {
            for (int k = 0; k < dim; k++) {
              q[k] = Math.abs(q[k]);
            }
          }
        }
        int offset = random().nextInt(40);
        float actual = maxSim(kernel, query, toPanels(doc, offset, random()), offset, docTokens, random());
        double expected = MaxSimReference.maxSim(query, doc);
        double tolerance = 1e-5 + 1e-6 * dim * queryTokens * Math.max(1, Math.abs(expected) / queryTokens);
        assertEquals(
            kernel.name() + " dim=" + dim + " doc=" + docTokens + " query=" + queryTokens,
            expected,
            actual,
            tolerance);
      }
    }
  }

  /**
   * {@code nearest} against a double-precision argmax of dot product minus bias: the token it
   * picks scores within rounding of the best, a later copy of that token (a tie) never wins, and
   * a row whose {@code best} already beats every token is left alone.
   */
  public void testNearest() throws Throwable {
    int[] tokenCounts = {1, 2, 15, 16, 17, 31, 33, 63, 64, 65, 100, 257};
    for (Float32MaxSimKernel kernel : kernels()) {
      for (int iter = 0; iter < atLeast(40); iter++) {
        int dim = TestUtil.nextInt(random(), 1, 200);
        int tokens = tokenCounts[random().nextInt(tokenCounts.length)];
        int rows = TestUtil.nextInt(random(), 1, 40);
        float[][] centroids = matrix(random(), tokens, dim, false);
        float[] bias = new float[tokens];
        for (int c = 0; c < tokens; c++) {
          bias[c] = (float) random().nextGaussian() * dim / 4;
        }
        float[][] batch = matrix(random(), rows, dim, false);
        int offset = random().nextInt(40);
        float[] panels = toPanels(centroids, offset, random());
        int[] out = new int[rows];
        float[] best = new float[rows];
        java.util.Arrays.fill(best, Float.NEGATIVE_INFINITY);
        int untouched = random().nextInt(rows);
        best[untouched] = Float.MAX_VALUE;
        out[untouched] = -7;
        kernel.nearest(flatten(batch), dim, MemorySegment.ofArray(panels), (long) offset * Float.BYTES, tokens, bias, out, best);
        String where = kernel.name() + " dim=" + dim + " tokens=" + tokens + " rows=" + rows;
        assertEquals(where, -7, out[untouched]);
        for (int i = 0; i < rows; i++) {
          if (i == untouched) {
            continue;
          }
          double max = Double.NEGATIVE_INFINITY;
          for (int c = 0; c < tokens; c++) {
            max = Math.max(max, dot(batch[i], centroids[c]) - bias[c]);
          }
          double tolerance = 1e-4 * (1 + Math.abs(max)) * Math.sqrt(dim);
          assertEquals(where, max, dot(batch[i], centroids[out[i]]) - bias[out[i]], tolerance);
          assertEquals(where, max, best[i], tolerance);
        }
        if (tokens > 1) {
          // Row 0's winner copied over a later token: the copy ties, and the first must still win.
          int winner = out[0] == -7 ? 0 : out[0];
          int copy = TestUtil.nextInt(random(), winner, tokens - 1);
          if (copy != winner) {
            centroids[copy] = centroids[winner].clone();
            bias[copy] = bias[winner];
            panels = toPanels(centroids, offset, random());
            java.util.Arrays.fill(best, Float.NEGATIVE_INFINITY);
            kernel.nearest(flatten(batch), dim, MemorySegment.ofArray(panels), (long) offset * Float.BYTES, tokens, bias, out, best);
            assertTrue(where + " chose " + out[0] + ", a copy of an earlier token", out[0] != copy);
          }
        }
      }
    }
  }

  /**
   * {@code dotProducts} against double-precision dot products; the scores past each row's tokens
   * (up to the stride) are left as they were.
   */
  public void testDotProducts() throws Throwable {
    int[] tokenCounts = {1, 2, 15, 16, 17, 31, 33, 63, 64, 65, 100, 257};
    for (Float32MaxSimKernel kernel : kernels()) {
      for (int iter = 0; iter < atLeast(40); iter++) {
        int dim = TestUtil.nextInt(random(), 1, 200);
        int tokens = tokenCounts[random().nextInt(tokenCounts.length)];
        int rows = TestUtil.nextInt(random(), 1, 40);
        int stride = tokens + random().nextInt(20);
        float[][] centroids = matrix(random(), tokens, dim, false);
        float[][] batch = matrix(random(), rows, dim, false);
        int offset = random().nextInt(40);
        float[] scores = new float[rows * stride];
        java.util.Arrays.fill(scores, 42f);
        kernel.dotProducts(
            flatten(batch), dim, MemorySegment.ofArray(toPanels(centroids, offset, random())), (long) offset * Float.BYTES, tokens, scores, stride);
        String where = kernel.name() + " dim=" + dim + " tokens=" + tokens + " rows=" + rows;
        for (int i = 0; i < rows; i++) {
          for (int j = 0; j < stride; j++) {
            double expected = j < tokens ? dot(batch[i], centroids[j]) : 42;
            assertEquals(where + " row " + i + " token " + j, expected, scores[i * stride + j], 1e-5 * (1 + Math.sqrt(dim) * 4));
          }
        }
      }
    }
  }

  private static double dot(float[] a, float[] b) {
    double sum = 0;
    for (int k = 0; k < a.length; k++) {
      sum += (double) a[k] * b[k];
    }
    return sum;
  }
}
