package dev.multivector.lucene.simd;

import java.lang.foreign.MemorySegment;
import java.lang.foreign.ValueLayout;
import java.lang.invoke.MethodHandles;
import java.lang.invoke.MethodType;
import java.nio.ByteOrder;
import java.util.Arrays;
import java.util.Locale;
import java.util.logging.Logger;
import org.apache.lucene.util.Constants;

/**
 * Exact MaxSim of a query against a document held as panels: for each query token, the largest
 * dot product with any document token, summed over query tokens.
 *
 * <p>The kernel is chosen once, when this class is initialised, and logged once, as Lucene chooses
 * its own vectorization: the Panama kernel on a HotSpot VM with the C2 compiler (not JVMCI, not
 * a client VM), when the {@code jdk.incubator.vector} module is present (run with {@code
 * --add-modules jdk.incubator.vector}) and its preferred vectors are 128 to 512 bits wide; the
 * plain-Java kernel otherwise. The system property {@value #KERNEL_PROPERTY}{@code =scalar}
 * forces the plain-Java kernel.
 *
 * @lucene.experimental
 */
public final class MaxSim {

  /** System property that forces a kernel: {@code scalar} or {@code panama}. */
  public static final String KERNEL_PROPERTY = "dev.multivector.simd.kernel";

  private static final Logger LOG = Logger.getLogger(MaxSim.class.getName());

  private static final MaxSimKernel KERNEL = selectKernel();

  private MaxSim() {}

  /**
   * MaxSim of {@code query} (row-major, {@code query.length / dim} tokens) against the {@code
   * docTokens} tokens held as panels in {@code panels} from {@code offset}.
   */
  public static float maxSim(float[] query, int dim, float[] panels, int offset, int docTokens) {
    float[] maxima = newMaxima(query.length / dim);
    accumulate(query, dim, panels, offset, docTokens, maxima);
    return sumOfMaxima(maxima, query.length / dim);
  }

  /**
   * Running maxima for a query of {@code queryTokens} tokens against one document, read a run of
   * tokens at a time with {@link #accumulate}: sixteen per query token, all negative infinity.
   */
  public static float[] newMaxima(int queryTokens) {
    float[] maxima = new float[queryTokens * MaxSimKernel.LANES];
    resetMaxima(maxima);
    return maxima;
  }

  /** Resets running maxima for the next document. */
  public static void resetMaxima(float[] maxima) {
    Arrays.fill(maxima, Float.NEGATIVE_INFINITY);
  }

  /**
   * Raises the running maxima with a run of the document's tokens: {@code tokens} tokens (at least
   * one) held as panels in {@code panels} from {@code offset}, starting at a panel.
   */
  public static void accumulate(
      float[] query, int dim, float[] panels, int offset, int tokens, float[] maxima) {
    KERNEL.accumulate(query, dim, littleEndian(panels, offset, tokens, dim), (long) offset * Float.BYTES, tokens, maxima);
  }

  /** The kernels read little-endian floats, as index files hold them; heap arrays are native. */
  private static MemorySegment littleEndian(float[] panels, int offset, int tokens, int dim) {
    MemorySegment segment = MemorySegment.ofArray(panels);
    if (ByteOrder.nativeOrder() == ByteOrder.LITTLE_ENDIAN) {
      return segment;
    }
    MemorySegment copy = MemorySegment.ofArray(new byte[panels.length * Float.BYTES]);
    long used = (long) ((tokens + 15) / 16) * dim * 16;
    ValueLayout.OfFloat le = ValueLayout.JAVA_FLOAT_UNALIGNED.withOrder(ByteOrder.LITTLE_ENDIAN);
    for (long i = offset; i < offset + used; i++) {
      copy.setAtIndex(le, i, panels[(int) i]);
    }
    return copy;
  }

  /**
   * As {@link #accumulate(float[], int, float[], int, int, float[])}, reading the panels
   * (little-endian float32) in place from byte {@code offset} of {@code panels}, such as
   * memory-mapped index data.
   */
  public static void accumulate(
      float[] query, int dim, MemorySegment panels, long offset, int tokens, float[] maxima) {
    KERNEL.accumulate(query, dim, panels, offset, tokens, maxima);
  }

