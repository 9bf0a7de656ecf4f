package dev.multivector.lucene.internal.vectorization;

import static dev.multivector.lucene.internal.vectorization.Float32MaxSimKernel.LANES;

import java.lang.foreign.MemorySegment;
import java.nio.ByteOrder;
import jdk.incubator.vector.FloatVector;
import jdk.incubator.vector.IntVector;
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
    final int lanes = ints().length();
    final int words = BitMaxSimKernel.words(dim);
    final int queryTokens = queryWords.length / words;
    final int last = queryTokens - 1;
    final int panelBytes = BitMaxSimKernel.panelBytes(dim);
    for (int t = 0; t < tokens; t += lanes) {
      final long base = offset + (long) (t / LANES) * panelBytes + (long) (t % LANES) * Integer.BYTES;
      for (int i = 0; i < queryTokens; i += 4) {
        block(
            queryWords,
            dim,
            words,
            i * words,
            Math.min(i + 1, last) * words,
            Math.min(i + 2, last) * words,
            Math.min(i + 3, last) * words,
            panels,
            base,
            t,
            tokens,
            maxima,
            i,
            Math.min(4, queryTokens - i));
      }
    }
  }

  /**
   * Four binarised query tokens (words from {@code q0..q3}) against the vector of document tokens
   * {@code t..} at {@code base}: each word of the document tokens is loaded once for the four.
   */
  private void block(
      int[] queryWords,
      int dim,
      int words,
      int q0,
      int q1,
      int q2,
      int q3,
      MemorySegment panels,
      long base,
      int t,
      int tokens,
      float[] maxima,
      int i,
      int rows) {
    final VectorSpecies<Integer> ints = ints();
    final VectorSpecies<Float> floats = floats();
    IntVector h0 = IntVector.zero(ints), h1 = h0, h2 = h0, h3 = h0;
    for (int w = 0; w < words; w++) {
      final IntVector d =
          IntVector.fromMemorySegment(
              ints, panels, base + (long) w * LANES * Integer.BYTES, ByteOrder.LITTLE_ENDIAN);
      h0 = h0.add(d.lanewise(VectorOperators.XOR, queryWords[q0 + w]).lanewise(VectorOperators.BIT_COUNT));
      h1 = h1.add(d.lanewise(VectorOperators.XOR, queryWords[q1 + w]).lanewise(VectorOperators.BIT_COUNT));
      h2 = h2.add(d.lanewise(VectorOperators.XOR, queryWords[q2 + w]).lanewise(VectorOperators.BIT_COUNT));
      h3 = h3.add(d.lanewise(VectorOperators.XOR, queryWords[q3 + w]).lanewise(VectorOperators.BIT_COUNT));
    }
    final FloatVector scale =
        FloatVector.fromMemorySegment(
            floats, panels, base + (long) words * LANES * Integer.BYTES, ByteOrder.LITTLE_ENDIAN);
    final IntVector dims = IntVector.broadcast(ints, dim);
    final boolean full = t + ints.length() <= tokens;
    final int lane = t % LANES;
    for (int row = 0; row < rows; row++) {
      final IntVector hamming =
          switch (row) {
            case 0 -> h0;
            case 1 -> h1;
            case 2 -> h2;
            default -> h3;
          };
      // scale * (dim - 2 * hamming). castShape to the float species compiles to one conversion; convert(I2F) leaves the
      // species unknown to the JIT, and the masked max then boxes its vectors.
      final FloatVector similarity =
          ((FloatVector) dims.sub(hamming.lanewise(VectorOperators.LSHL, 1)).castShape(floats, 0)).mul(scale);
      final int m = (i + row) * LANES + lane;
      final FloatVector current = FloatVector.fromArray(floats, maxima, m);
      (full
              ? current.max(similarity)
              : current.lanewise(VectorOperators.MAX, similarity, floats.indexInRange(t, tokens)))
          .intoArray(maxima, m);
    }
  }

  @Override
  public String name() {
    return "panama-" + ints().vectorBitSize();
  }
}
