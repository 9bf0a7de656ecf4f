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
import org.apache.lucene.util.BitUtil;

/**
 * The int8 and bit kernels, plain-Java and Panama at every width, against double-precision
 * references over the values the panels stand for: the dequantized tokens for int8, the scaled
 * sign agreements for bits. Shapes cross panel, block and word boundaries.
 */
public class TestEncodedMaxSimKernels extends LuceneTestCase {

  private static final int[] TOKEN_COUNTS = {1, 2, 15, 16, 17, 31, 32, 33, 47, 48, 49, 64, 70, 257};

  private static Object panama(String className, int bits, Class<?> type) throws Throwable {
    return MethodHandles.lookup()
        .findStatic(
            Class.forName(KernelProvider.class.getPackageName() + "." + className),
            "forBitSize",
            MethodType.methodType(type, int.class))
        .invoke(bits);
  }

  private static boolean hasVectorModule() {
    return ModuleLayer.boot().findModule("jdk.incubator.vector").isPresent();
  }

  static List<Int8MaxSimKernel> int8Kernels() throws Throwable {
    List<Int8MaxSimKernel> kernels = new ArrayList<>(List.of(ScalarInt8MaxSimKernel.INSTANCE));
    if (hasVectorModule()) {
      for (int bits : new int[] {256, 512}) {
        kernels.add((Int8MaxSimKernel) panama("PanamaInt8MaxSimKernel", bits, Int8MaxSimKernel.class));
      }
    }
    return kernels;
  }

  static List<BitMaxSimKernel> bitKernels() throws Throwable {
    List<BitMaxSimKernel> kernels = new ArrayList<>(List.of(ScalarBitMaxSimKernel.INSTANCE));
    if (hasVectorModule()) {
      for (int bits : new int[] {128, 256, 512}) {
        kernels.add((BitMaxSimKernel) panama("PanamaBitMaxSimKernel", bits, BitMaxSimKernel.class));
      }
    }
    return kernels;
  }

  /**
   * Copies panels to a segment at a random, possibly unaligned, byte offset, off-heap or not, with
   * garbage around them; returns the segment and sets {@code offset[0]}.
   */
  private static MemorySegment place(byte[] panels, long[] offset, Random random) {
    int shift = random.nextInt(70);
    byte[] padded = new byte[shift + panels.length + 64];
    random.nextBytes(padded); // anything read by mistake shows
    System.arraycopy(panels, 0, padded, shift, panels.length);
    offset[0] = shift;
    MemorySegment heap = MemorySegment.ofArray(padded);
    if (random.nextBoolean()) {
      return heap;
    }
    MemorySegment offHeap = Arena.ofAuto().allocate(padded.length);
    MemorySegment.copy(heap, 0, offHeap, 0, padded.length);
    return offHeap;
  }

  public void testInt8AgainstDequantizedReference() throws Throwable {
    for (Int8MaxSimKernel kernel : int8Kernels()) {
      for (int iter = 0; iter < atLeast(60); iter++) {
        int dim = random().nextBoolean() ? TestUtil.nextInt(random(), 1, 20) : TestUtil.nextInt(random(), 21, 400);
        int tokens = TOKEN_COUNTS[random().nextInt(TOKEN_COUNTS.length)];
        int queryTokens = TestUtil.nextInt(random(), 1, 40);
        // Negative scales with a non-negative query make every dot product negative or zero: a
        // padding token that escaped the mask would win the maximum.
        boolean negative = random().nextInt(3) == 0;
        int panelBytes = Int8MaxSimKernel.panelBytes(dim);
        int panelCount = (tokens + 15) / 16;
        byte[] panels = new byte[panelCount * panelBytes];
        float[][] doc = new float[tokens][dim];
        for (int p = 0; p < panelCount; p++) {
          for (int j = 0; j < 16; j++) {
            int t = p * 16 + j;
            float scale = (negative ? -1 : 1) * (0.001f + random().nextFloat());
            BitUtil.VH_LE_FLOAT.set(panels, p * panelBytes + 16 * dim + 4 * j, t < tokens ? scale : random().nextFloat());
            for (int k = 0; k < dim; k++) {
              byte code = (byte) TestUtil.nextInt(random(), negative ? 0 : -127, 127);
              panels[p * panelBytes + k * 16 + j] = t < tokens ? code : 0;
              if (t < tokens) {
                doc[t][k] = scale * code;
              }
            }
          }
        }
        float[][] query = TestMaxSimKernels.matrix(random(), queryTokens, dim, false);
        if (negative) {
          for (float[] q : query) {
            for (int k = 0; k < dim; k++) {
              q[k] = Math.abs(q[k]);
            }
          }
        }
        long[] offset = new long[1];
        MemorySegment segment = place(panels, offset, random());
        float[] maxima = Float32MaxSimKernel.newMaxima(queryTokens);
        kernel.accumulate(TestMaxSimKernels.flatten(query), dim, segment, offset[0], tokens, maxima);
        float actual = Float32MaxSimKernel.sumOfMaxima(maxima, queryTokens);
        double expected = MaxSimReference.maxSim(query, doc);
        assertEquals(
            kernel.name() + " dim=" + dim + " doc=" + tokens + " query=" + queryTokens,
            expected,
            actual,
            MaxSimReference.tolerance(query, doc));
      }
    }
  }

