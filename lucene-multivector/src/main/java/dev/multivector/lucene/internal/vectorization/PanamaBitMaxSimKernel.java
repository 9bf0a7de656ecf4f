package dev.multivector.lucene.internal.vectorization;

import static dev.multivector.lucene.internal.vectorization.Float32MaxSimKernel.LANES;

import java.lang.foreign.MemorySegment;
import java.nio.ByteOrder;
import jdk.incubator.vector.FloatVector;
import jdk.incubator.vector.IntVector;
import jdk.incubator.vector.VectorMask;
import jdk.incubator.vector.VectorOperators;
import jdk.incubator.vector.VectorSpecies;

/**
 * The Panama bit kernel: a vector of document tokens' words (a whole panel at 512 bits) is XORed
 * with each query token's broadcast word and counted, word by word; the Hamming distances become
 * similarities, are scaled and raise the maxima. Two binarised tokens of dimension 128 cost four
 * XORs and four population counts for sixteen tokens. Loaded only when the jdk.incubator.vector
 * module is present.
 */
abstract class PanamaBitMaxSimKernel implements BitMaxSimKernel {

  /** The kernel for the preferred vector size, or null outside 128 to 512 bits. */
  static BitMaxSimKernel preferred() {
    int bits = IntVector.SPECIES_PREFERRED.vectorBitSize();
    return bits >= 128 && bits <= 512 ? forBitSize(bits) : null;
  }

  /** The kernel for vectors of 128, 256 or 512 bits, any of which runs on any CPU. */
  static BitMaxSimKernel forBitSize(int bits) {
    return switch (bits) {
      case 512 -> new Bits512();
      case 256 -> new Bits256();
      case 128 -> new Bits128();
      default -> throw new IllegalArgumentException("unsupported vector size " + bits);
    };
  }

  private static final class Bits512 extends PanamaBitMaxSimKernel {
    private static final VectorSpecies<Integer> INTS = IntVector.SPECIES_512;
    private static final VectorSpecies<Float> FLOATS = FloatVector.SPECIES_512;

    @Override
    VectorSpecies<Integer> ints() {
      return INTS;
    }

    @Override
    VectorSpecies<Float> floats() {
      return FLOATS;
    }
  }

  private static final class Bits256 extends PanamaBitMaxSimKernel {
    private static final VectorSpecies<Integer> INTS = IntVector.SPECIES_256;
    private static final VectorSpecies<Float> FLOATS = FloatVector.SPECIES_256;

    @Override
    VectorSpecies<Integer> ints() {
      return INTS;
    }

    @Override
    VectorSpecies<Float> floats() {
      return FLOATS;
    }
  }

  private static final class Bits128 extends PanamaBitMaxSimKernel {
    private static final VectorSpecies<Integer> INTS = IntVector.SPECIES_128;
    private static final VectorSpecies<Float> FLOATS = FloatVector.SPECIES_128;

    @Override
    VectorSpecies<Integer> ints() {
      return INTS;
    }

    @Override
    VectorSpecies<Float> floats() {
      return FLOATS;
    }
  }

  abstract VectorSpecies<Integer> ints();

  /** Floats of as many lanes as {@link #ints()}. */
  abstract VectorSpecies<Float> floats();

  @Override
  public void accumulate(
      int[] queryWords, int dim, MemorySegment panels, long offset, int tokens, float[] maxima) {
    final VectorSpecies<Integer> ints = ints();
    final VectorSpecies<Float> floats = floats();
    final int lanes = ints.length();
    final int words = BitMaxSimKernel.words(dim);
    final int queryTokens = queryWords.length / words;
    final int panelBytes = BitMaxSimKernel.panelBytes(dim);
    final IntVector dims = IntVector.broadcast(ints, dim);
    for (int t = 0; t < tokens; t += lanes) {
      final int lane = t % LANES;
      final long base = offset + (long) (t / LANES) * panelBytes + (long) lane * Integer.BYTES;
      final FloatVector scale =
          FloatVector.fromMemorySegment(
              floats, panels, base + (long) words * LANES * Integer.BYTES, ByteOrder.LITTLE_ENDIAN);
      final VectorMask<Float> valid = floats.indexInRange(t, tokens);
      for (int i = 0; i < queryTokens; i++) {
        IntVector hamming = IntVector.zero(ints);
        for (int w = 0; w < words; w++) {
          hamming =
              hamming.add(
                  IntVector.fromMemorySegment(
                          ints, panels, base + (long) w * LANES * Integer.BYTES, ByteOrder.LITTLE_ENDIAN)
                      .lanewise(VectorOperators.XOR, queryWords[i * words + w])
                      .lanewise(VectorOperators.BIT_COUNT));
        }
        final FloatVector similarity =
            ((FloatVector) dims.sub(hamming.lanewise(VectorOperators.LSHL, 1)).convert(VectorOperators.I2F, 0))
                .mul(scale);
        final int m = i * LANES + lane;
        FloatVector.fromArray(floats, maxima, m)
            .lanewise(VectorOperators.MAX, similarity, valid)
            .intoArray(maxima, m);
      }
    }
  }

  @Override
  public String name() {
    return "panama-" + ints().vectorBitSize();
  }
}
