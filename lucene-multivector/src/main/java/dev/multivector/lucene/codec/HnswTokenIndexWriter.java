package dev.multivector.lucene.codec;

import static dev.multivector.lucene.codec.HnswTokenIndexFormat.ADDRESSES_BLOCK_SHIFT;

import dev.multivector.lucene.document.MultiVectorFieldConfig;
import java.io.IOException;
import java.util.Arrays;
import org.apache.lucene.codecs.CodecUtil;
import org.apache.lucene.index.SegmentWriteState;
import org.apache.lucene.search.TaskExecutor;
import org.apache.lucene.store.IOContext;
import org.apache.lucene.store.IndexInput;
import org.apache.lucene.store.IndexOutput;
import org.apache.lucene.util.BitSet;
import org.apache.lucene.util.FixedBitSet;
import org.apache.lucene.util.IOUtils;
import org.apache.lucene.util.InfoStream;
import org.apache.lucene.util.hnsw.HnswConcurrentMergeBuilder;
import org.apache.lucene.util.hnsw.HnswGraph;
import org.apache.lucene.util.hnsw.HnswGraphBuilder;
import org.apache.lucene.util.hnsw.InitializedHnswGraphBuilder;
import org.apache.lucene.util.hnsw.NeighborArray;
import org.apache.lucene.util.hnsw.OnHeapHnswGraph;
import org.apache.lucene.util.hnsw.RandomVectorScorerSupplier;
import org.apache.lucene.util.packed.DirectMonotonicWriter;

/** Writes {@link HnswTokenIndexFormat}. */
final class HnswTokenIndexWriter extends TokenIndexWriter {

  /** A merged graph with more deleted tokens than this is rebuilt rather than grown. */
  private static final int MAX_DELETED_PERCENT = 40;

  private final SegmentWriteState state;
  private final IndexOutput meta, vectors, graph;
  private boolean finished;

  HnswTokenIndexWriter(SegmentWriteState state) throws IOException {
    this.state = state;
    IndexOutput meta = null, vectors = null, graph = null;
    boolean success = false;
    try {
      meta = create(HnswTokenIndexFormat.META_EXTENSION, HnswTokenIndexFormat.META_CODEC);
      vectors = create(HnswTokenIndexFormat.VECTORS_EXTENSION, HnswTokenIndexFormat.VECTORS_CODEC);
      graph = create(HnswTokenIndexFormat.GRAPH_EXTENSION, HnswTokenIndexFormat.GRAPH_CODEC);
      success = true;
    } finally {
      if (success == false) {
        IOUtils.closeWhileHandlingException(meta, vectors, graph);
      }
    }
    this.meta = meta;
    this.vectors = vectors;
    this.graph = graph;
  }

  private IndexOutput create(String extension, String codec) throws IOException {
    return FormatFiles.create(state, extension, codec, HnswTokenIndexFormat.VERSION_CURRENT);
  }

  @Override
  public void addField(FieldTokens tokens, Merge merge) throws IOException {
    MultiVectorFieldConfig.Graph settings =
        MultiVectorFieldConfig.fromFieldInfo(tokens.field()).tokenGraph();
    final int dimension = tokens.dimension();
    final int count = tokens.tokenCount();
    // The graph is built from the codes, read back: write them to a temporary file first.
    IndexOutput temp =
        state.directory.createTempOutput(vectors.getName(), "codes", state.context);
    String tempName = temp.getName();
    try {
      try (temp) {
        writeCodes(tokens, temp);
      }
      long vectorsOffset = vectors.getFilePointer();
      try (IndexInput codes = state.directory.openInput(tempName, IOContext.DEFAULT)) {
        vectors.copyBytes(codes, codes.length());
        OnHeapHnswGraph hnsw =
            build(new Int8TokenVectors(codes, dimension, count), settings, count, tokens, merge);
        meta.writeInt(tokens.field().number);
        meta.writeVInt(dimension);
        meta.writeInt(count);
        meta.writeByte(HnswTokenIndexFormat.INT8_PER_TOKEN_SCALE);
        meta.writeLong(vectorsOffset);
        meta.writeLong(vectors.getFilePointer() - vectorsOffset);
        writeGraph(hnsw, settings.maxConn());
      }
    } finally {
      IOUtils.deleteFilesIgnoringExceptions(state.directory, tempName);
    }
  }

  /** Quantizes every token, in token order. */
  private static void writeCodes(FieldTokens tokens, IndexOutput out) throws IOException {
    final int dimension = tokens.dimension();
    byte[] codes = new byte[dimension];
    int written =
        TokenRows.forEach(
            tokens.documents().get(),
            (first, rows, n) -> {
              for (int t = 0; t < n; t++) {
                float scale = Int8TokenVectors.quantize(rows, t * dimension, dimension, codes);
                out.writeBytes(codes, dimension);
                out.writeInt(Float.floatToIntBits(scale));
              }
            });
    if (written != tokens.tokenCount()) {
      throw new IllegalStateException(
          "field \"" + tokens.field().name + "\": " + written + " tokens, expected "
              + tokens.tokenCount());
    }
  }

