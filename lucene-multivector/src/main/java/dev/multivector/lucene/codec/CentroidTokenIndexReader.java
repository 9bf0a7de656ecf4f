package dev.multivector.lucene.codec;

import java.io.IOException;
import java.lang.foreign.Arena;
import java.lang.foreign.MemorySegment;
import java.util.Arrays;
import java.util.HashMap;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import org.apache.lucene.codecs.CodecUtil;
import org.apache.lucene.index.CorruptIndexException;
import org.apache.lucene.index.FieldInfo;
import org.apache.lucene.index.IndexFileNames;
import org.apache.lucene.index.SegmentReadState;
import org.apache.lucene.search.KnnCollector;
import org.apache.lucene.store.ChecksumIndexInput;
import org.apache.lucene.store.IndexInput;
import org.apache.lucene.store.MemorySegmentAccessInput;
import org.apache.lucene.util.Bits;
import org.apache.lucene.util.FixedBitSet;
import org.apache.lucene.util.LongValues;
import org.apache.lucene.util.VectorUtil;
import org.apache.lucene.util.hnsw.NeighborQueue;
import org.apache.lucene.util.packed.DirectMonotonicReader;
import org.apache.lucene.util.packed.DirectReader;

/**
 * Reads {@link CentroidTokenIndexFormat}; everything stays in the data file, memory-mapped, but
 * for the small per-field metadata.
 */
final class CentroidTokenIndexReader extends TokenIndexReader {

  /** Centroids scored at a time (a multiple of 16): 32 KB of scores for 32 query tokens. */
  private static final int SCORED_CENTROIDS = 256;

  private record Entry(
      int dimension,
      int tokenCount,
      int centroidCount,
      ResidualCodec codec,
      long centroidsOffset,
      long centroidsLength,
      DirectMonotonicReader.Meta listStartsMeta,
      long listStartsOffset,
      long listStartsLength,
      int tokenBits,
      long tokensOffset,
      long tokensLength,
      long codesOffset,
      long codesLength) {}

  private final Map<String, Entry> fields = new HashMap<>();
  private final IndexInput data;
  /** Off-heap copies of centroids by field, for directories that do not map files (tests'). */
  private final Map<String, MemorySegment> centroidCopies = new ConcurrentHashMap<>();

  CentroidTokenIndexReader(SegmentReadState state) throws IOException {
    int version = readMeta(state);
    IndexInput data =
        FormatFiles.openData(
            state,
            CentroidTokenIndexFormat.DATA_EXTENSION,
            CentroidTokenIndexFormat.DATA_CODEC,
            CentroidTokenIndexFormat.VERSION_START,
            CentroidTokenIndexFormat.VERSION_CURRENT,
            version);
    this.data = data;
  }

  private int readMeta(SegmentReadState state) throws IOException {
    String name =
        IndexFileNames.segmentFileName(
            state.segmentInfo.name, state.segmentSuffix, CentroidTokenIndexFormat.META_EXTENSION);
    int version = -1;
    try (ChecksumIndexInput meta = state.directory.openChecksumInput(name)) {
      Throwable priorE = null;
      try {
        version =
            CodecUtil.checkIndexHeader(
                meta,
                CentroidTokenIndexFormat.META_CODEC,
                CentroidTokenIndexFormat.VERSION_START,
                CentroidTokenIndexFormat.VERSION_CURRENT,
                state.segmentInfo.getId(),
                state.segmentSuffix);
        for (int number = meta.readInt(); number != -1; number = meta.readInt()) {
          FieldInfo info = state.fieldInfos.fieldInfo(number);
          if (info == null) {
            throw new CorruptIndexException("invalid field number: " + number, meta);
          }
          fields.put(info.name, readEntry(meta));
        }
      } catch (Throwable t) {
        priorE = t;
      } finally {
        CodecUtil.checkFooter(meta, priorE);
      }
    }
    return version;
  }

