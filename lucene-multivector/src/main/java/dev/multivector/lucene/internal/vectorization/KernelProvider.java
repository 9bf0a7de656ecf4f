package dev.multivector.lucene.internal.vectorization;

import java.lang.invoke.MethodHandles;
import java.lang.invoke.MethodType;
import java.util.Locale;
import java.util.logging.Logger;
import org.apache.lucene.util.Constants;

/**
 * Chooses the MaxSim kernels once per JVM and logs the choice once, as Lucene chooses its own
 * vectorization: the Panama kernels on a HotSpot VM with the C2 compiler (not JVMCI, not a client
 * VM), when the {@code jdk.incubator.vector} module is present (run with {@code --add-modules
 * jdk.incubator.vector}) and its preferred vectors are 128 to 512 bits wide (256 to 512 for the
 * int8 MaxSim kernel); plain-Java kernels otherwise. The system property {@value #KERNEL_PROPERTY}{@code =scalar} forces the plain-Java
 * kernels, {@code =panama} the Panama ones.
 *
 * @lucene.internal
 */
public final class KernelProvider {

  /** System property that forces the kernels: {@code scalar} or {@code panama}. */
  public static final String KERNEL_PROPERTY = "dev.multivector.simd.kernel";

  private static final Logger LOG = Logger.getLogger(KernelProvider.class.getName());

  private static final Float32MaxSimKernel FLOAT32 = select();

  private static final Int8DotProductKernel INT8 =
      panamaOrScalar("PanamaInt8DotProductKernel", "create", Int8DotProductKernel.class, ScalarInt8DotProductKernel.INSTANCE);

  private static final Int8MaxSimKernel INT8_MAX_SIM =
      panamaOrScalar("PanamaInt8MaxSimKernel", "preferred", Int8MaxSimKernel.class, ScalarInt8MaxSimKernel.INSTANCE);

  private static final BitMaxSimKernel BIT_MAX_SIM =
      panamaOrScalar("PanamaBitMaxSimKernel", "preferred", BitMaxSimKernel.class, ScalarBitMaxSimKernel.INSTANCE);

  static {
    if (FLOAT32 instanceof ScalarFloat32MaxSimKernel == false) {
      LOG.info("int8 MaxSim kernel: " + INT8_MAX_SIM.name() + ", bit MaxSim kernel: " + BIT_MAX_SIM.name());
    }
  }

  private KernelProvider() {}

  /** The MaxSim kernel over int8 panels: Panama where the float32 kernel is and vectors allow. */
  public static Int8MaxSimKernel int8MaxSim() {
    return INT8_MAX_SIM;
  }

  /** The MaxSim kernel over bit panels: Panama where the float32 kernel is. */
  public static BitMaxSimKernel bitMaxSim() {
    return BIT_MAX_SIM;
  }

  /** The float32 MaxSim kernel of this JVM. */
  public static Float32MaxSimKernel float32() {
    return FLOAT32;
  }

  /** The int8 dot product of this JVM: Panama where the float32 kernel is. */
  public static Int8DotProductKernel int8() {
    return INT8;
  }

  /** The name of the kernels in use, such as {@code panama-512} or {@code scalar}. */
  public static String name() {
    return FLOAT32.name();
  }

  /** The kernel named {@code scalar} or {@code panama} (the preferred width), for tests. */
  static Float32MaxSimKernel forName(String name) {
    return switch (name) {
      case "scalar" -> ScalarFloat32MaxSimKernel.INSTANCE;
      case "panama" -> {
        Float32MaxSimKernel panama = loadPanama();
        if (panama == null) {
          throw new IllegalStateException(
              "the Panama kernel needs --add-modules jdk.incubator.vector");
        }
        yield panama;
      }
      default -> throw new IllegalArgumentException("unknown kernel " + name);
    };
  }

  static Float32MaxSimKernel select() {
    String forced = System.getProperty(KERNEL_PROPERTY);
    Float32MaxSimKernel kernel = null;
    String why;
    if (forced != null) {
      // A bad value must not fail every class that holds a kernel (flushes would then fail).
      try {
        kernel = forName(forced.toLowerCase(Locale.ROOT));
        why = "forced by -D" + KERNEL_PROPERTY;
      } catch (IllegalArgumentException | IllegalStateException e) {
        why = "-D" + KERNEL_PROPERTY + "=" + forced + " ignored: " + e.getMessage();
      }
    } else if (Constants.IS_HOTSPOT_VM == false) {
      why = "not a HotSpot VM: the Vector API may not be compiled to vector instructions";
    } else if (Constants.IS_JVMCI_VM) {
      why = "the JVMCI compiler does not compile the Vector API";
    } else if (Constants.IS_CLIENT_VM) {
      why = "the C2 compiler is disabled";
    } else {
      kernel = loadPanama();
      why = kernel != null ? "jdk.incubator.vector present" : "jdk.incubator.vector not present";
    }
    if (kernel == null) {
      kernel = ScalarFloat32MaxSimKernel.INSTANCE;
    }
    String arithmetic =
        kernel == ScalarFloat32MaxSimKernel.INSTANCE
            ? ""
            : Constants.HAS_FAST_VECTOR_FMA ? ", fused multiply-add" : ", multiply then add";
    LOG.info("MaxSim kernel: " + kernel.name() + arithmetic + " (" + why + ")");
    return kernel;
  }

  /**
   * The Panama kernel that {@code factory} of {@code className} returns, where the float32 kernel
   * is Panama; else, or if it returns null or fails, the plain-Java {@code scalar}.
   */
  private static <T> T panamaOrScalar(String className, String factory, Class<T> type, T scalar) {
    if (FLOAT32 instanceof ScalarFloat32MaxSimKernel) {
      return scalar;
    }
    Object panama = loadPanama(className, factory, type);
    return panama == null ? scalar : type.cast(panama);
  }

  /**
   * The Panama kernel for the preferred vector species, or null when the incubator module is
   * absent or its preferred vectors do not fit a panel row. Reflection keeps this class loadable
   * without the module.
   */
  private static Float32MaxSimKernel loadPanama() {
    if (ModuleLayer.boot().findModule("jdk.incubator.vector").isEmpty()) {
      return null;
    }
    return (Float32MaxSimKernel)
        loadPanama("PanamaFloat32MaxSimKernel", "preferred", Float32MaxSimKernel.class);
  }

  /** Calls a static factory of a Panama class of this package; null, logged, if it fails. */
  private static Object loadPanama(String className, String factory, Class<?> type) {
    try {
      return MethodHandles.lookup()
          .findStatic(
              Class.forName(KernelProvider.class.getPackageName() + "." + className),
              factory,
              MethodType.methodType(type))
          .invoke();
    } catch (Throwable t) {
      LOG.warning(className + " unavailable, using the plain-Java kernel: " + t);
      return null;
    }
  }
}
