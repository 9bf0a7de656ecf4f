package dev.multivector.lucene.internal.vectorization;

import java.lang.foreign.MemorySegment;
import java.nio.ByteOrder;
import java.util.Arrays;
import jdk.incubator.vector.FloatVector;
import jdk.incubator.vector.VectorMask;
import jdk.incubator.vector.VectorOperators;
import jdk.incubator.vector.VectorSpecies;
import org.apache.lucene.util.Constants;

/**
 * The Panama kernel. A document token block of four vectors (64 tokens with 512-bit vectors:
 * four panels; 32 with 256-bit vectors) is scored against four query tokens at once: for each
 * dimension, each query component is broadcast and fused-multiply-added against the four vectors
 * of document components, so each broadcast feeds four FMAs, each loaded vector four more, and no
 * horizontal reduction happens until the MaxSim is summed. A block meets every query token while
 * it is in the L1 cache, so a document is read from memory once. Tokens past the run's end (the
 * zero padding of the last panel) are masked out of the maxima. When one vector of tokens is
 * left (all of a document of at most 16 tokens at 512 bits), it is scored alone against four
 * query tokens rather than as a block of four vectors, three of them masked-off copies; one or
 * two query tokens left meet a block as two rather than as four, repeated.
 *
 * <p>Fused multiply-add only where Lucene measured it to be fast ({@link
 * Constants#HAS_FAST_VECTOR_FMA}, which {@code -Dlucene.useVectorFMA} overrides): without hardware
 * FMA the Vector API emulates it, far slower than a multiply and an add.
 *
 * <p>Loaded only when the jdk.incubator.vector module is present.
 */
abstract class PanamaFloat32MaxSimKernel implements Float32MaxSimKernel {

  private static final int PANEL = 16;

  /** Vectors of document tokens per block. */
  private static final int VECTORS = 4;

  /** Whether {@link #madd} fuses: a constant, so the JIT keeps one branch. */
  static final boolean FMA = Constants.HAS_FAST_VECTOR_FMA;

  /** {@code a * b + acc}, fused where that is fast. */
  static FloatVector madd(FloatVector a, FloatVector b, FloatVector acc) {
    return FMA ? a.fma(b, acc) : a.mul(b).add(acc);
  }

  /** The kernel for the preferred vector size, or null if a panel row cannot hold such vectors. */
  static Float32MaxSimKernel preferred() {
    int bits = FloatVector.SPECIES_PREFERRED.vectorBitSize();
    return bits >= 128 && bits <= 512 ? forBitSize(bits) : null;
  }

  /**
   * The kernel for vectors of 128, 256 or 512 bits, which a panel row of 16 floats holds a whole
   * number of. Any of them runs on any CPU, if slower than the preferred size.
   */
  static Float32MaxSimKernel forBitSize(int bits) {
    return switch (bits) {
      case 512 -> new Bits512();
      case 256 -> new Bits256();
      case 128 -> new Bits128();
      default -> throw new IllegalArgumentException("unsupported vector size " + bits);
    };
  }

  // The Vector API compiles to vector instructions only when the species is a constant: each
  // width gets a class whose species() returns a static final.

  private static final class Bits512 extends PanamaFloat32MaxSimKernel {
    private static final VectorSpecies<Float> SPECIES = FloatVector.SPECIES_512;

    @Override
    VectorSpecies<Float> species() {
      return SPECIES;
    }
  }

  private static final class Bits256 extends PanamaFloat32MaxSimKernel {
    private static final VectorSpecies<Float> SPECIES = FloatVector.SPECIES_256;

    @Override
    VectorSpecies<Float> species() {
      return SPECIES;
    }
  }

  private static final class Bits128 extends PanamaFloat32MaxSimKernel {
    private static final VectorSpecies<Float> SPECIES = FloatVector.SPECIES_128;

    @Override
    VectorSpecies<Float> species() {
      return SPECIES;
    }
  }

  abstract VectorSpecies<Float> species();

