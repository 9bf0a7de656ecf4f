package dev.multivector.lucene.codec;

import java.io.IOException;
import java.util.Arrays;
import java.util.HashMap;
import java.util.Map;
import org.apache.lucene.codecs.CodecUtil;
import org.apache.lucene.index.CorruptIndexException;
import org.apache.lucene.index.FieldInfo;
import org.apache.lucene.index.IndexFileNames;
import org.apache.lucene.index.SegmentReadState;
import org.apache.lucene.search.DocIdSetIterator;
import org.apache.lucene.search.KnnCollector;
import org.apache.lucene.store.ChecksumIndexInput;
import org.apache.lucene.store.IndexInput;
import org.apache.lucene.util.Bits;
import org.apache.lucene.util.IOUtils;
import org.apache.lucene.util.hnsw.HnswGraph;
import org.apache.lucene.util.hnsw.HnswGraphSearcher;
import org.apache.lucene.util.hnsw.RandomVectorScorer;
import org.apache.lucene.util.packed.DirectMonotonicReader;

/** Reads {@link HnswTokenIndexFormat}: graphs and int8 tokens off-heap. */
final class HnswTokenIndexReader extends TokenIndexReader {

  /** One field's metadata; the upper levels' nodes are on the heap, as in Lucene's HNSW. */
  private record Entry(
      int dimension,
      int tokenCount,
      long vectorsOffset,
      long vectorsLength,
      int maxConn,
      int entryNode,
      int[][] nodesByLevel, // level 0: null, every token
      long[] levelStarts, // index of each level's first list among all lists
      long graphOffset,
      long graphLength,
      DirectMonotonicReader.Meta addressesMeta,
      long addressesOffset,
      long addressesLength) {}

  private final Map<String, Entry> fields = new HashMap<>();
  private final IndexInput vectors, graph;

  HnswTokenIndexReader(SegmentReadState state) throws IOException {
    int version = readMeta(state);
    IndexInput vectors = null, graph = null;
    boolean success = false;
    try {
      vectors = open(state, HnswTokenIndexFormat.VECTORS_EXTENSION, HnswTokenIndexFormat.VECTORS_CODEC, version);
      graph = open(state, HnswTokenIndexFormat.GRAPH_EXTENSION, HnswTokenIndexFormat.GRAPH_CODEC, version);
      success = true;
    } finally {
      if (success == false) {
        IOUtils.closeWhileHandlingException(vectors, graph);
      }
    }
    this.vectors = vectors;
    this.graph = graph;
  }