  private static Entry readEntry(IndexInput meta) throws IOException {
    int dimension = meta.readVInt();
    int tokenCount = meta.readInt();
    int bits = meta.readByte();
    int centroidCount = meta.readInt();
    if (dimension < 1 || tokenCount < 1 || (bits != 2 && bits != 4) || centroidCount < 1 || centroidCount > tokenCount) {
      throw new CorruptIndexException(
          "invalid entry: dimension=" + dimension + " tokenCount=" + tokenCount + " residualBits="
              + bits + " centroids=" + centroidCount, meta);
    }
    float[] cutoffs = new float[(1 << bits) - 1];
    float[] weights = new float[1 << bits];
    for (int i = 0; i < cutoffs.length; i++) {
      cutoffs[i] = Float.intBitsToFloat(meta.readInt());
    }
    for (int i = 0; i < weights.length; i++) {
      weights[i] = Float.intBitsToFloat(meta.readInt());
    }
    for (int i = 0; i < cutoffs.length; i++) {
      if (Float.isFinite(cutoffs[i]) == false || (i > 0 && cutoffs[i] < cutoffs[i - 1])) {
        throw new CorruptIndexException("bucket cutoffs not finite and ascending", meta);
      }
    }
    ResidualCodec codec = new ResidualCodec(bits, cutoffs, weights);
    long centroidsOffset = meta.readLong();
    long centroidsLength = meta.readLong();
    if (centroidsLength != CentroidPanels.panelsByteSize(centroidCount, dimension)) {
      throw new CorruptIndexException(
          "centroids take " + centroidsLength + " bytes, expected "
              + CentroidPanels.panelsByteSize(centroidCount, dimension), meta);
    }
    long listStartsOffset = meta.readLong();
    int blockShift = meta.readVInt();
    DirectMonotonicReader.Meta listStartsMeta =
        DirectMonotonicReader.loadMeta(meta, centroidCount + 1L, blockShift);
    long listStartsLength = meta.readLong();
    int tokenBits = meta.readByte();
    long tokensOffset = meta.readLong();
    long tokensLength = meta.readLong();
    long codesOffset = meta.readLong();
    long codesLength = meta.readLong();
    if (tokenBits < 1 || tokenBits > 32 || codesLength != (long) tokenCount * codec.codeBytes(dimension)) {
      throw new CorruptIndexException(
          "token numbers of " + tokenBits + " bits, codes of " + codesLength + " bytes for "
              + tokenCount + " tokens", meta);
    }
    return new Entry(
        dimension,
        tokenCount,
        centroidCount,
        codec,
        centroidsOffset,
        centroidsLength,
        listStartsMeta,
        listStartsOffset,
        listStartsLength,
        tokenBits,
        tokensOffset,
        tokensLength,
        codesOffset,
        codesLength);
  }

  @Override
  public void search(String field, float[] target, KnnCollector collector, Bits acceptTokens)
      throws IOException {
    search(field, new float[][] {target}, TokenIndex.DEFAULT_PROBES, new KnnCollector[] {collector}, acceptTokens);
  }