  @Override
  public void accumulate(float[] query, int dim, MemorySegment panels, long offset, int tokens, float[] maxima) {
    final int queryTokens = query.length / dim;
    final int lanes = species().length();
    final int paddedTokens = (tokens + PANEL - 1) / PANEL * PANEL;
    // Block by block of document tokens, each block against every query token while it is hot.
    for (int t = 0; t < tokens; t += VECTORS * lanes) {
      final long a = address(offset, dim, t);
      if (t + lanes >= tokens) {
        // One vector of tokens left (a short document's only one, or a long one's last): a block
        // of four would spend three quarters of its multiplications on masked-off copies.
        for (int i = 0; i < queryTokens; i += 4) {
          final int last = queryTokens - 1;
          block1(
              query,
              dim,
              i * dim,
              Math.min(i + 1, last) * dim,
              Math.min(i + 2, last) * dim,
              Math.min(i + 3, last) * dim,
              panels,
              a,
              t,
              tokens,
              maxima,
              i,
              Math.min(4, queryTokens - i));
        }
        break;
      }
      // Vectors past the last panel read the block's first again, and are masked off.
      final long b = t + lanes < paddedTokens ? address(offset, dim, t + lanes) : a;
      final long c = t + 2 * lanes < paddedTokens ? address(offset, dim, t + 2 * lanes) : a;
      final long d = t + 3 * lanes < paddedTokens ? address(offset, dim, t + 3 * lanes) : a;
      for (int i = 0; i < queryTokens; i += 4) {
        if (queryTokens - i <= 2) {
          // One or two query tokens left: a block of four would repeat them.
          final int q1 = Math.min(i + 1, queryTokens - 1) * dim;
          block2(query, dim, i * dim, q1, panels, a, b, c, d, t, tokens, maxima, i, queryTokens - i);
          break;
        }
        // Four query tokens, or three with the last repeated (its maxima are written once).
        final int last = queryTokens - 1;
        block(
            query,
            dim,
            i * dim,
            Math.min(i + 1, last) * dim,
            Math.min(i + 2, last) * dim,
            Math.min(i + 3, last) * dim,
            panels,
            a,
            b,
            c,
            d,
            t,
            tokens,
            maxima,
            i,
            Math.min(4, queryTokens - i));
      }
    }
  }

  /** As {@link #accumulate}'s blocks, each accumulator stored rather than folded into maxima. */
  @Override
  public void dotProducts(
      float[] rows, int dim, MemorySegment panels, long offset, int tokens, float[] scores, int stride) {
    blocks(rows, dim, panels, offset, tokens, STORE, scores, stride, null, null);
  }

  /**
   * As {@link #accumulate}'s blocks of four vectors of tokens against four rows at a time, each
   * lane keeping its best score (minus the bias) and the token that gave it, which a final pass
   * reduces to each row's winner: the dot products never leave the registers to be compared one
   * by one.
   */
  @Override
  public void nearest(
      float[] rows, int dim, MemorySegment panels, long offset, int tokens, float[] bias, int[] out, float[] best) {
    final int lanes = species().length();
    final int n = rows.length / dim;
    final float[] laneBest = new float[n * lanes];
    Arrays.fill(laneBest, Float.NEGATIVE_INFINITY);
    final float[] laneToken = new float[n * lanes];
    blocks(rows, dim, panels, offset, tokens, KEEP_NEAREST, laneBest, lanes, bias, laneToken);
    for (int i = 0; i < n; i++) {
      float s = Float.NEGATIVE_INFINITY;
      float token = -1;
      for (int lane = 0; lane < lanes; lane++) {
        final float ls = laneBest[i * lanes + lane], lt = laneToken[i * lanes + lane];
        if (ls > s || (ls == s && lt < token)) {
          s = ls;
          token = lt;
        }
      }
      if (s > best[i]) {
        best[i] = s;
        out[i] = (int) token;
      }
    }
  }

  /**
   * Every block of four vectors of the run's tokens against every four rows, in {@link
   * #centroidBlock}'s {@code mode}. The run's last block is masked, not special-cased: centroid
   * runs are long.
   */
  private void blocks(
      float[] rows,
      int dim,
      MemorySegment panels,
      long offset,
      int tokens,
      int mode,
      float[] out,
      int stride,
      float[] bias,
      float[] tokensOut) {
    final int lanes = species().length();
    final int n = rows.length / dim;
    final int paddedTokens = (tokens + PANEL - 1) / PANEL * PANEL;
    for (int t = 0; t < tokens; t += VECTORS * lanes) {
      final long a = address(offset, dim, t);
      final long b = t + lanes < paddedTokens ? address(offset, dim, t + lanes) : a;
      final long c = t + 2 * lanes < paddedTokens ? address(offset, dim, t + 2 * lanes) : a;
      final long d = t + 3 * lanes < paddedTokens ? address(offset, dim, t + 3 * lanes) : a;
      for (int i = 0; i < n; i += 4) {
        final int last = n - 1;
        centroidBlock(
            rows,
            dim,
            i * dim,
            Math.min(i + 1, last) * dim,
            Math.min(i + 2, last) * dim,
            Math.min(i + 3, last) * dim,
            panels,
            a,
            b,
            c,
            d,
            t,
            tokens,
            mode,
            out,
            stride,
            bias,
            tokensOut,
            i,
            Math.min(4, n - i));
      }
    }
  }

