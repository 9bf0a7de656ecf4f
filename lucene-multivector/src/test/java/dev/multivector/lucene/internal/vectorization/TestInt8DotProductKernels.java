package dev.multivector.lucene.internal.vectorization;

import java.lang.foreign.Arena;
import java.lang.foreign.MemorySegment;
import org.apache.lucene.tests.util.LuceneTestCase;
import org.apache.lucene.tests.util.TestUtil;

/** The int8 dot product of this JVM against exact integer arithmetic, at any length and offset. */
public class TestInt8DotProductKernels extends LuceneTestCase {

  public void testAgainstExactSum() {
    Int8DotProductKernel kernel = KernelProvider.int8();
    assertEquals(
        ModuleLayer.boot().findModule("jdk.incubator.vector").isPresent(),
        kernel.getClass().getSimpleName().startsWith("Panama"));
    for (int iter = 0; iter < atLeast(200); iter++) {
      int length = TestUtil.nextInt(random(), 1, 400);
      byte[] query = new byte[length];
      byte[] codes = new byte[length + 50];
      for (int i = 0; i < length; i++) {
        query[i] = extremeOrRandom();
      }
      for (int i = 0; i < codes.length; i++) {
        codes[i] = extremeOrRandom();
      }
      int offset = random().nextInt(50);
      int expected = 0;
      for (int i = 0; i < length; i++) {
        expected += query[i] * codes[offset + i];
      }
      MemorySegment segment = MemorySegment.ofArray(codes);
      if (random().nextBoolean()) { // off-heap, as mapped files are
        segment = Arena.ofAuto().allocate(codes.length).copyFrom(segment);
      }
      assertEquals("length " + length, expected, kernel.dotProduct(query, segment, offset));
    }
  }

  private static byte extremeOrRandom() {
    return switch (random().nextInt(8)) {
      case 0 -> Byte.MIN_VALUE;
      case 1 -> Byte.MAX_VALUE;
      default -> (byte) random().nextInt(256);
    };
  }
}
