package dev.multivector.lucene.simd;

import jdk.incubator.vector.FloatVector;
import jdk.incubator.vector.VectorShape;
import jdk.incubator.vector.VectorSpecies;

/** Creates the Panama kernel; referenced only by reflection, when jdk.incubator.vector is present. */
final class PanamaKernelFactory {

  private PanamaKernelFactory() {}

  /** The kernel for the preferred species, or null if those vectors do not fit a panel row. */
  static MaxSimKernel create() {
    int bits = FloatVector.SPECIES_PREFERRED.vectorBitSize();
    return bits >= 128 && bits <= 512 ? create(bits) : null;
  }

  /** The kernel for vectors of 128, 256 or 512 bits (any of them runs, if slower, on any CPU). */
  static MaxSimKernel create(int bits) {
    return new PanamaMaxSimKernel(VectorSpecies.of(float.class, VectorShape.forBitSize(bits)));
  }
}