  public void testBitAgainstReference() throws Throwable {
    for (BitMaxSimKernel kernel : bitKernels()) {
      for (int iter = 0; iter < atLeast(60); iter++) {
        int dim = random().nextBoolean() ? TestUtil.nextInt(random(), 1, 70) : TestUtil.nextInt(random(), 71, 400);
        int words = BitMaxSimKernel.words(dim);
        int tokens = TOKEN_COUNTS[random().nextInt(TOKEN_COUNTS.length)];
        int queryTokens = TestUtil.nextInt(random(), 1, 40);
        int panelBytes = BitMaxSimKernel.panelBytes(dim);
        int panelCount = (tokens + 15) / 16;
        byte[] panels = new byte[panelCount * panelBytes];
        int[][] docWords = new int[tokens][words];
        float[] scales = new float[tokens];
        for (int p = 0; p < panelCount; p++) {
          for (int j = 0; j < 16; j++) {
            int t = p * 16 + j;
            // Scales of either sign: a negative one makes its token's similarities negative.
            float scale = random().nextFloat() - 0.3f;
            BitUtil.VH_LE_FLOAT.set(panels, p * panelBytes + 64 * words + 4 * j, t < tokens ? scale : 1e6f);
            for (int w = 0; w < words; w++) {
              int word = random().nextInt() & lowBits(dim - 32 * w);
              BitUtil.VH_LE_INT.set(panels, p * panelBytes + (w * 16 + j) * 4, t < tokens ? word : 0);
              if (t < tokens) {
                docWords[t][w] = word;
              }
            }
            if (t < tokens) {
              scales[t] = scale;
            }
          }
        }
        int[] query = new int[queryTokens * words];
        for (int i = 0; i < query.length; i++) {
          query[i] = random().nextInt() & lowBits(dim - 32 * (i % words));
        }
        long[] offset = new long[1];
        MemorySegment segment = place(panels, offset, random());
        float[] maxima = Float32MaxSimKernel.newMaxima(queryTokens);
        kernel.accumulate(query, dim, segment, offset[0], tokens, maxima);
        for (int i = 0; i < queryTokens; i++) {
          double best = Double.NEGATIVE_INFINITY;
          for (int t = 0; t < tokens; t++) {
            int hamming = 0;
            for (int w = 0; w < words; w++) {
              hamming += Integer.bitCount(docWords[t][w] ^ query[i * words + w]);
            }
            best = Math.max(best, (double) scales[t] * (dim - 2 * hamming));
          }
          float actual = Float.NEGATIVE_INFINITY;
          for (int lane = 0; lane < 16; lane++) {
            actual = Math.max(actual, maxima[i * 16 + lane]);
          }
          assertEquals(
              kernel.name() + " dim=" + dim + " doc=" + tokens + " query token " + i,
              best,
              actual,
              1e-6 * dim);
        }
      }
    }
  }

  /** The bits of a word below {@code count} (all of them from 32 on). */
  private static int lowBits(int count) {
    return count >= 32 ? -1 : (1 << count) - 1;
  }
}
