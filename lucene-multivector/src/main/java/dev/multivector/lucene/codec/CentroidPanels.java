package dev.multivector.lucene.codec;

import dev.multivector.lucene.internal.vectorization.Float32MaxSimKernel;
import dev.multivector.lucene.internal.vectorization.KernelProvider;
import java.lang.foreign.Arena;
import java.lang.foreign.MemorySegment;
import java.lang.foreign.ValueLayout;
import java.nio.ByteOrder;

/**
 * Centroids held as float32 panels (the layout of {@link PanelLayout}), scored against a batch of
 * vectors sixteen centroids at a time by the MaxSim kernel: with its running maxima reset before
 * each panel, the kernel's maxima are the dot products themselves. The kernel is what makes
 * k-means, token assignment and a query's centroid scores run at the speed of MaxSim.
 */
final class CentroidPanels {

  private static final Float32MaxSimKernel KERNEL = KernelProvider.float32();

  /** Panels are little-endian, in files as in memory (as the kernels read mapped files). */
  private static final ValueLayout.OfFloat FLOAT_LE =
      ValueLayout.JAVA_FLOAT_UNALIGNED.withOrder(ByteOrder.LITTLE_ENDIAN);

  private final MemorySegment panels;
  private final int dimension;
  private final int count;
  private final long panelBytes;

  /** Panels read in place: {@code ceil(count / 16)} panels of {@code dimension} components. */
  CentroidPanels(MemorySegment panels, int dimension, int count) {
    this.panels = panels;
    this.dimension = dimension;
    this.count = count;
    this.panelBytes = (long) PanelLayout.panelFloats(dimension) * Float.BYTES;
  }

  /** Panels of centroids {@code [from, from + count)} of row-major {@code rows}, off-heap. */
  static CentroidPanels of(float[] rows, int from, int count, int dimension) {
    MemorySegment segment = Arena.ofAuto().allocate(panelsByteSize(count, dimension), 64);
    writePanels(rows, from, count, dimension, segment, 0);
    return new CentroidPanels(segment, dimension, count);
  }

  /** Bytes of the panels of {@code count} centroids. */
  static long panelsByteSize(int count, int dimension) {
    return (long) PanelLayout.panelCount(count) * PanelLayout.panelFloats(dimension) * Float.BYTES;
  }

  /** Writes the panels of row-major centroids {@code [from, from + count)}, zero-padded. */
  static void writePanels(
      float[] rows, int from, int count, int dimension, MemorySegment dest, long offset) {
    dest.asSlice(offset, panelsByteSize(count, dimension)).fill((byte) 0);
    for (int c = 0; c < count; c++) {
      for (int k = 0; k < dimension; k++) {
        dest.set(FLOAT_LE, offset + componentOffset(dimension, c, k), rows[(from + c) * dimension + k]);
      }
    }
  }

  /** The centroids, row-major: the inverse of {@link #writePanels}. */
  float[] rows() {
    float[] rows = new float[count * dimension];
    for (int c = 0; c < count; c++) {
      for (int k = 0; k < dimension; k++) {
        rows[c * dimension + k] = panels.get(FLOAT_LE, componentOffset(dimension, c, k));
      }
    }
    return rows;
  }

  /** The byte offset of component {@code k} of centroid {@code c} in the panels. */
  private static long componentOffset(int dimension, int c, int k) {
    return ((long) PanelLayout.tokenOffset(dimension, c) + (long) k * PanelLayout.PANEL_TOKENS) * Float.BYTES;
  }

  int count() {
    return count;
  }

  int panelCount() {
    return PanelLayout.panelCount(count);
  }

  /**
   * Sets {@code scores[i * 16 + lane]} to the dot product of row {@code i} of {@code batch}
   * (row-major) and centroid {@code 16 * panel + lane}; lanes past {@link #count()} are
   * meaningless.
   *
   * @param scores {@code 16 * batch.length / dimension} floats
   */
  void score(float[] batch, int panel, float[] scores) {
    Float32MaxSimKernel.resetMaxima(scores);
    int tokens = Math.min(PanelLayout.PANEL_TOKENS, count - panel * PanelLayout.PANEL_TOKENS);
    KERNEL.accumulate(batch, dimension, panels, panel * panelBytes, tokens, scores);
  }

  /**
   * The nearest centroid by Euclidean distance of each row of {@code batch}: the one with the
   * largest {@code x . c - |c|^2 / 2}, given {@code halfSquaredNorms} of the centroids.
   *
   * @param out receives, for each row, the index of its nearest centroid
   * @param best receives, for each row, that centroid's {@code x . c - |c|^2 / 2}
   */
  void nearest(float[] batch, float[] halfSquaredNorms, int[] out, float[] best) {
    int rows = batch.length / dimension;
    float[] scores = new float[rows * PanelLayout.PANEL_TOKENS];
    java.util.Arrays.fill(best, 0, rows, Float.NEGATIVE_INFINITY);
    for (int p = 0; p < panelCount(); p++) {
      score(batch, p, scores);
      int lanes = Math.min(PanelLayout.PANEL_TOKENS, count - p * PanelLayout.PANEL_TOKENS);
      for (int i = 0; i < rows; i++) {
        for (int lane = 0; lane < lanes; lane++) {
          int c = p * PanelLayout.PANEL_TOKENS + lane;
          float s = scores[i * PanelLayout.PANEL_TOKENS + lane] - halfSquaredNorms[c];
          if (s > best[i]) {
            best[i] = s;
            out[i] = c;
          }
        }
      }
    }
  }
}
