package dev.multivector.lucene.codec;

import dev.multivector.lucene.internal.vectorization.Float32MaxSimKernel;
import dev.multivector.lucene.internal.vectorization.KernelProvider;
import java.lang.foreign.Arena;
import java.lang.foreign.MemorySegment;
import java.lang.foreign.ValueLayout;
import java.nio.ByteOrder;

/**
 * Centroids held as float32 panels (the layout of {@link PanelLayout}), scored against a batch of
 * vectors by the MaxSim kernel's dot products and nearest-centroid search, which keep its blocks
 * of four vectors of centroids against four rows of the batch: k-means, token assignment and a
 * query's centroid scores run at the speed of MaxSim.
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

  /**
   * Sets {@code scores[i * stride + j]} to the dot product of row {@code i} of {@code batch}
   * (row-major) and centroid {@code first + j}, for {@code j < count <= stride}.
   *
   * @param first a multiple of 16 (a panel's first centroid)
   */
  void dotProducts(float[] batch, int first, int count, float[] scores, int stride) {
    assert first % PanelLayout.PANEL_TOKENS == 0 && first + count <= this.count;
    KERNEL.dotProducts(batch, dimension, panels, first / PanelLayout.PANEL_TOKENS * panelBytes, count, scores, stride);
  }

  /**
   * The nearest centroid by Euclidean distance of each row of {@code batch}: the one with the
   * largest {@code x . c - |c|^2 / 2}, given {@code halfSquaredNorms} of the centroids (the first
   * of equals).
   *
   * @param out receives, for each row, the index of its nearest centroid
   * @param best receives, for each row, that centroid's {@code x . c - |c|^2 / 2}
   */
  void nearest(float[] batch, float[] halfSquaredNorms, int[] out, float[] best) {
    java.util.Arrays.fill(best, 0, batch.length / dimension, Float.NEGATIVE_INFINITY);
    KERNEL.nearest(batch, dimension, panels, 0, count, halfSquaredNorms, out, best);
  }
}
