package dev.multivector.lucene.internal.vectorization;

import java.lang.foreign.MemorySegment;
import java.lang.foreign.ValueLayout;

/** The plain-Java int8 dot product. */
final class ScalarInt8DotProductKernel implements Int8DotProductKernel {

  static final ScalarInt8DotProductKernel INSTANCE = new ScalarInt8DotProductKernel();

  private ScalarInt8DotProductKernel() {}

  @Override
  public int dotProduct(byte[] query, MemorySegment codes, long offset) {
    int sum = 0;
    for (int i = 0; i < query.length; i++) {
      sum += query[i] * codes.get(ValueLayout.JAVA_BYTE, offset + i);
    }
    return sum;
  }
}
