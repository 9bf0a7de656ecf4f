package dev.multivector.lucene.codec;

import dev.multivector.lucene.document.MultiVectorFieldConfig;
import java.io.IOException;
import java.util.HashMap;
import java.util.Map;
import org.apache.lucene.codecs.DocValuesProducer;
import org.apache.lucene.codecs.KnnFieldVectorsWriter;
import org.apache.lucene.codecs.KnnVectorsFormat;
import org.apache.lucene.codecs.KnnVectorsReader;
import org.apache.lucene.codecs.KnnVectorsWriter;
import org.apache.lucene.codecs.lucene99.Lucene99HnswVectorsFormat;
import org.apache.lucene.index.DocValuesSkipIndexType;
import org.apache.lucene.index.DocValuesType;
import org.apache.lucene.index.FieldInfo;
import org.apache.lucene.index.FieldInfos;
import org.apache.lucene.index.IndexOptions;
import org.apache.lucene.index.MergeState;
import org.apache.lucene.index.SegmentInfo;
import org.apache.lucene.index.SegmentReadState;
import org.apache.lucene.index.SegmentWriteState;
import org.apache.lucene.index.VectorEncoding;
import org.apache.lucene.index.VectorSimilarityFunction;
import org.apache.lucene.search.DocIdSetIterator;
import org.apache.lucene.util.Bits;

/**
 * The per-token HNSW graph of a multi-vector field in a segment: Lucene's HNSW vectors format
 * ({@link Lucene99HnswVectorsFormat}) over an inner segment whose documents are the field's tokens,
 * numbered in the field's order (document ordinal, then token). Its files carry the segment's
 * name and id and their own suffix, {@code [suffix_]MultiVectorTokens<field number>}; Lucene's
 * format checksums them. Token vectors are compared by {@link
 * VectorSimilarityFunction#MAXIMUM_INNER_PRODUCT}, which ranks by dot product for vectors of any
 * length (pooled tokens are not unit length).
 */
final class TokenGraph {

  private static final String SUFFIX = "MultiVectorTokens";
  private static final Map<MultiVectorFieldConfig.Graph, KnnVectorsFormat> FORMATS =
      new java.util.concurrent.ConcurrentHashMap<>();

  private TokenGraph() {}

  static String suffix(String segmentSuffix, int fieldNumber) {
    String own = SUFFIX + fieldNumber;
    return segmentSuffix.isEmpty() ? own : segmentSuffix + "_" + own;
  }

  /** The format for these settings; merges build the graph on all of the merge's threads. */
  static KnnVectorsFormat format(MultiVectorFieldConfig.Graph graph) {
    return FORMATS.computeIfAbsent(
        graph,
        g -> {
          int workers = Runtime.getRuntime().availableProcessors();
          return workers > 1
              ? new Lucene99HnswVectorsFormat(g.maxConn(), g.beamWidth(), workers, null)
              : new Lucene99HnswVectorsFormat(g.maxConn(), g.beamWidth());
        });
  }

  /** A segment whose documents are the tokens: same name and id, {@code tokens} documents. */
  static SegmentInfo innerSegment(SegmentInfo segment, int tokens) {
    return new SegmentInfo(
        segment.dir,
        segment.getVersion(),
        segment.getMinVersion(),
        segment.name,
        tokens,
        false,
        false,
        segment.getCodec(),
        Map.of(),
        segment.getId(),
        Map.of(),
        null);
  }

  /** The inner segment's only field: one float vector per token. */
  static FieldInfos innerFieldInfos(String field, int dimension) {
    FieldInfo info =
        new FieldInfo(
            field,
            0,
            false,
            false,
            false,
            IndexOptions.NONE,
            DocValuesType.NONE,
            DocValuesSkipIndexType.NONE,
            -1,
            new HashMap<>(),
            0,
            0,
            0,
            dimension,
            VectorEncoding.FLOAT32,
            VectorSimilarityFunction.MAXIMUM_INNER_PRODUCT,
            false,
            false);
    return new FieldInfos(new FieldInfo[] {info});
  }

  private static SegmentWriteState innerWriteState(
      SegmentWriteState state, FieldInfo field, FieldLayout layout) {
    SegmentWriteState inner =
        new SegmentWriteState(
            state.infoStream,
            state.directory,
            innerSegment(state.segmentInfo, (int) layout.totalTokens),
            innerFieldInfos(field.name, layout.dimension),
            null,
            state.context);
    // The copy constructor takes any suffix (the full one expects a doc-values generation).
    return new SegmentWriteState(inner, suffix(state.segmentSuffix, field.number));
  }

  /** Opens the graph of {@code field}, which has {@code tokens} tokens in this segment. */
  static KnnVectorsReader open(SegmentReadState state, FieldInfo field, int dimension, int tokens)
      throws IOException {
    return new Lucene99HnswVectorsFormat()
        .fieldsReader(
            new SegmentReadState(
                state.directory,
                innerSegment(state.segmentInfo, tokens),
                innerFieldInfos(field.name, dimension),
                state.context,
                suffix(state.segmentSuffix, field.number)));
  }

