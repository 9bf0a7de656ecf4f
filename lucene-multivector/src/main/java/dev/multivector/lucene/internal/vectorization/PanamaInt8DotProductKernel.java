package dev.multivector.lucene.internal.vectorization;

import java.lang.foreign.MemorySegment;
import java.lang.foreign.ValueLayout;
import java.nio.ByteOrder;
import jdk.incubator.vector.ByteVector;
import jdk.incubator.vector.IntVector;
import jdk.incubator.vector.ShortVector;
import jdk.incubator.vector.Vector;
import jdk.incubator.vector.VectorOperators;
import jdk.incubator.vector.VectorShape;
import jdk.incubator.vector.VectorSpecies;

/**
 * The Panama int8 dot product: as many bytes as the preferred int vector has lanes are loaded at
 * a time, widened to shorts, multiplied (16-bit products of 8-bit values cannot overflow), widened
 * to ints and added. Loaded only when the jdk.incubator.vector module is present.
 */
final class PanamaInt8DotProductKernel implements Int8DotProductKernel {

  private static final VectorSpecies<Integer> INTS = IntVector.SPECIES_PREFERRED;
  private static final VectorSpecies<Short> SHORTS =
      ShortVector.SPECIES_PREFERRED.withShape(VectorShape.forBitSize(INTS.length() * Short.SIZE));
  private static final VectorSpecies<Byte> BYTES =
      ByteVector.SPECIES_PREFERRED.withShape(VectorShape.forBitSize(INTS.length() * Byte.SIZE));

  static Int8DotProductKernel create() {
    return new PanamaInt8DotProductKernel();
  }

  private PanamaInt8DotProductKernel() {}

  @Override
  public int dotProduct(byte[] query, MemorySegment codes, long offset) {
    final int lanes = BYTES.length();
    final int bound = query.length - query.length % lanes;
    IntVector sum = IntVector.zero(INTS);
    int i = 0;
    for (; i < bound; i += lanes) {
      Vector<Short> q = ByteVector.fromArray(BYTES, query, i).convertShape(VectorOperators.B2S, SHORTS, 0);
      Vector<Short> c =
          ByteVector.fromMemorySegment(BYTES, codes, offset + i, ByteOrder.LITTLE_ENDIAN)
              .convertShape(VectorOperators.B2S, SHORTS, 0);
      sum = sum.add(q.mul(c).convertShape(VectorOperators.S2I, INTS, 0));
    }
    int result = sum.reduceLanes(VectorOperators.ADD);
    for (; i < query.length; i++) {
      result += query[i] * codes.get(ValueLayout.JAVA_BYTE, offset + i);
    }
    return result;
  }
}