  /** The MaxSim once every token of the document has been accumulated. */
  public static float sumOfMaxima(float[] maxima, int queryTokens) {
    return MaxSimKernel.sumOfMaxima(maxima, queryTokens);
  }

  /**
   * For each query token, the document token with the largest dot product and that dot product,
   * written to {@code bestTokens} and {@code bestSimilarities}; returns their sum, the MaxSim. For
   * explanations: plain Java, one token pair at a time.
   */
  public static float bestMatches(
      float[] query,
      int dim,
      float[] panels,
      int offset,
      int docTokens,
      int[] bestTokens,
      float[] bestSimilarities) {
    final int queryTokens = query.length / dim;
    float sum = 0;
    for (int i = 0; i < queryTokens; i++) {
      int best = 0;
      float bestSimilarity = Float.NEGATIVE_INFINITY;
      for (int t = 0; t < docTokens; t++) {
        int base = offset + (t / 16) * dim * 16 + t % 16;
        float dot = 0;
        for (int k = 0; k < dim; k++) {
          dot += query[i * dim + k] * panels[base + k * 16];
        }
        if (dot > bestSimilarity) {
          bestSimilarity = dot;
          best = t;
        }
      }
      bestTokens[i] = best;
      bestSimilarities[i] = bestSimilarity;
      sum += bestSimilarity;
    }
    return sum;
  }

  /** The name of the kernel in use, such as {@code panama-512} or {@code scalar}. */
  public static String kernelName() {
    return KERNEL.name();
  }

  /** The kernel named by {@code name} ({@code scalar}, {@code panama}), for tests and benchmarks. */
  static MaxSimKernel kernel(String name) {
    return switch (name) {
      case "scalar" -> ScalarMaxSimKernel.INSTANCE;
      case "panama" -> {
        MaxSimKernel panama = loadPanama();
        if (panama == null) {
          throw new IllegalStateException(
              "the Panama kernel needs --add-modules jdk.incubator.vector");
        }
        yield panama;
      }
      default -> throw new IllegalArgumentException("unknown kernel " + name);
    };
  }

  private static MaxSimKernel selectKernel() {
    String forced = System.getProperty(KERNEL_PROPERTY);
    MaxSimKernel kernel;
    String why;
    if (forced != null) {
      kernel = kernel(forced.toLowerCase(Locale.ROOT));
      why = "forced by -D" + KERNEL_PROPERTY;
    } else if (Constants.IS_HOTSPOT_VM == false) {
      kernel = ScalarMaxSimKernel.INSTANCE;
      why = "not a HotSpot VM: the Vector API may not be compiled to vector instructions";
    } else if (Constants.IS_JVMCI_VM) {
      kernel = ScalarMaxSimKernel.INSTANCE;
      why = "the JVMCI compiler does not compile the Vector API";
    } else if (Constants.IS_CLIENT_VM) {
      kernel = ScalarMaxSimKernel.INSTANCE;
      why = "the C2 compiler is disabled";
    } else {
      kernel = loadPanama();
      why = kernel != null ? "jdk.incubator.vector present" : "jdk.incubator.vector not present";
      if (kernel == null) {
        kernel = ScalarMaxSimKernel.INSTANCE;
      }
    }
    String arithmetic =
        kernel == ScalarMaxSimKernel.INSTANCE
            ? ""
            : Constants.HAS_FAST_VECTOR_FMA ? ", fused multiply-add" : ", multiply then add";
    LOG.info("MaxSim kernel: " + kernel.name() + arithmetic + " (" + why + ")");
    return kernel;
  }

  /**
   * The Panama kernel for the preferred vector species, or null when the incubator module is
   * absent or its preferred vectors do not fit a panel row. Reflection keeps this class loadable
   * without the module.
   */
  private static MaxSimKernel loadPanama() {
    if (ModuleLayer.boot().findModule("jdk.incubator.vector").isEmpty()) {
      return null;
    }
    try {
      return (MaxSimKernel)
          MethodHandles.lookup()
              .findStatic(
                  Class.forName(MaxSim.class.getPackageName() + ".PanamaMaxSimKernel"),
                  "preferred",
                  MethodType.methodType(MaxSimKernel.class))
              .invoke();
    } catch (Throwable t) {
      LOG.warning("Panama MaxSim kernel unavailable, using the plain-Java kernel: " + t);
      return null;
    }
  }
}