  /**
   * Builds the graph: at flush on this thread; at a merge on the merge's threads, from the
   * largest merged graph if one is of this format and has few enough deletions.
   */
  private OnHeapHnswGraph build(
      Int8TokenVectors codes,
      MultiVectorFieldConfig.Graph settings,
      int count,
      FieldTokens tokens,
      Merge merge)
      throws IOException {
    RandomVectorScorerSupplier scorers = codes.scorerSupplier();
    if (merge == null) {
      HnswGraphBuilder builder =
          HnswGraphBuilder.create(
              scorers, settings.maxConn(), settings.beamWidth(), HnswGraphBuilder.randSeed, count);
      builder.setInfoStream(infoStream());
      return builder.build(count);
    }
    // An empty graph; Lucene's constructor is not public, its builders' are.
    OnHeapHnswGraph graph =
        HnswGraphBuilder.create(
                scorers, settings.maxConn(), settings.beamWidth(), HnswGraphBuilder.randSeed, count)
            .getGraph();
    BitSet initialized = null;
    MergedIndex largest = null;
    HnswGraph largestGraph = null;
    for (MergedIndex source : merge.indexes()) {
      HnswGraph candidate =
          source.reader() == null
              ? null
              : HnswTokenIndexFormat.graph(source.reader(), tokens.field().name, settings.maxConn());
      if (candidate != null
          && candidate.size() > 0
          && (largest == null || source.tokenCount() > largest.tokenCount())) {
        largest = source;
        largestGraph = candidate;
      }
    }
    if (largest != null) {
      int[] newTokens = largest.newTokens().get();
      int live = 0;
      for (int token : newTokens) {
        live += token >= 0 ? 1 : 0;
      }
      if ((newTokens.length - live) * 100L <= MAX_DELETED_PERCENT * (long) newTokens.length) {
        initialized = new FixedBitSet(count);
        for (int token : newTokens) {
          if (token >= 0) {
            initialized.set(token);
          }
        }
        graph =
            InitializedHnswGraphBuilder.initGraph(
                largestGraph, newTokens, count, settings.beamWidth(), scorers);
      }
    }
    int workers = merge.executor() == null ? 1 : Runtime.getRuntime().availableProcessors();
    TaskExecutor executor = new TaskExecutor(merge.executor() == null ? Runnable::run : merge.executor());
    HnswConcurrentMergeBuilder builder =
        new HnswConcurrentMergeBuilder(
            executor, workers, scorers, settings.maxConn(), settings.beamWidth(), graph, initialized);
    builder.setInfoStream(infoStream());
    builder.setAbortCheck(merge.abortCheck());
    return builder.build(count);
  }

  /** The segment's info stream; doc-values updates write with none. */
  private InfoStream infoStream() {
    return state.infoStream == null ? InfoStream.NO_OUTPUT : state.infoStream;
  }

  /** The neighbour lists, then their addresses; the levels' nodes and the rest in the metadata. */
  private void writeGraph(OnHeapHnswGraph hnsw, int maxConn) throws IOException {
    meta.writeVInt(maxConn);
    int levels = hnsw.numLevels();
    meta.writeInt(levels);
    meta.writeInt(hnsw.entryNode());
    int[][] nodesByLevel = new int[levels][];
    long nodes = hnsw.size();
    for (int level = 1; level < levels; level++) {
      HnswGraph.NodesIterator it = hnsw.getSortedNodes(level);
      nodesByLevel[level] = new int[it.size()];
      it.consume(nodesByLevel[level]);
      meta.writeVInt(nodesByLevel[level].length);
      int previous = 0;
      for (int node : nodesByLevel[level]) {
        meta.writeVInt(node - previous);
        previous = node;
      }
      nodes += nodesByLevel[level].length;
    }
    long start = graph.getFilePointer();
    int[] lengths = new int[Math.toIntExact(nodes)];
    int[] neighbors = new int[2 * maxConn + 1];
    int list = 0;
    for (int level = 0; level < levels; level++) {
      int levelSize = level == 0 ? hnsw.size() : nodesByLevel[level].length;
      for (int i = 0; i < levelSize; i++) {
        int node = level == 0 ? i : nodesByLevel[level][i];
        NeighborArray array = hnsw.getNeighbors(level, node);
        int size = array.size();
        if (neighbors.length < size) {
          neighbors = new int[size];
        }
        System.arraycopy(array.nodes(), 0, neighbors, 0, size);
        Arrays.sort(neighbors, 0, size);
        long before = graph.getFilePointer();
        graph.writeVInt(size);
        int previous = 0;
        for (int j = 0; j < size; j++) {
          graph.writeVInt(neighbors[j] - previous);
          previous = neighbors[j];
        }
        lengths[list++] = Math.toIntExact(graph.getFilePointer() - before);
      }
    }
    meta.writeLong(start);
    meta.writeLong(graph.getFilePointer() - start);
    long addressesStart = graph.getFilePointer();
    meta.writeLong(addressesStart);
    meta.writeVInt(ADDRESSES_BLOCK_SHIFT);
    DirectMonotonicWriter addresses =
        DirectMonotonicWriter.getInstance(meta, graph, nodes, ADDRESSES_BLOCK_SHIFT);
    long address = 0;
    for (int length : lengths) {
      addresses.add(address);
      address += length;
    }
    addresses.finish();
    meta.writeLong(graph.getFilePointer() - addressesStart);
  }

  @Override
  public void finish() throws IOException {
    if (finished) {
      throw new IllegalStateException("already finished");
    }
    finished = true;
    meta.writeInt(-1);
    CodecUtil.writeFooter(meta);
    CodecUtil.writeFooter(vectors);
    CodecUtil.writeFooter(graph);
  }

  @Override
  public void close() throws IOException {
    IOUtils.close(meta, vectors, graph);
  }
}