  /**
   * Scores every centroid against all targets at once (the centroids are read once for all), then
   * for each target scores the tokens of its {@code probes} best centroids' lists from their codes.
   */
  @Override
  public void search(
      String field, float[][] targets, int probes, KnnCollector[] collectors, Bits acceptTokens)
      throws IOException {
    Entry entry = fields.get(field);
    if (entry == null || targets.length == 0) {
      return;
    }
    final int dimension = entry.dimension;
    if (probes < 1) {
      throw new IllegalArgumentException("probes must be at least 1, got " + probes);
    }
    float[] batch = new float[targets.length * dimension];
    for (int i = 0; i < targets.length; i++) {
      if (targets[i].length != dimension) {
        throw new IllegalArgumentException(
            "query token dimension " + targets[i].length + " differs from the centroid index's "
                + dimension + " in field \"" + field + "\"");
      }
      System.arraycopy(targets[i], 0, batch, i * dimension, dimension);
    }
    NeighborQueue[] probed = bestCentroids(field, entry, batch, targets.length, Math.min(probes, entry.centroidCount));
    LongValues listStarts = listStarts(entry);
    LongValues tokens = tokenNumbers(entry);
    IndexInput codes = data.slice("codes", entry.codesOffset, entry.codesLength);
    final int codeBytes = entry.codec.codeBytes(dimension);
    byte[] buffer = new byte[0];
    for (int i = 0; i < targets.length; i++) {
      KnnCollector collector = collectors[i];
      float[] table = entry.codec.lookupTable(targets[i]);
      // Best centroid first: the collector's bar rises sooner.
      int lists = probed[i].size();
      int[] centroid = new int[lists];
      float[] centroidScore = new float[lists];
      for (int j = lists - 1; j >= 0; j--) {
        centroidScore[j] = probed[i].topScore();
        centroid[j] = probed[i].pop();
      }
      for (int j = 0; j < lists && collector.earlyTerminated() == false; j++) {
        long start = listStarts.get(centroid[j]);
        int length = (int) (listStarts.get(centroid[j] + 1L) - start);
        if (length == 0) {
          continue;
        }
        if (buffer.length < length * codeBytes) {
          buffer = new byte[length * codeBytes];
        }
        codes.seek(start * codeBytes);
        codes.readBytes(buffer, 0, length * codeBytes);
        collector.incVisitedCount(length);
        for (int t = 0; t < length; t++) {
          int token = (int) tokens.get(start + t);
          if (acceptTokens == null || acceptTokens.get(token)) {
            float similarity = centroidScore[j] + ResidualCodec.score(table, buffer, t * codeBytes, codeBytes);
            collector.collect(token, VectorUtil.scaleMaxInnerProductScore(similarity));
          }
        }
      }
    }
  }

  /** Where each list starts among the token numbers and codes; list {@code C} is the end. */
  private LongValues listStarts(Entry entry) throws IOException {
    return DirectMonotonicReader.getInstance(
        entry.listStartsMeta, data.randomAccessSlice(entry.listStartsOffset, entry.listStartsLength));
  }

  /** The token numbers of the lists, list by list. */
  private LongValues tokenNumbers(Entry entry) throws IOException {
    return DirectReader.getInstance(
        data.randomAccessSlice(entry.tokensOffset, entry.tokensLength), entry.tokenBits);
  }

  /** Each target's {@code probes} centroids of largest dot product, in a min-heap. */
  private NeighborQueue[] bestCentroids(String field, Entry entry, float[] batch, int rows, int probes)
      throws IOException {
    CentroidPanels centroids = new CentroidPanels(centroids(field, entry), entry.dimension, entry.centroidCount);
    NeighborQueue[] best = new NeighborQueue[rows];
    float[] bar = new float[rows]; // the score to beat once a heap is full
    for (int i = 0; i < rows; i++) {
      best[i] = new NeighborQueue(probes, false);
      bar[i] = Float.NEGATIVE_INFINITY;
    }
    // A run of centroids at a time, so that the scores stay in the cache while they are read.
    float[] scores = new float[rows * SCORED_CENTROIDS];
    for (int first = 0; first < entry.centroidCount; first += SCORED_CENTROIDS) {
      int count = Math.min(SCORED_CENTROIDS, entry.centroidCount - first);
      centroids.dotProducts(batch, first, count, scores, SCORED_CENTROIDS);
      for (int i = 0; i < rows; i++) {
        for (int j = 0; j < count; j++) {
          float score = scores[i * SCORED_CENTROIDS + j];
          if (score > bar[i]) {
            best[i].insertWithOverflow(first + j, score);
            if (best[i].size() == probes) {
              bar[i] = best[i].topScore();
            }
          }
        }
      }
    }
    return best;
  }

