package dev.multivector.lucene.codec;

import static dev.multivector.lucene.codec.CentroidTokenIndexFormat.LIST_STARTS_BLOCK_SHIFT;
import static dev.multivector.lucene.codec.CentroidTokenIndexFormat.MAX_SAMPLE_VALUES;
import static dev.multivector.lucene.codec.CentroidTokenIndexFormat.SAMPLE_PER_CENTROID;
import static dev.multivector.lucene.codec.CentroidTokenIndexFormat.SEED;

import dev.multivector.lucene.document.MultiVectorFieldConfig;
import java.io.IOException;
import java.lang.foreign.MemorySegment;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Locale;
import java.util.Random;
import java.util.concurrent.Callable;
import org.apache.lucene.codecs.CodecUtil;
import org.apache.lucene.index.SegmentWriteState;
import org.apache.lucene.search.TaskExecutor;
import org.apache.lucene.store.IndexOutput;
import org.apache.lucene.util.FixedBitSet;
import org.apache.lucene.util.IORunnable;
import org.apache.lucene.util.IOUtils;
import org.apache.lucene.util.InfoStream;
import org.apache.lucene.util.packed.DirectMonotonicWriter;
import org.apache.lucene.util.packed.DirectWriter;

/** Writes {@link CentroidTokenIndexFormat}. */
final class CentroidTokenIndexWriter extends TokenIndexWriter {

  /** The info stream component of the build's timings. */
  static final String INFO_COMPONENT = "CentroidTokenIndex";

  /** Tokens assigned to centroids at a time. */
  private static final int BLOCK = 4096;

  private final SegmentWriteState state;
  private final IndexOutput meta, data;
  private boolean finished;

  CentroidTokenIndexWriter(SegmentWriteState state) throws IOException {
    this.state = state;
    IndexOutput meta = null, data = null;
    boolean success = false;
    try {
      meta = create(CentroidTokenIndexFormat.META_EXTENSION, CentroidTokenIndexFormat.META_CODEC);
      data = create(CentroidTokenIndexFormat.DATA_EXTENSION, CentroidTokenIndexFormat.DATA_CODEC);
      success = true;
    } finally {
      if (success == false) {
        IOUtils.closeWhileHandlingException(meta, data);
      }
    }
    this.meta = meta;
    this.data = data;
  }

  private IndexOutput create(String extension, String codec) throws IOException {
    return FormatFiles.create(state, extension, codec, CentroidTokenIndexFormat.VERSION_CURRENT);
  }