  /** Byte offset in the panels of component 0 of document token {@code token} (a lane start). */
  private static long address(long offset, int dim, int token) {
    return offset + ((long) (token / PANEL) * dim * PANEL + token % PANEL) * Float.BYTES;
  }

  /**
   * Four query tokens (from {@code q0..q3} in the query) against the block of four vectors of
   * document tokens at {@code a..d} (tokens {@code t ..}), raising the maxima of the first {@code
   * rows} of them, query tokens {@code i ..}: 16 accumulators, and each broadcast query component
   * feeds four FMAs.
   */
  private void block(
      float[] query,
      int dim,
      int q0,
      int q1,
      int q2,
      int q3,
      MemorySegment panels,
      long a,
      long b,
      long c,
      long d,
      int t,
      int tokens,
      float[] maxima,
      int i,
      int rows) {
    final VectorSpecies<Float> species = species();
    final int lanes = species.length();
    FloatVector zero = FloatVector.zero(species);
    FloatVector acc0a = zero, acc0b = zero, acc0c = zero, acc0d = zero;
    FloatVector acc1a = zero, acc1b = zero, acc1c = zero, acc1d = zero;
    FloatVector acc2a = zero, acc2b = zero, acc2c = zero, acc2d = zero;
    FloatVector acc3a = zero, acc3b = zero, acc3c = zero, acc3d = zero;
    for (int k = 0; k < dim; k++) {
      final long row = (long) k * PANEL * Float.BYTES;
      final FloatVector da = FloatVector.fromMemorySegment(species, panels, a + row, ByteOrder.LITTLE_ENDIAN);
      final FloatVector db = FloatVector.fromMemorySegment(species, panels, b + row, ByteOrder.LITTLE_ENDIAN);
      final FloatVector dc = FloatVector.fromMemorySegment(species, panels, c + row, ByteOrder.LITTLE_ENDIAN);
      final FloatVector dd = FloatVector.fromMemorySegment(species, panels, d + row, ByteOrder.LITTLE_ENDIAN);
      FloatVector qk = FloatVector.broadcast(species, query[q0 + k]);
      acc0a = madd(qk, da, acc0a);
      acc0b = madd(qk, db, acc0b);
      acc0c = madd(qk, dc, acc0c);
      acc0d = madd(qk, dd, acc0d);
      qk = FloatVector.broadcast(species, query[q1 + k]);
      acc1a = madd(qk, da, acc1a);
      acc1b = madd(qk, db, acc1b);
      acc1c = madd(qk, dc, acc1c);
      acc1d = madd(qk, dd, acc1d);
      qk = FloatVector.broadcast(species, query[q2 + k]);
      acc2a = madd(qk, da, acc2a);
      acc2b = madd(qk, db, acc2b);
      acc2c = madd(qk, dc, acc2c);
      acc2d = madd(qk, dd, acc2d);
      qk = FloatVector.broadcast(species, query[q3 + k]);
      acc3a = madd(qk, da, acc3a);
      acc3b = madd(qk, db, acc3b);
      acc3c = madd(qk, dc, acc3c);
      acc3d = madd(qk, dd, acc3d);
    }
    // The maxima are raised here rather than in a helper: vectors passed to a method the JIT does
    // not inline are boxed, which costs more than the block itself.
    final VectorMask<Float> ma = species.indexInRange(t, tokens);
    final VectorMask<Float> mb = species.indexInRange(t + lanes, tokens);
    final VectorMask<Float> mc = species.indexInRange(t + 2 * lanes, tokens);
    final VectorMask<Float> md = species.indexInRange(t + 3 * lanes, tokens);
    // Each vector's lanes are a slice of the query token's sixteen (all of them at 512 bits).
    final int la = t % PANEL;
    final int lb = (t + lanes) % PANEL;
    final int lc = (t + 2 * lanes) % PANEL;
    final int ld = (t + 3 * lanes) % PANEL;
    for (int row = 0; row < rows; row++) {
      final FloatVector va, vb, vc, vd;
      switch (row) {
        case 0 -> {
          va = acc0a;
          vb = acc0b;
          vc = acc0c;
          vd = acc0d;
        }
        case 1 -> {
          va = acc1a;
          vb = acc1b;
          vc = acc1c;
          vd = acc1d;
        }
        case 2 -> {
          va = acc2a;
          vb = acc2b;
          vc = acc2c;
          vd = acc2d;
        }
        default -> {
          va = acc3a;
          vb = acc3b;
          vc = acc3c;
          vd = acc3d;
        }
      }
      final int base = (i + row) * PANEL;
      if (lanes == PANEL) {
        FloatVector.fromArray(species, maxima, base)
            .lanewise(VectorOperators.MAX, va, ma)
            .lanewise(VectorOperators.MAX, vb, mb)
            .lanewise(VectorOperators.MAX, vc, mc)
            .lanewise(VectorOperators.MAX, vd, md)
            .intoArray(maxima, base);
      } else {
        FloatVector.fromArray(species, maxima, base + la).lanewise(VectorOperators.MAX, va, ma).intoArray(maxima, base + la);
        FloatVector.fromArray(species, maxima, base + lb).lanewise(VectorOperators.MAX, vb, mb).intoArray(maxima, base + lb);
        FloatVector.fromArray(species, maxima, base + lc).lanewise(VectorOperators.MAX, vc, mc).intoArray(maxima, base + lc);
        FloatVector.fromArray(species, maxima, base + ld).lanewise(VectorOperators.MAX, vd, md).intoArray(maxima, base + ld);
      }
    }
  }