  private int readMeta(SegmentReadState state) throws IOException {
    String name = fileName(state, HnswTokenIndexFormat.META_EXTENSION);
    int version = -1;
    try (ChecksumIndexInput meta = state.directory.openChecksumInput(name)) {
      Throwable priorE = null;
      try {
        version =
            CodecUtil.checkIndexHeader(
                meta,
                HnswTokenIndexFormat.META_CODEC,
                HnswTokenIndexFormat.VERSION_START,
                HnswTokenIndexFormat.VERSION_CURRENT,
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
    byte encoding = meta.readByte();
    if (dimension < 1 || tokenCount < 1) {
      throw new CorruptIndexException(
          "invalid entry: dimension=" + dimension + " tokenCount=" + tokenCount, meta);
    }
    if (encoding != HnswTokenIndexFormat.INT8_PER_TOKEN_SCALE) {
      throw new CorruptIndexException("unknown token encoding " + encoding, meta);
    }
    long vectorsOffset = meta.readLong();
    long vectorsLength = meta.readLong();
    if (vectorsLength != (long) tokenCount * Int8TokenVectors.stride(dimension)) {
      throw new CorruptIndexException(
          "tokens take " + vectorsLength + " bytes, expected "
              + (long) tokenCount * Int8TokenVectors.stride(dimension), meta);
    }
    int maxConn = meta.readVInt();
    int levels = meta.readInt();
    int entryNode = meta.readInt();
    if (levels < 1 || entryNode < 0 || entryNode >= tokenCount) {
      throw new CorruptIndexException(
          "invalid graph: levels=" + levels + " entryNode=" + entryNode, meta);
    }
    int[][] nodesByLevel = new int[levels][];
    long[] levelStarts = new long[levels];
    long lists = tokenCount;
    for (int level = 1; level < levels; level++) {
      int count = meta.readVInt();
      if (count < 1 || count > tokenCount) {
        throw new CorruptIndexException("level " + level + " has " + count + " nodes", meta);
      }
      int[] nodes = new int[count];
      int node = 0;
      for (int i = 0; i < count; i++) {
        node += meta.readVInt();
        nodes[i] = node;
      }
      nodesByLevel[level] = nodes;
      levelStarts[level] = lists;
      lists += count;
    }
    long graphOffset = meta.readLong();
    long graphLength = meta.readLong();
    long addressesOffset = meta.readLong();
    int blockShift = meta.readVInt();
    DirectMonotonicReader.Meta addressesMeta = DirectMonotonicReader.loadMeta(meta, lists, blockShift);
    long addressesLength = meta.readLong();
    return new Entry(
        dimension,
        tokenCount,
        vectorsOffset,
        vectorsLength,
        maxConn,
        entryNode,
        nodesByLevel,
        levelStarts,
        graphOffset,
        graphLength,
        addressesMeta,
        addressesOffset,
        addressesLength);
  }

  private static IndexInput open(SegmentReadState state, String extension, String codec, int version)
      throws IOException {
    return FormatFiles.openData(
        state, extension, codec, HnswTokenIndexFormat.VERSION_START, HnswTokenIndexFormat.VERSION_CURRENT, version);
  }

  private static String fileName(SegmentReadState state, String extension) {
    return IndexFileNames.segmentFileName(state.segmentInfo.name, state.segmentSuffix, extension);
  }

  /** The field's int8 tokens, or null if it has none here. */
  Int8TokenVectors tokens(String field) throws IOException {
    Entry entry = fields.get(field);
    return entry == null ? null : tokens(entry);
  }

  private Int8TokenVectors tokens(Entry entry) throws IOException {
    return new Int8TokenVectors(
        vectors.slice("tokens", entry.vectorsOffset, entry.vectorsLength),
        entry.dimension,
        entry.tokenCount);
  }

  @Override
  public void search(String field, float[] target, KnnCollector collector, Bits acceptTokens)
      throws IOException {
    Entry entry = fields.get(field);
    if (entry == null) {
      return;
    }
    if (target.length != entry.dimension) {
      throw new IllegalArgumentException(
          "query token dimension " + target.length + " differs from the token index's "
              + entry.dimension + " in field \"" + field + "\"");
    }
    RandomVectorScorer scorer = tokens(entry).scorer(target);
    // As Lucene's HNSW reader does: score every token when the graph would visit as many.
    if (collector.k() < entry.tokenCount
        && HnswGraphSearcher.expectedVisitedNodes(collector.k(), entry.tokenCount) < entry.tokenCount) {
      HnswGraphSearcher.search(scorer, collector, new OffHeapGraph(entry), acceptTokens);
      return;
    }
    for (int token = 0; token < entry.tokenCount && collector.earlyTerminated() == false; token++) {
      if (acceptTokens == null || acceptTokens.get(token)) {
        collector.incVisitedCount(1);
        collector.collect(token, scorer.score(token));
      }
    }
  }

  /** The field's graph, if its M is {@code maxConn}; null otherwise. For merges. */
  HnswGraph graph(String field, int maxConn) throws IOException {
    Entry entry = fields.get(field);
    return entry == null || entry.maxConn != maxConn ? null : new OffHeapGraph(entry);
  }

  /**
   * Checks that each token's codes and scale are its vector's, and that every node's neighbours,
   * on every level, are tokens of the field.
   */
  @Override
  public void checkTokens(String field, MultiVectorValues values) throws IOException {
    Entry entry = fields.get(field);
    if (entry == null) {
      throw new CorruptIndexException("field \"" + field + "\" has no token graph", vectors);
    }
    final int dimension = entry.dimension;
    Int8TokenVectors stored = tokens(entry);
    byte[] storedCodes = new byte[dimension], codes = new byte[dimension];
    int token =
        TokenRows.forEach(
            values,
            (first, rows, n) -> {
              for (int t = 0; t < n; t++) {
                float scale = Int8TokenVectors.quantize(rows, t * dimension, dimension, codes);
                if (first + t >= entry.tokenCount
                    || stored.read(first + t, storedCodes) != scale
                    || Arrays.equals(storedCodes, codes) == false) {
                  throw new CorruptIndexException(
                      "field \"" + field + "\": token " + (first + t) + " differs from its int8 copy", vectors);
                }
              }
            });
    if (token != entry.tokenCount) {
      throw new CorruptIndexException(
          "field \"" + field + "\" has " + token + " tokens, its token graph " + entry.tokenCount, vectors);
    }
    OffHeapGraph graph = new OffHeapGraph(entry);
    for (int level = 0; level < graph.numLevels(); level++) {
      HnswGraph.NodesIterator nodes = graph.getNodesOnLevel(level);
      while (nodes.hasNext()) {
        graph.seek(level, nodes.nextInt()); // throws if a neighbour is not a token
      }
    }
  }

  @Override
  public void checkIntegrity() throws IOException {
    CodecUtil.checksumEntireFile(vectors);
    CodecUtil.checksumEntireFile(graph);
  }

  @Override
  public void close() throws IOException {
    IOUtils.close(vectors, graph);
  }

  /** A field's graph, read from the mapped file; for one thread. */
  private final class OffHeapGraph extends HnswGraph {
    private final Entry entry;
    private final IndexInput lists;
    private final DirectMonotonicReader addresses;
    private final int[] neighbors;
    private int neighborCount;
    private int next;

    OffHeapGraph(Entry entry) throws IOException {
      this.entry = entry;
      this.lists = graph.slice("neighbour lists", entry.graphOffset, entry.graphLength);
      this.addresses =
          DirectMonotonicReader.getInstance(
              entry.addressesMeta,
              graph.randomAccessSlice(entry.addressesOffset, entry.addressesLength));
      this.neighbors = new int[2 * entry.maxConn];
    }

    @Override
    public void seek(int level, int target) throws IOException {
      int index =
          level == 0
              ? target
              : Arrays.binarySearch(entry.nodesByLevel[level], target);
      if (index < 0) { // only a damaged neighbour list leads to a node not on its level
        throw new CorruptIndexException("node " + target + " is not on level " + level, lists);
      }
      lists.seek(addresses.get(entry.levelStarts[level] + index));
      neighborCount = lists.readVInt();
      if (neighborCount > neighbors.length) {
        throw new CorruptIndexException(
            "node " + target + " has " + neighborCount + " neighbours on level " + level
                + ", at most " + neighbors.length + " allowed",
            lists);
      }
      int neighbor = 0;
      for (int i = 0; i < neighborCount; i++) {
        neighbor += lists.readVInt();
        // A damaged list must not send the search outside the tokens.
        if (neighbor < 0 || neighbor >= entry.tokenCount) {
          throw new CorruptIndexException(
              "node " + target + " on level " + level + " links to " + neighbor
                  + ", outside the field's " + entry.tokenCount + " tokens",
              lists);
        }
        neighbors[i] = neighbor;
      }
      next = 0;
    }

    @Override
    public int size() {
      return entry.tokenCount;
    }

    @Override
    public int nextNeighbor() {
      return next < neighborCount ? neighbors[next++] : DocIdSetIterator.NO_MORE_DOCS;
    }

    @Override
    public int neighborCount() {
      return neighborCount;
    }

    @Override
    public int numLevels() {
      return entry.nodesByLevel.length;
    }

    @Override
    public int maxConn() {
      return entry.maxConn;
    }

    @Override
    public int entryNode() {
      return entry.entryNode;
    }

    @Override
    public NodesIterator getNodesOnLevel(int level) {
      return level == 0
          ? new DenseNodesIterator(entry.tokenCount)
          : new ArrayNodesIterator(entry.nodesByLevel[level]);
    }
  }
}