  @Override
  public void addField(FieldTokens tokens, Merge merge) throws IOException {
    MultiVectorFieldConfig.CentroidIndex settings =
        MultiVectorFieldConfig.fromFieldInfo(tokens.field()).centroidIndex();
    final int dimension = tokens.dimension();
    final int count = tokens.tokenCount();
    IORunnable abortCheck = merge == null ? () -> {} : merge.abortCheck();
    // A merge's threads share the work; a flush is already one of several indexing threads.
    int workers = merge == null || merge.executor() == null ? 1 : Runtime.getRuntime().availableProcessors();
    TaskExecutor executor = new TaskExecutor(workers == 1 ? Runnable::run : merge.executor());

    int wanted = settings.centroidsFor(count);
    int sampleSize =
        (int) Math.min(count, Math.min(MAX_SAMPLE_VALUES / dimension, (long) wanted * SAMPLE_PER_CENTROID));
    long start = System.nanoTime();
    float[] sample = readSample(tokens, sampleSize);
    long sampled = System.nanoTime();
    abortCheck.run();
    CentroidCodebook codebook = CentroidCodebook.train(sample, sampleSize, dimension, wanted, SEED, executor);
    abortCheck.run();
    int[] sampleCentroid = new int[sampleSize];
    codebook.assign(sample, sampleSize, sampleCentroid);
    ResidualCodec codec = trainCodec(settings.residualBits(), codebook, sample, sampleCentroid);
    sample = null; // no longer needed: let a large sample go before the pass over every token
    int[] sampleCounts = new int[codebook.count];
    for (int c : sampleCentroid) {
      sampleCounts[c]++;
    }
    long trained = System.nanoTime();

    int codeBytes = codec.codeBytes(dimension);
    int[] centroidOf = new int[count];
    try (CodesByList codes =
        new CodesByList(
            state.directory, data.getName(), state.context, codeBytes, sampleCounts, count, CodesByList.GATHER_BYTES)) {
      assignAndEncode(tokens, codebook, codec, centroidOf, codes, abortCheck, executor, workers);
      long assigned = System.nanoTime();
      // Lists: token numbers grouped by centroid, ascending within each (a counting sort).
      int[] listStarts = new int[codebook.count + 1];
      for (int c : centroidOf) {
        listStarts[c + 1]++;
      }
      for (int c = 0; c < codebook.count; c++) {
        listStarts[c + 1] += listStarts[c];
      }
      int[] byList = new int[count];
      int[] next = Arrays.copyOf(listStarts, codebook.count);
      for (int token = 0; token < count; token++) {
        byList[next[centroidOf[token]]++] = token;
      }
      centroidOf = null;

      meta.writeInt(tokens.field().number);
      meta.writeVInt(dimension);
      meta.writeInt(count);
      meta.writeByte((byte) codec.bits);
      meta.writeInt(codebook.count);
      for (float cutoff : codec.cutoffs) {
        meta.writeInt(Float.floatToIntBits(cutoff));
      }
      for (float weight : codec.weights) {
        meta.writeInt(Float.floatToIntBits(weight));
      }
      writeCentroids(codebook);
      writeListStarts(listStarts);
      writeTokenNumbers(byList, count);
      abortCheck.run();
      long codesOffset = data.getFilePointer();
      codes.writeInListOrder(listStarts, data, abortCheck);
      meta.writeLong(codesOffset);
      meta.writeLong(data.getFilePointer() - codesOffset);
      if (infoStream().isEnabled(INFO_COMPONENT)) {
        infoStream()
            .message(
                INFO_COMPONENT,
                String.format(
                    Locale.ROOT,
                    "field %s%s: %d tokens, %d centroids, %d-token sample read in %.1f s, trained in"
                        + " %.1f s; tokens assigned and encoded in %.1f s (%d threads), lists written in %.1f s",
                    tokens.field().name,
                    merge == null ? "" : " (merge)",
                    count,
                    codebook.count,
                    sampleSize,
                    (sampled - start) / 1e9,
                    (trained - sampled) / 1e9,
                    (assigned - trained) / 1e9,
                    workers,
                    (System.nanoTime() - assigned) / 1e9));
      }
    }
  }

  /** {@code sampleSize} distinct tokens drawn with the fixed seed, row-major, in token order. */
  private static float[] readSample(FieldTokens tokens, int sampleSize) throws IOException {
    final int dimension = tokens.dimension();
    final int count = tokens.tokenCount();
    FixedBitSet chosen = new FixedBitSet(count);
    if (sampleSize == count) {
      chosen.set(0, count);
    } else {
      Random random = new Random(SEED);
      for (int j = count - sampleSize; j < count; j++) { // Floyd's algorithm
        int t = random.nextInt(j + 1);
        chosen.set(chosen.get(t) ? j : t);
      }
    }
    float[] sample = new float[sampleSize * dimension];
    int[] taken = {0};
    int read =
        TokenRows.forEach(
            tokens.documents().get(),
            (first, rows, n) -> {
              for (int t = 0; t < n; t++) {
                if (chosen.get(first + t)) {
                  System.arraycopy(rows, t * dimension, sample, taken[0]++ * dimension, dimension);
                }
              }
            });
    checkCount(tokens, read);
    return sample;
  }

  private static void checkCount(FieldTokens tokens, int read) {
    if (read != tokens.tokenCount()) {
      throw new IllegalStateException(
          "field \"" + tokens.field().name + "\": " + read + " tokens, expected " + tokens.tokenCount());
    }
  }

  /** The buckets, from the residuals of sample tokens from their centroids. */
  private static ResidualCodec trainCodec(
      int bits, CentroidCodebook codebook, float[] sample, int[] centroid) {
    int dimension = codebook.dimension;
    long available = (long) centroid.length * dimension;
    Random random = new Random(SEED);
    float[] residuals = new float[(int) Math.min(available, ResidualCodec.QUANTILE_SAMPLE)];
    for (int i = 0; i < residuals.length; i++) {
      long value = residuals.length == available ? i : (long) (random.nextDouble() * available);
      int t = (int) (value / dimension), d = (int) (value % dimension);
      residuals[i] = sample[t * dimension + d] - codebook.centroids[centroid[t] * dimension + d];
    }
    return ResidualCodec.train(bits, residuals);
  }

