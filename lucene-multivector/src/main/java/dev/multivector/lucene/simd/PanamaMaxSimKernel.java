package dev.multivector.lucene.simd;

import jdk.incubator.vector.FloatVector;
import jdk.incubator.vector.VectorMask;
import jdk.incubator.vector.VectorOperators;
import jdk.incubator.vector.VectorSpecies;

/**
 * The Panama kernel. A document token block of two vectors (32 tokens with 512-bit vectors: two
 * panels; 16 tokens with 256-bit vectors: one panel) is scored against four query tokens at once:
 * for each dimension, each query component is broadcast and fused-multiply-added against both
 * vectors of document components, so each loaded document vector feeds four FMAs and no
 * horizontal reduction happens until a query token's maximum is final. Tokens past the document's
 * count (the zero padding of its last panel) are masked out of the maximum.
 *
 * <p>Loaded only when the jdk.incubator.vector module is present.
 */
abstract class PanamaMaxSimKernel implements MaxSimKernel {

  private static final int PANEL = 16;

  /** The kernel for the preferred vector size, or null if a panel row cannot hold such vectors. */
  static MaxSimKernel preferred() {
    int bits = FloatVector.SPECIES_PREFERRED.vectorBitSize();
    return bits >= 128 && bits <= 512 ? forBitSize(bits) : null;
  }

  /**
   * The kernel for vectors of 128, 256 or 512 bits, which a panel row of 16 floats holds a whole
   * number of. Any of them runs on any CPU, if slower than the preferred size.
   */
  static MaxSimKernel forBitSize(int bits) {
    return switch (bits) {
      case 512 -> new Bits512();
      case 256 -> new Bits256();
      case 128 -> new Bits128();
      default -> throw new IllegalArgumentException("unsupported vector size " + bits);
    };
  }

  // The Vector API compiles to vector instructions only when the species is a constant: each
  // width gets a class whose species() returns a static final.

  private static final class Bits512 extends PanamaMaxSimKernel {
    private static final VectorSpecies<Float> SPECIES = FloatVector.SPECIES_512;

    @Override
    VectorSpecies<Float> species() {
      return SPECIES;
    }
  }

  private static final class Bits256 extends PanamaMaxSimKernel {
    private static final VectorSpecies<Float> SPECIES = FloatVector.SPECIES_256;

    @Override
    VectorSpecies<Float> species() {
      return SPECIES;
    }
  }

  private static final class Bits128 extends PanamaMaxSimKernel {
    private static final VectorSpecies<Float> SPECIES = FloatVector.SPECIES_128;

    @Override
    VectorSpecies<Float> species() {
      return SPECIES;
    }
  }

  abstract VectorSpecies<Float> species();

  @Override
  public float maxSim(float[] query, int dim, float[] panels, int offset, int docTokens) {
    final int queryTokens = query.length / dim;
    float sum = 0;
    int i = 0;
    for (; i + 4 <= queryTokens; i += 4) {
      sum += maxSim4(query, i * dim, dim, panels, offset, docTokens);
    }
    for (; i < queryTokens; i++) {
      sum += maxSim1(query, i * dim, dim, panels, offset, docTokens);
    }
    return sum;
  }

  /** Index in {@code panels} of component 0 of document token {@code token} (a lane start). */
  private static int address(int offset, int dim, int token) {
    return offset + (token / PANEL) * dim * PANEL + token % PANEL;
  }