  /** The field's centroid panels: mapped in place, or copied off-heap once. */
  private MemorySegment centroids(String field, Entry entry) throws IOException {
    if (data instanceof MemorySegmentAccessInput mapped) {
      MemorySegment segment = mapped.segmentSliceOrNull(entry.centroidsOffset, entry.centroidsLength);
      if (segment != null) {
        return segment;
      }
    }
    MemorySegment copy = centroidCopies.get(field);
    if (copy == null) {
      byte[] bytes = new byte[Math.toIntExact(entry.centroidsLength)];
      IndexInput in = data.clone();
      in.seek(entry.centroidsOffset);
      in.readBytes(bytes, 0, bytes.length);
      copy = Arena.ofAuto().allocate(bytes.length, 64);
      MemorySegment.copy(MemorySegment.ofArray(bytes), 0, copy, 0, bytes.length);
      centroidCopies.put(field, copy);
    }
    return copy;
  }

  @Override
  public boolean searchesTargetsTogether() {
    return true;
  }

  /**
   * Checks that every token is in exactly one list, and that its codes are those of its residual
   * from its list's centroid.
   */
  @Override
  public void checkTokens(String field, MultiVectorValues values) throws IOException {
    Entry entry = fields.get(field);
    if (entry == null) {
      throw new CorruptIndexException("field \"" + field + "\" has no centroid index", data);
    }
    final int dimension = entry.dimension;
    LongValues listStarts = listStarts(entry);
    LongValues tokens = tokenNumbers(entry);
    int[] centroidOf = new int[entry.tokenCount];
    int[] positionOf = new int[entry.tokenCount];
    FixedBitSet seen = new FixedBitSet(entry.tokenCount);
    if (listStarts.get(0) != 0 || listStarts.get(entry.centroidCount) != entry.tokenCount) {
      throw new CorruptIndexException(
          "field \"" + field + "\": lists hold " + listStarts.get(entry.centroidCount) + " tokens, expected "
              + entry.tokenCount, data);
    }
    for (int c = 0; c < entry.centroidCount; c++) {
      long start = listStarts.get(c), end = listStarts.get(c + 1L);
      if (end < start) {
        throw new CorruptIndexException("field \"" + field + "\": list " + c + " ends before it starts", data);
      }
      for (long position = start; position < end; position++) {
        long token = tokens.get(position);
        if (token < 0 || token >= entry.tokenCount || seen.getAndSet((int) token)) {
          throw new CorruptIndexException(
              "field \"" + field + "\": token " + token + " out of range or in two lists (list " + c + ")", data);
        }
        centroidOf[(int) token] = c;
        positionOf[(int) token] = (int) position;
      }
    }
    float[] centroidRows =
        new CentroidPanels(centroids(field, entry), dimension, entry.centroidCount).rows();
    IndexInput codes = data.slice("codes", entry.codesOffset, entry.codesLength);
    int codeBytes = entry.codec.codeBytes(dimension);
    byte[] stored = new byte[codeBytes], expected = new byte[codeBytes];
    int token =
        TokenRows.forEach(
            values,
            (first, rows, n) -> {
              if (first + n > entry.tokenCount) {
                throw new CorruptIndexException(
                    "field \"" + field + "\" has more tokens than its centroid index, " + entry.tokenCount, data);
              }
              for (int t = 0; t < n; t++) {
                int centroid = centroidOf[first + t];
                entry.codec.encode(rows, t * dimension, centroidRows, centroid * dimension, dimension, expected, 0);
                codes.seek((long) positionOf[first + t] * codeBytes);
                codes.readBytes(stored, 0, codeBytes);
                if (Arrays.equals(stored, expected) == false) {
                  throw new CorruptIndexException(
                      "field \"" + field + "\": the codes of token " + (first + t) + " are not its residual"
                          + " from centroid " + centroid, data);
                }
              }
            });
    if (token != entry.tokenCount) {
      throw new CorruptIndexException(
          "field \"" + field + "\" has " + token + " tokens, its centroid index " + entry.tokenCount, data);
    }
  }

  @Override
  public void checkIntegrity() throws IOException {
    CodecUtil.checksumEntireFile(data);
  }

  @Override
  public void close() throws IOException {
    data.close();
  }
}