  /** What {@link #centroidBlock} does with its dot products. */
  private static final int STORE = 0, KEEP_NEAREST = 1;

  /**
   * {@link #block}'s sixteen accumulators for rows {@code q0..q3} against centroids {@code t ..},
   * then, for the first {@code rows} rows, by {@code mode}: {@link #STORE} stores the dot products
   * at {@code out[(i + row) * stride + token]}; {@link #KEEP_NEAREST} raises each lane's best dot
   * product minus {@code bias[token]} ({@code out}, {@code stride} a row) and records its token in
   * {@code tokensOut}. Apart from {@link #block}, whose maxima are MaxSim's hot path: sharing one
   * method made MaxSim at 384 x 70 x 10 about an eighth slower.
   */
  private void centroidBlock(
      float[] query,
      int dim,
      int q0,
      int q1,
      int q2,
      int q3,
      MemorySegment panels,
      long a,
      long b,
      long c,
      long d,
      int t,
      int tokens,
      int mode,
      float[] out,
      int stride,
      float[] bias,
      float[] tokensOut,
      int i,
      int rows) {
    final VectorSpecies<Float> species = species();
    final int lanes = species.length();
    FloatVector zero = FloatVector.zero(species);
    FloatVector acc0a = zero, acc0b = zero, acc0c = zero, acc0d = zero;
    FloatVector acc1a = zero, acc1b = zero, acc1c = zero, acc1d = zero;
    FloatVector acc2a = zero, acc2b = zero, acc2c = zero, acc2d = zero;
    FloatVector acc3a = zero, acc3b = zero, acc3c = zero, acc3d = zero;
    for (int k = 0; k < dim; k++) {
      final long row = (long) k * PANEL * Float.BYTES;
      final FloatVector da = FloatVector.fromMemorySegment(species, panels, a + row, ByteOrder.LITTLE_ENDIAN);
      final FloatVector db = FloatVector.fromMemorySegment(species, panels, b + row, ByteOrder.LITTLE_ENDIAN);
      final FloatVector dc = FloatVector.fromMemorySegment(species, panels, c + row, ByteOrder.LITTLE_ENDIAN);
      final FloatVector dd = FloatVector.fromMemorySegment(species, panels, d + row, ByteOrder.LITTLE_ENDIAN);
      FloatVector qk = FloatVector.broadcast(species, query[q0 + k]);
      acc0a = madd(qk, da, acc0a);
      acc0b = madd(qk, db, acc0b);
      acc0c = madd(qk, dc, acc0c);
      acc0d = madd(qk, dd, acc0d);
      qk = FloatVector.broadcast(species, query[q1 + k]);
      acc1a = madd(qk, da, acc1a);
      acc1b = madd(qk, db, acc1b);
      acc1c = madd(qk, dc, acc1c);
      acc1d = madd(qk, dd, acc1d);
      qk = FloatVector.broadcast(species, query[q2 + k]);
      acc2a = madd(qk, da, acc2a);
      acc2b = madd(qk, db, acc2b);
      acc2c = madd(qk, dc, acc2c);
      acc2d = madd(qk, dd, acc2d);
      qk = FloatVector.broadcast(species, query[q3 + k]);
      acc3a = madd(qk, da, acc3a);
      acc3b = madd(qk, db, acc3b);
      acc3c = madd(qk, dc, acc3c);
      acc3d = madd(qk, dd, acc3d);
    }
    final VectorMask<Float> ma = species.indexInRange(t, tokens);
    final VectorMask<Float> mb = species.indexInRange(t + lanes, tokens);
    final VectorMask<Float> mc = species.indexInRange(t + 2 * lanes, tokens);
    final VectorMask<Float> md = species.indexInRange(t + 3 * lanes, tokens);
    final boolean nearest = mode == KEEP_NEAREST;
    final FloatVector ba = nearest ? FloatVector.fromArray(species, bias, t, ma) : zero;
    final FloatVector bb = nearest ? FloatVector.fromArray(species, bias, t + lanes, mb) : zero;
    final FloatVector bc = nearest ? FloatVector.fromArray(species, bias, t + 2 * lanes, mc) : zero;
    final FloatVector bd = nearest ? FloatVector.fromArray(species, bias, t + 3 * lanes, md) : zero;
    final FloatVector ta = nearest ? zero.add(t).addIndex(1) : zero; // tokens: exact below 2^24
    final FloatVector tb = nearest ? ta.add(lanes) : zero;
    final FloatVector tc = nearest ? ta.add(2 * lanes) : zero;
    final FloatVector td = nearest ? ta.add(3 * lanes) : zero;
    for (int row = 0; row < rows; row++) {
      final FloatVector va, vb, vc, vd;
      switch (row) {
        case 0 -> {
          va = acc0a;
          vb = acc0b;
          vc = acc0c;
          vd = acc0d;
        }
        case 1 -> {
          va = acc1a;
          vb = acc1b;
          vc = acc1c;
          vd = acc1d;
        }
        case 2 -> {
          va = acc2a;
          vb = acc2b;
          vc = acc2c;
          vd = acc2d;
        }
        default -> {
          va = acc3a;
          vb = acc3b;
          vc = acc3c;
          vd = acc3d;
        }
      }
      switch (mode) {
        case STORE -> {
          final int base = (i + row) * stride + t;
          va.intoArray(out, base, ma);
          vb.intoArray(out, base + lanes, mb);
          vc.intoArray(out, base + 2 * lanes, mc);
          vd.intoArray(out, base + 3 * lanes, md);
        }
        default -> {
          // Strictly greater, in token order: each lane keeps the first of equal scores.
          final int base = (i + row) * stride;
          FloatVector best = FloatVector.fromArray(species, out, base);
          FloatVector token = FloatVector.fromArray(species, tokensOut, base);
          FloatVector s = va.sub(ba);
          VectorMask<Float> wins = s.compare(VectorOperators.GT, best).and(ma);
          best = best.blend(s, wins);
          token = token.blend(ta, wins);
          s = vb.sub(bb);
          wins = s.compare(VectorOperators.GT, best).and(mb);
          best = best.blend(s, wins);
          token = token.blend(tb, wins);
          s = vc.sub(bc);
          wins = s.compare(VectorOperators.GT, best).and(mc);
          best = best.blend(s, wins);
          token = token.blend(tc, wins);
          s = vd.sub(bd);
          wins = s.compare(VectorOperators.GT, best).and(md);
          best = best.blend(s, wins);
          token = token.blend(td, wins);
          best.intoArray(out, base);
          token.intoArray(tokensOut, base);
        }
      }
    }
  }