  /** The sum of the maxima of query tokens {@code q0 / dim .. q0 / dim + 3}. */
  private float maxSim4(float[] query, int q0, int dim, float[] panels, int offset, int docTokens) {
    final VectorSpecies<Float> species = species();
    final int lanes = species.length();
    final int q1 = q0 + dim, q2 = q1 + dim, q3 = q2 + dim;
    final int paddedTokens = (docTokens + PANEL - 1) / PANEL * PANEL;
    FloatVector max0 = FloatVector.broadcast(species, Float.NEGATIVE_INFINITY);
    FloatVector max1 = max0, max2 = max0, max3 = max0;
    for (int t = 0; t < docTokens; t += 2 * lanes) {
      final int a = address(offset, dim, t);
      // The block's second vector may lie past the last panel: read the first again, masked off.
      final int b = t + lanes < paddedTokens ? address(offset, dim, t + lanes) : a;
      FloatVector acc0a = FloatVector.zero(species), acc0b = acc0a;
      FloatVector acc1a = acc0a, acc1b = acc0a;
      FloatVector acc2a = acc0a, acc2b = acc0a;
      FloatVector acc3a = acc0a, acc3b = acc0a;
      for (int k = 0; k < dim; k++) {
        final FloatVector da = FloatVector.fromArray(species, panels, a + k * PANEL);
        final FloatVector db = FloatVector.fromArray(species, panels, b + k * PANEL);
        FloatVector qk = FloatVector.broadcast(species, query[q0 + k]);
        acc0a = qk.fma(da, acc0a);
        acc0b = qk.fma(db, acc0b);
        qk = FloatVector.broadcast(species, query[q1 + k]);
        acc1a = qk.fma(da, acc1a);
        acc1b = qk.fma(db, acc1b);
        qk = FloatVector.broadcast(species, query[q2 + k]);
        acc2a = qk.fma(da, acc2a);
        acc2b = qk.fma(db, acc2b);
        qk = FloatVector.broadcast(species, query[q3 + k]);
        acc3a = qk.fma(da, acc3a);
        acc3b = qk.fma(db, acc3b);
      }
      if (t + 2 * lanes <= docTokens) {
        max0 = max0.max(acc0a).max(acc0b);
        max1 = max1.max(acc1a).max(acc1b);
        max2 = max2.max(acc2a).max(acc2b);
        max3 = max3.max(acc3a).max(acc3b);
      } else {
        final VectorMask<Float> ma = species.indexInRange(t, docTokens);
        final VectorMask<Float> mb = species.indexInRange(t + lanes, docTokens);
        max0 = max0.lanewise(VectorOperators.MAX, acc0a, ma).lanewise(VectorOperators.MAX, acc0b, mb);
        max1 = max1.lanewise(VectorOperators.MAX, acc1a, ma).lanewise(VectorOperators.MAX, acc1b, mb);
        max2 = max2.lanewise(VectorOperators.MAX, acc2a, ma).lanewise(VectorOperators.MAX, acc2b, mb);
        max3 = max3.lanewise(VectorOperators.MAX, acc3a, ma).lanewise(VectorOperators.MAX, acc3b, mb);
      }
    }
    return max0.reduceLanes(VectorOperators.MAX)
        + max1.reduceLanes(VectorOperators.MAX)
        + max2.reduceLanes(VectorOperators.MAX)
        + max3.reduceLanes(VectorOperators.MAX);
  }

  /** The maximum of one query token, for the query's last tokens when they are not four. */
  private float maxSim1(float[] query, int q0, int dim, float[] panels, int offset, int docTokens) {
    final VectorSpecies<Float> species = species();
    final int lanes = species.length();
    FloatVector max = FloatVector.broadcast(species, Float.NEGATIVE_INFINITY);
    for (int t = 0; t < docTokens; t += lanes) {
      final int a = address(offset, dim, t);
      FloatVector acc = FloatVector.zero(species);
      for (int k = 0; k < dim; k++) {
        acc =
            FloatVector.broadcast(species, query[q0 + k])
                .fma(FloatVector.fromArray(species, panels, a + k * PANEL), acc);
      }
      max = max.lanewise(VectorOperators.MAX, acc, species.indexInRange(t, docTokens));
    }
    return max.reduceLanes(VectorOperators.MAX);
  }

  @Override
  public String name() {
    return "panama-" + species().vectorBitSize();
  }
}
