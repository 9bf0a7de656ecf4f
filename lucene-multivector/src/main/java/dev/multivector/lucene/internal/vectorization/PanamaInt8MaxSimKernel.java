package dev.multivector.lucene.internal.vectorization;

import static dev.multivector.lucene.internal.vectorization.Float32MaxSimKernel.LANES;

import java.lang.foreign.MemorySegment;
import java.nio.ByteOrder;
import jdk.incubator.vector.ByteVector;
import jdk.incubator.vector.FloatVector;
import jdk.incubator.vector.VectorMask;
import jdk.incubator.vector.VectorOperators;
import jdk.incubator.vector.VectorSpecies;

/**
 * The Panama int8 kernel: two vectors of document tokens (two panels at 512 bits, one at 256)
 * against four query tokens at once. For each component, each vector's codes are loaded (16 or 8
 * bytes), widened to floats once and multiplied into four accumulators; the scales multiply the
 * accumulated dot products once per block, before the maxima are raised. Tokens past the run's
 * end are masked out of the maxima.
 *
 * <p>Needs 256- or 512-bit vectors: a 128-bit float vector would widen 4 bytes, less than the
 * smallest byte vector. Loaded only when the jdk.incubator.vector module is present.
 */
abstract class PanamaInt8MaxSimKernel implements Int8MaxSimKernel {

  /** The kernel for the preferred vector size, or null if it is below 256 bits. */
  static Int8MaxSimKernel preferred() {
    int bits = FloatVector.SPECIES_PREFERRED.vectorBitSize();
    return bits == 512 || bits == 256 ? forBitSize(bits) : null;
  }

  /** The kernel for 256- or 512-bit vectors, either of which runs on any CPU. */
  static Int8MaxSimKernel forBitSize(int bits) {
    return switch (bits) {
      case 512 -> new Bits512();
      case 256 -> new Bits256();
      default -> throw new IllegalArgumentException("unsupported vector size " + bits);
    };
  }

  private static final class Bits512 extends PanamaInt8MaxSimKernel {
    private static final VectorSpecies<Float> FLOATS = FloatVector.SPECIES_512;
    private static final VectorSpecies<Byte> BYTES = ByteVector.SPECIES_128;

    @Override
    VectorSpecies<Float> floats() {
      return FLOATS;
    }

    @Override
    VectorSpecies<Byte> bytes() {
      return BYTES;
    }
  }

  private static final class Bits256 extends PanamaInt8MaxSimKernel {
    private static final VectorSpecies<Float> FLOATS = FloatVector.SPECIES_256;
    private static final VectorSpecies<Byte> BYTES = ByteVector.SPECIES_64;

    @Override
    VectorSpecies<Float> floats() {
      return FLOATS;
    }

    @Override
    VectorSpecies<Byte> bytes() {
      return BYTES;
    }
  }

  abstract VectorSpecies<Float> floats();

  /** Bytes of as many lanes as {@link #floats()}: the codes one float vector widens. */
  abstract VectorSpecies<Byte> bytes();

  @Override
  public void accumulate(
      float[] query, int dim, MemorySegment panels, long offset, int tokens, float[] maxima) {
    final int queryTokens = query.length / dim;
    final int last = queryTokens - 1;
    final int lanes = floats().length();
    final int panelBytes = Int8MaxSimKernel.panelBytes(dim);
    final int paddedTokens = (tokens + LANES - 1) / LANES * LANES;
    for (int t = 0; t < tokens; t += 2 * lanes) {
      // A second vector past the last panel reads the first again, and is masked off.
      final int u = t + lanes < paddedTokens ? t + lanes : t;
      for (int i = 0; i < queryTokens; i += 4) {
        block(
            query,
            dim,
            i * dim,
            Math.min(i + 1, last) * dim,
            Math.min(i + 2, last) * dim,
            Math.min(i + 3, last) * dim,
            panels,
            offset,
            panelBytes,
            t,
            u,
            tokens,
            maxima,
            i,
            Math.min(4, queryTokens - i));
      }
    }
  }

  /** Byte offset of the code of component 0 of token {@code token} (a lane start). */
  private static long codes(long offset, int panelBytes, int token) {
    return offset + (long) (token / LANES) * panelBytes + token % LANES;
  }