  /** Builds the graph from the field's values, in their order: at flush, or a merge's fallback. */
  static void build(
      SegmentWriteState state,
      FieldInfo field,
      MultiVectorFieldConfig.Graph graph,
      FieldLayout layout,
      MultiVectorValues values)
      throws IOException {
    final int dimension = layout.dimension;
    SegmentWriteState inner = innerWriteState(state, field, layout);
    try (KnnVectorsWriter writer = format(graph).fieldsWriter(inner)) {
      @SuppressWarnings("unchecked")
      KnnFieldVectorsWriter<float[]> vectors =
          (KnnFieldVectorsWriter<float[]>) writer.addField(inner.fieldInfos.fieldInfo(0));
      final int panelFloats = PanelLayout.panelFloats(dimension);
      float[] panels = new float[0];
      float[] token = new float[dimension];
      int ord = 0;
      for (int doc = values.nextDoc(); doc != DocIdSetIterator.NO_MORE_DOCS; doc = values.nextDoc()) {
        int count = values.tokenCount();
        int panelCount = MultiVectorValues.panelCount(count);
        if (panels.length < panelCount * panelFloats) {
          panels = new float[panelCount * panelFloats];
        }
        values.readPanels(0, panelCount, panels, 0);
        for (int t = 0; t < count; t++) {
          PanelLayout.readToken(panels, dimension, t, token);
          vectors.addValue(ord++, token); // the writer copies the vector
        }
      }
      assert ord == layout.totalTokens;
      writer.flush(ord, null);
      writer.finish();
    }
  }

  /**
   * Merges the graphs of the merged segments with Lucene's HNSW merge (which starts from the
   * largest graph without deletions and builds on the merge's threads), mapping old token
   * numbers to new ones through the documents' mapping. Returns false, having written nothing, if
   * some merged segment has values of the field but no graph.
   *
   * @param layout the field's documents in the merged segment, in ordinal order
   */
  static boolean merge(
      SegmentWriteState state,
      FieldInfo field,
      MultiVectorFieldConfig.Graph graph,
      FieldLayout layout,
      MergeState mergeState)
      throws IOException {
    int segments = mergeState.docValuesProducers.length;
    TokenIndex[] sources = new TokenIndex[segments];
    for (int i = 0; i < segments; i++) {
      DocValuesProducer producer = mergeState.docValuesProducers[i];
      FieldInfo sourceField = mergeState.fieldInfos[i].fieldInfo(field.name);
      if (producer == null
          || sourceField == null
          || sourceField.getDocValuesType() != DocValuesType.BINARY) {
        continue;
      }
      TokenIndex source =
          producer instanceof MultiVectorDocValuesProducer ours ? ours.tokenIndex(sourceField) : null;
      if (source == null) {
        if (producer.getBinary(sourceField).nextDoc() != DocIdSetIterator.NO_MORE_DOCS) {
          return false; // values without a graph
        }
      } else if (source.dimension() != layout.dimension) {
        return false;
      } else {
        sources[i] = source;
      }
    }
    // New token numbers: the merged document's first token plus the token's rank in it.
    int[] newOrdOfDoc = new int[mergeState.segmentInfo.maxDoc()];
    java.util.Arrays.fill(newOrdOfDoc, -1);
    long[] newFirstToken = new long[layout.docCount + 1];
    for (int ord = 0; ord < layout.docCount; ord++) {
      newOrdOfDoc[layout.docs[ord]] = ord;
      newFirstToken[ord + 1] = newFirstToken[ord] + layout.tokenCounts[ord];
    }
    SegmentWriteState inner = innerWriteState(state, field, layout);
    MergeState.DocMap[] docMaps = new MergeState.DocMap[segments];
    KnnVectorsReader[] readers = new KnnVectorsReader[segments];
    Bits[] liveTokens = new Bits[segments];
    FieldInfos[] sourceInfos = new FieldInfos[segments];
    int[] maxTokens = new int[segments];
    for (int i = 0; i < segments; i++) {
      TokenIndex source = sources[i];
      if (source == null) {
        sourceInfos[i] = new FieldInfos(new FieldInfo[0]);
        docMaps[i] = token -> -1;
        continue;
      }
      MergeState.DocMap docMap = mergeState.docMaps[i];
      docMaps[i] =
          token -> {
            int oldOrd = source.ordOfToken(token);
            int newDoc = docMap.get(source.docOfOrd(oldOrd));
            if (newDoc == -1) {
              return -1;
            }
            return (int) (newFirstToken[newOrdOfDoc[newDoc]] + token - source.firstToken(oldOrd));
          };
      readers[i] = source.reader();
      liveTokens[i] = source.acceptTokens(mergeState.liveDocs[i]);
      sourceInfos[i] = innerFieldInfos(field.name, layout.dimension);
      maxTokens[i] = source.tokenCount();
    }
    MergeState tokenMerge =
        new MergeState(
            docMaps,
            inner.segmentInfo,
            inner.fieldInfos,
            null,
            null,
            null,
            null,
            sourceInfos,
            liveTokens,
            null,
            null,
            readers,
            maxTokens,
            mergeState.infoStream,
            mergeState.intraMergeTaskExecutor,
            mergeState.needsIndexSort,
            null);
    try (KnnVectorsWriter writer = format(graph).fieldsWriter(inner)) {
      writer.merge(tokenMerge);
    }
    return true;
  }
}