  /** As {@link #block}, for two query tokens: eight accumulators. */
  private void block2(
      float[] query,
      int dim,
      int q0,
      int q1,
      MemorySegment panels,
      long a,
      long b,
      long c,
      long d,
      int t,
      int tokens,
      float[] maxima,
      int i,
      int rows) {
    final VectorSpecies<Float> species = species();
    final int lanes = species.length();
    FloatVector acc0a = FloatVector.zero(species), acc0b = acc0a, acc0c = acc0a, acc0d = acc0a;
    FloatVector acc1a = acc0a, acc1b = acc0a, acc1c = acc0a, acc1d = acc0a;
    for (int k = 0; k < dim; k++) {
      final long row = (long) k * PANEL * Float.BYTES;
      final FloatVector da = FloatVector.fromMemorySegment(species, panels, a + row, ByteOrder.LITTLE_ENDIAN);
      final FloatVector db = FloatVector.fromMemorySegment(species, panels, b + row, ByteOrder.LITTLE_ENDIAN);
      final FloatVector dc = FloatVector.fromMemorySegment(species, panels, c + row, ByteOrder.LITTLE_ENDIAN);
      final FloatVector dd = FloatVector.fromMemorySegment(species, panels, d + row, ByteOrder.LITTLE_ENDIAN);
      FloatVector qk = FloatVector.broadcast(species, query[q0 + k]);
      acc0a = madd(qk, da, acc0a);
      acc0b = madd(qk, db, acc0b);
      acc0c = madd(qk, dc, acc0c);
      acc0d = madd(qk, dd, acc0d);
      qk = FloatVector.broadcast(species, query[q1 + k]);
      acc1a = madd(qk, da, acc1a);
      acc1b = madd(qk, db, acc1b);
      acc1c = madd(qk, dc, acc1c);
      acc1d = madd(qk, dd, acc1d);
    }
    final VectorMask<Float> ma = species.indexInRange(t, tokens);
    final VectorMask<Float> mb = species.indexInRange(t + lanes, tokens);
    final VectorMask<Float> mc = species.indexInRange(t + 2 * lanes, tokens);
    final VectorMask<Float> md = species.indexInRange(t + 3 * lanes, tokens);
    final int la = t % PANEL;
    final int lb = (t + lanes) % PANEL;
    final int lc = (t + 2 * lanes) % PANEL;
    final int ld = (t + 3 * lanes) % PANEL;
    for (int row = 0; row < rows; row++) {
      final FloatVector va = row == 0 ? acc0a : acc1a;
      final FloatVector vb = row == 0 ? acc0b : acc1b;
      final FloatVector vc = row == 0 ? acc0c : acc1c;
      final FloatVector vd = row == 0 ? acc0d : acc1d;
      final int base = (i + row) * PANEL;
      if (lanes == PANEL) {
        FloatVector.fromArray(species, maxima, base)
            .lanewise(VectorOperators.MAX, va, ma)
            .lanewise(VectorOperators.MAX, vb, mb)
            .lanewise(VectorOperators.MAX, vc, mc)
            .lanewise(VectorOperators.MAX, vd, md)
            .intoArray(maxima, base);
      } else {
        FloatVector.fromArray(species, maxima, base + la).lanewise(VectorOperators.MAX, va, ma).intoArray(maxima, base + la);
        FloatVector.fromArray(species, maxima, base + lb).lanewise(VectorOperators.MAX, vb, mb).intoArray(maxima, base + lb);
        FloatVector.fromArray(species, maxima, base + lc).lanewise(VectorOperators.MAX, vc, mc).intoArray(maxima, base + lc);
        FloatVector.fromArray(species, maxima, base + ld).lanewise(VectorOperators.MAX, vd, md).intoArray(maxima, base + ld);
      }
    }
  }

