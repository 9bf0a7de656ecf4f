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
}