  /**
   * Four query tokens (from {@code q0..q3}) against the vectors of document tokens {@code t..}
   * and {@code u..}, raising the maxima of the first {@code rows}, query tokens {@code i ..}.
   */
  private void block(
      float[] query,
      int dim,
      int q0,
      int q1,
      int q2,
      int q3,
      MemorySegment panels,
      long offset,
      int panelBytes,
      int t,
      int u,
      int tokens,
      float[] maxima,
      int i,
      int rows) {
    final VectorSpecies<Float> floats = floats();
    final VectorSpecies<Byte> bytes = bytes();
    final long a = codes(offset, panelBytes, t);
    final long b = codes(offset, panelBytes, u);
    FloatVector acc0a = FloatVector.zero(floats), acc0b = acc0a, acc1a = acc0a, acc1b = acc0a;
    FloatVector acc2a = acc0a, acc2b = acc0a, acc3a = acc0a, acc3b = acc0a;
    for (int k = 0; k < dim; k++) {
      final long row = (long) k * LANES;
      final FloatVector da =
          (FloatVector)
              ByteVector.fromMemorySegment(bytes, panels, a + row, ByteOrder.LITTLE_ENDIAN)
                  .convertShape(VectorOperators.B2F, floats, 0);
      final FloatVector db =
          (FloatVector)
              ByteVector.fromMemorySegment(bytes, panels, b + row, ByteOrder.LITTLE_ENDIAN)
                  .convertShape(VectorOperators.B2F, floats, 0);
      FloatVector qk = FloatVector.broadcast(floats, query[q0 + k]);
      acc0a = PanamaFloat32MaxSimKernel.madd(qk, da, acc0a);
      acc0b = PanamaFloat32MaxSimKernel.madd(qk, db, acc0b);
      qk = FloatVector.broadcast(floats, query[q1 + k]);
      acc1a = PanamaFloat32MaxSimKernel.madd(qk, da, acc1a);
      acc1b = PanamaFloat32MaxSimKernel.madd(qk, db, acc1b);
      qk = FloatVector.broadcast(floats, query[q2 + k]);
      acc2a = PanamaFloat32MaxSimKernel.madd(qk, da, acc2a);
      acc2b = PanamaFloat32MaxSimKernel.madd(qk, db, acc2b);
      qk = FloatVector.broadcast(floats, query[q3 + k]);
      acc3a = PanamaFloat32MaxSimKernel.madd(qk, da, acc3a);
      acc3b = PanamaFloat32MaxSimKernel.madd(qk, db, acc3b);
    }
    final FloatVector sa =
        FloatVector.fromMemorySegment(floats, panels, scaleOf(offset, panelBytes, dim, t), ByteOrder.LITTLE_ENDIAN);
    final FloatVector sb =
        FloatVector.fromMemorySegment(floats, panels, scaleOf(offset, panelBytes, dim, u), ByteOrder.LITTLE_ENDIAN);
    final VectorMask<Float> ma = floats.indexInRange(t, tokens);
    final VectorMask<Float> mb = u == t ? floats.maskAll(false) : floats.indexInRange(u, tokens);
    final int la = t % LANES;
    final int lb = u % LANES;
    for (int row = 0; row < rows; row++) {
      final FloatVector va, vb;
      switch (row) {
        case 0 -> {
          va = acc0a;
          vb = acc0b;
        }
        case 1 -> {
          va = acc1a;
          vb = acc1b;
        }
        case 2 -> {
          va = acc2a;
          vb = acc2b;
        }
        default -> {
          va = acc3a;
          vb = acc3b;
        }
      }
      final int base = (i + row) * LANES;
      FloatVector.fromArray(floats, maxima, base + la)
          .lanewise(VectorOperators.MAX, va.mul(sa), ma)
          .intoArray(maxima, base + la);
      FloatVector.fromArray(floats, maxima, base + lb)
          .lanewise(VectorOperators.MAX, vb.mul(sb), mb)
          .intoArray(maxima, base + lb);
    }
  }

  /** Byte offset of the scale of token {@code token}. */
  private static long scaleOf(long offset, int panelBytes, int dim, int token) {
    return offset + (long) (token / LANES) * panelBytes + (long) dim * LANES + (long) (token % LANES) * Float.BYTES;
  }

  @Override
  public String name() {
    return "panama-" + floats().vectorBitSize();
  }
}
