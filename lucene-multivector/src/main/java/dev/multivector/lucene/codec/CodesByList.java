package dev.multivector.lucene.codec;

import java.io.Closeable;
import java.io.IOException;
import java.util.ArrayList;
import java.util.List;
import org.apache.lucene.store.Directory;
import org.apache.lucene.store.IOContext;
import org.apache.lucene.store.IndexInput;
import org.apache.lucene.store.IndexOutput;
import org.apache.lucene.util.IORunnable;
import org.apache.lucene.util.IOUtils;

/**
 * A centroid index's codes, produced in token order, gathered into list order without reading any
 * back at random. Each code goes, with its centroid, to the temporary file of its partition (a
 * run of consecutive centroids, sized from the sample's assignment to about half the buffer);
 * each partition file is then read in order, its codes placed in list order in a buffer of at
 * most {@link #GATHER_BYTES}, and the buffer written. A partition that outgrew the
 * buffer is read once a buffer-full of lists; a list that alone outgrows it is copied as read.
 *
 * <p>Why: the codes of a large segment do not fit the heap (3.5 GB at the synthetic million's
 * force-merge), and seeking to every token's code in one token-order file, as before, is fast
 * only while the page cache holds that whole file.
 */
final class CodesByList implements Closeable {

  /** Most bytes of codes held in heap at a time. */
  static final int GATHER_BYTES = 1 << 26;

  /**
   * A partition's estimated size is at least the codes' total over this, so there are at most
   * about twice as many temporary files, and file handles stay few.
   */
  private static final int MAX_PARTITIONS = 256;

  private final Directory directory;
  private final int codeBytes;
  private final int gatherBytes;
  private final int[] partitionOf; // by centroid
  private final int[] partitionStart; // partition p has centroids [start[p], start[p + 1])
  private final IndexOutput[] outputs;
  private final List<String> names = new ArrayList<>();

  /**
   * @param sampleCounts sample tokens assigned to each centroid
   * @param tokens the segment's tokens, which the sample estimates
   * @param gatherBytes most bytes of codes held in heap at a time ({@link #GATHER_BYTES}; less in
   *     tests)
   */
  CodesByList(
      Directory directory,
      String prefix,
      IOContext context,
      int codeBytes,
      int[] sampleCounts,
      long tokens,
      int gatherBytes)
      throws IOException {
    this.directory = directory;
    this.codeBytes = codeBytes;
    this.gatherBytes = gatherBytes;
    long sampled = 0;
    for (int n : sampleCounts) {
      sampled += n;
    }
    double bytesPerSampled = (double) tokens / Math.max(1, sampled) * (Integer.BYTES + codeBytes);
    double target = Math.max(gatherBytes / 2.0, tokens * (Integer.BYTES + codeBytes) / (double) MAX_PARTITIONS);
    this.partitionOf = new int[sampleCounts.length];
    List<Integer> starts = new ArrayList<>(List.of(0));
    double filled = 0;
    for (int c = 0; c < sampleCounts.length; c++) {
      double bytes = sampleCounts[c] * bytesPerSampled;
      if (filled > 0 && filled + bytes > target) {
        starts.add(c);
        filled = 0;
      }
      filled += bytes;
      partitionOf[c] = starts.size() - 1;
    }
    starts.add(sampleCounts.length);
    this.partitionStart = starts.stream().mapToInt(Integer::intValue).toArray();
    this.outputs = new IndexOutput[partitionStart.length - 1];
    boolean success = false;
    try {
      for (int p = 0; p < outputs.length; p++) {
        outputs[p] = directory.createTempOutput(prefix, "codes", context);
        names.add(outputs[p].getName());
      }
      success = true;
    } finally {
      if (success == false) {
        close();
      }
    }
  }

  /** Adds the next token's code (tokens come in order), {@code codeBytes} bytes at {@code offset}. */
  void add(int centroid, byte[] codes, int offset) throws IOException {
    IndexOutput out = outputs[partitionOf[centroid]];
    out.writeInt(centroid);
    out.writeBytes(codes, offset, codeBytes);
  }

  /** Writes every code to {@code data} in list order; {@code listStarts} as the format's. */
  void writeInListOrder(int[] listStarts, IndexOutput data, IORunnable abortCheck) throws IOException {
    IOUtils.close(outputs);
    byte[] buffer = null;
    byte[] code = new byte[codeBytes];
    for (int p = 0; p < outputs.length; p++) {
      for (int from = partitionStart[p], end = partitionStart[p + 1]; from < end; ) {
        int to = from + 1; // lists [from, to): as many as the buffer holds, at least one
        while (to < end && (long) (listStarts[to + 1] - listStarts[from]) * codeBytes <= gatherBytes) {
          to++;
        }
        long bytes = (long) (listStarts[to] - listStarts[from]) * codeBytes;
        try (IndexInput in = directory.openInput(names.get(p), IOContext.READONCE)) {
          long entries = in.length() / (Integer.BYTES + codeBytes);
          if (bytes > gatherBytes) { // one list, larger than the buffer: its codes are in order
            for (long e = 0; e < entries; e++) {
              int centroid = in.readInt();
              in.readBytes(code, 0, codeBytes);
              if (centroid == from) {
                data.writeBytes(code, codeBytes);
              }
            }
          } else {
            if (buffer == null || buffer.length < bytes) {
              buffer = new byte[(int) bytes];
            }
            int[] next = new int[to - from];
            for (int c = from; c < to; c++) {
              next[c - from] = (listStarts[c] - listStarts[from]) * codeBytes;
            }
            for (long e = 0; e < entries; e++) {
              int centroid = in.readInt();
              if (centroid >= from && centroid < to) {
                in.readBytes(buffer, next[centroid - from], codeBytes);
                next[centroid - from] += codeBytes;
              } else {
                in.skipBytes(codeBytes);
              }
            }
            data.writeBytes(buffer, (int) bytes);
          }
        }
        abortCheck.run();
        from = to;
      }
    }
  }

  /** Closes and deletes the temporary files. */
  @Override
  public void close() throws IOException {
    IOUtils.closeWhileHandlingException(outputs);
    IOUtils.deleteFilesIgnoringExceptions(directory, names);
  }
}