  /** As {@link #block}, for the one vector of document tokens at {@code a}: four accumulators. */
  private void block1(
      float[] query,
      int dim,
      int q0,
      int q1,
      int q2,
      int q3,
      MemorySegment panels,
      long a,
      int t,
      int tokens,
      float[] maxima,
      int i,
      int rows) {
    final VectorSpecies<Float> species = species();
    FloatVector acc0 = FloatVector.zero(species), acc1 = acc0, acc2 = acc0, acc3 = acc0;
    for (int k = 0; k < dim; k++) {
      final FloatVector da =
          FloatVector.fromMemorySegment(species, panels, a + (long) k * PANEL * Float.BYTES, ByteOrder.LITTLE_ENDIAN);
      acc0 = madd(FloatVector.broadcast(species, query[q0 + k]), da, acc0);
      acc1 = madd(FloatVector.broadcast(species, query[q1 + k]), da, acc1);
      acc2 = madd(FloatVector.broadcast(species, query[q2 + k]), da, acc2);
      acc3 = madd(FloatVector.broadcast(species, query[q3 + k]), da, acc3);
    }
    final VectorMask<Float> ma = species.indexInRange(t, tokens);
    final int la = t % PANEL;
    for (int row = 0; row < rows; row++) {
      final FloatVector va =
          switch (row) {
            case 0 -> acc0;
            case 1 -> acc1;
            case 2 -> acc2;
            default -> acc3;
          };
      final int base = (i + row) * PANEL + la;
      FloatVector.fromArray(species, maxima, base).lanewise(VectorOperators.MAX, va, ma).intoArray(maxima, base);
    }
  }

  @Override
  public String name() {
    return "panama-" + species().vectorBitSize();
  }
}