  /**
   * Assigns every token to its centroid and adds its codes, in token order, to {@code out}: a
   * block of tokens at a time, in {@code workers} parts in parallel.
   */
  private static void assignAndEncode(
      FieldTokens tokens,
      CentroidCodebook codebook,
      ResidualCodec codec,
      int[] centroidOf,
      CodesByList out,
      IORunnable abortCheck,
      TaskExecutor executor,
      int workers)
      throws IOException {
    final int dimension = tokens.dimension();
    final int blockSize = BLOCK * workers;
    final int codeBytes = codec.codeBytes(dimension);
    float[] block = new float[blockSize * dimension];
    byte[] codes = new byte[blockSize * codeBytes];
    int[] inBlock = {0};
    int read =
        TokenRows.forEach(
            tokens.documents().get(),
            (first, rows, n) -> {
              for (int t = 0; t < n; t++) {
                System.arraycopy(rows, t * dimension, block, inBlock[0]++ * dimension, dimension);
                if (inBlock[0] == blockSize) {
                  encodeBlock(codebook, codec, block, blockSize, centroidOf, first + t + 1 - blockSize, codes, out, executor, workers);
                  inBlock[0] = 0;
                  abortCheck.run();
                }
              }
            });
    if (inBlock[0] > 0) {
      encodeBlock(codebook, codec, block, inBlock[0], centroidOf, read - inBlock[0], codes, out, executor, workers);
    }
    checkCount(tokens, read);
  }

  /**
   * Assigns and encodes the first {@code n} tokens of {@code block}, in parts in parallel, and
   * adds their codes to {@code out}.
   */
  private static void encodeBlock(
      CentroidCodebook codebook,
      ResidualCodec codec,
      float[] block,
      int n,
      int[] centroidOf,
      int firstToken,
      byte[] codes,
      CodesByList out,
      TaskExecutor executor,
      int workers)
      throws IOException {
    int dimension = codebook.dimension;
    int codeBytes = codec.codeBytes(dimension);
    List<Callable<Void>> parts = new ArrayList<>(workers);
    for (int w = 0; w < workers; w++) {
      int from = w * n / workers, to = (w + 1) * n / workers;
      parts.add(
          () -> {
            int[] assigned = new int[to - from];
            codebook.assign(Arrays.copyOfRange(block, from * dimension, to * dimension), to - from, assigned);
            for (int i = from; i < to; i++) {
              int centroid = assigned[i - from];
              codec.encode(block, i * dimension, codebook.centroids, centroid * dimension, dimension, codes, i * codeBytes);
              centroidOf[firstToken + i] = centroid;
            }
            return null;
          });
    }
    executor.invokeAll(parts);
    for (int i = 0; i < n; i++) {
      out.add(centroidOf[firstToken + i], codes, i * codeBytes);
    }
  }

  private void writeCentroids(CentroidCodebook codebook) throws IOException {
    long start = data.alignFilePointer(64);
    byte[] panels = new byte[Math.toIntExact(CentroidPanels.panelsByteSize(codebook.count, codebook.dimension))];
    CentroidPanels.writePanels(
        codebook.centroids, 0, codebook.count, codebook.dimension, MemorySegment.ofArray(panels), 0);
    data.writeBytes(panels, panels.length);
    meta.writeLong(start);
    meta.writeLong(data.getFilePointer() - start);
  }

  private void writeListStarts(int[] listStarts) throws IOException {
    long start = data.getFilePointer();
    meta.writeLong(start);
    meta.writeVInt(LIST_STARTS_BLOCK_SHIFT);
    DirectMonotonicWriter writer =
        DirectMonotonicWriter.getInstance(meta, data, listStarts.length, LIST_STARTS_BLOCK_SHIFT);
    for (int s : listStarts) {
      writer.add(s);
    }
    writer.finish();
    meta.writeLong(data.getFilePointer() - start);
  }

  private void writeTokenNumbers(int[] byList, int count) throws IOException {
    int bits = DirectWriter.unsignedBitsRequired(Math.max(0, count - 1));
    meta.writeByte((byte) bits);
    long start = data.getFilePointer();
    DirectWriter writer = DirectWriter.getInstance(data, count, bits);
    for (int token : byList) {
      writer.add(token);
    }
    writer.finish();
    meta.writeLong(start);
    meta.writeLong(data.getFilePointer() - start);
  }

  /** The segment's info stream; doc-values updates write with none. */
  private InfoStream infoStream() {
    return state.infoStream == null ? InfoStream.NO_OUTPUT : state.infoStream;
  }

  @Override
  public void finish() throws IOException {
    if (finished) {
      throw new IllegalStateException("already finished");
    }
    finished = true;
    meta.writeInt(-1);
    CodecUtil.writeFooter(meta);
    CodecUtil.writeFooter(data);
  }

  @Override
  public void close() throws IOException {
    IOUtils.close(meta, data);
  }
}
