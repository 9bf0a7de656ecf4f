package dev.multivector.lucene.internal.vectorization;

import org.apache.lucene.tests.util.LuceneTestCase;

/** The kernel choice never fails: a bad forcing property is logged and ignored. */
public class TestKernelProvider extends LuceneTestCase {

  public void testForcedScalar() {
    assertSame(ScalarFloat32MaxSimKernel.INSTANCE, selectWith("SCALAR"));
  }

  public void testUnknownForcedKernelFallsBackToPlainJava() {
    // This threw; thrown in the static initializer, it failed every class holding a kernel.
    assertSame(ScalarFloat32MaxSimKernel.INSTANCE, selectWith("no-such-kernel"));
  }

  private static Float32MaxSimKernel selectWith(String kernel) {
    String before = System.getProperty(KernelProvider.KERNEL_PROPERTY);
    System.setProperty(KernelProvider.KERNEL_PROPERTY, kernel);
    try {
      return KernelProvider.select();
    } finally {
      if (before == null) {
        System.clearProperty(KernelProvider.KERNEL_PROPERTY);
      } else {
        System.setProperty(KernelProvider.KERNEL_PROPERTY, before);
      }
    }
  }
}
