package dev.multivector.lucene.codec;

import dev.multivector.lucene.document.MultiVectorFieldConfig;
import java.io.IOException;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import org.apache.lucene.codecs.KnnFieldVectorsWriter;
import org.apache.lucene.codecs.KnnVectorsFormat;
import org.apache.lucene.codecs.KnnVectorsReader;
import org.apache.lucene.codecs.KnnVectorsWriter;
import org.apache.lucene.codecs.hnsw.HnswGraphProvider;
import org.apache.lucene.codecs.lucene104.Lucene104HnswScalarQuantizedVectorsFormat;
import org.apache.lucene.codecs.lucene99.Lucene99HnswVectorsFormat;
import org.apache.lucene.codecs.perfield.PerFieldKnnVectorsFormat;
import org.apache.lucene.index.ByteVectorValues;
import org.apache.lucene.index.FieldInfo;
import org.apache.lucene.index.FieldInfos;
import org.apache.lucene.index.FloatVectorValues;
import org.apache.lucene.index.MergeState;
import org.apache.lucene.index.SegmentReadState;
import org.apache.lucene.index.SegmentWriteState;
import org.apache.lucene.index.Sorter;
import org.apache.lucene.search.AcceptDocs;
import org.apache.lucene.search.KnnCollector;
import org.apache.lucene.util.IORunnable;
import org.apache.lucene.util.IOUtils;
import org.apache.lucene.util.hnsw.HnswGraph;
import org.apache.lucene.util.quantization.QuantizedByteVectorValues.ScalarEncoding;

/**
 * Vectors format that stores the summary vectors of multi-vector fields (one per document, see
 * {@link dev.multivector.lucene.document.MultiVectorField}) in Lucene's HNSW vectors format, with
 * its own segment suffix, and hands every other vector field to a delegate format.
 *
 * <p>A summary vector is stored flat (no graph: searches over it are exact) unless the field's
 * configuration asks for a graph, and as float32 unless it asks for fewer bits ({@link
 * MultiVectorFieldConfig#summaryBits()}): then in {@link Lucene104HnswScalarQuantizedVectorsFormat},
 * which searches the quantized copy. The format chosen for each field is recorded in the field's
 * attributes by a {@link PerFieldKnnVectorsFormat}, so readers need no configuration.
 *
 * <p>Vector fields may have up to {@link MultiVectorFieldConfig#MAX_SUMMARY_DIMENSION} dimensions
 * (Lucene's formats: 1,024), for the FDE summary vectors. Lucene asks a format for the limit by
 * field name alone, before it knows whether the field is a multi-vector field, so the limit holds
 * for every vector field of this format.
 *
 * @lucene.experimental
 */
public final class MultiVectorKnnVectorsFormat extends KnnVectorsFormat {

  /** Name of this format. */
  public static final String NAME = "MultiVectorKnnVectors";

  /** Segment suffix of the summary vectors' files. */
  static final String SUMMARY_SUFFIX = "MultiVectorSummary";

  private final KnnVectorsFormat delegate;

  /**
   * The format: summary vectors as their fields ask, every other vector field in Lucene's default
   * HNSW format, per field.
   */
  public MultiVectorKnnVectorsFormat() {
    this(
        new PerFieldKnnVectorsFormat() {
          private final KnnVectorsFormat hnsw = new Lucene99HnswVectorsFormat();

          @Override
          public KnnVectorsFormat getKnnVectorsFormatForField(String field) {
            return hnsw;
          }
        });
  }

  /** The format writing other vector fields with {@code delegate}, which must record its choices per field. */
  MultiVectorKnnVectorsFormat(KnnVectorsFormat delegate) {
    super(NAME);
    this.delegate = delegate;
  }

  private static String summarySuffix(String segmentSuffix) {
    return segmentSuffix.isEmpty() ? SUMMARY_SUFFIX : segmentSuffix + "_" + SUMMARY_SUFFIX;
  }

  static boolean isMultiVectorField(FieldInfo field) {
    return field.hasVectorValues() && MultiVectorFieldConfig.fromFieldInfo(field) != null;
  }

  /** What a summary vectors' format depends on: its graph (null: none) and bits a component. */
  private record SummaryStorage(MultiVectorFieldConfig.Graph graph, int bits) {
    KnnVectorsFormat format() {
      // Without a graph, Lucene's formats with a threshold no segment reaches: flat, searched exactly.
      MultiVectorFieldConfig.Graph g = graph == null ? MultiVectorFieldConfig.Graph.DEFAULT : graph;
      int threshold = graph == null ? Integer.MAX_VALUE : Lucene99HnswVectorsFormat.HNSW_GRAPH_THRESHOLD;
      return bits == 32
          ? new Lucene99HnswVectorsFormat(g.maxConn(), g.beamWidth(), threshold)
          : new Lucene104HnswScalarQuantizedVectorsFormat(
              ScalarEncoding.fromNumBits(bits), g.maxConn(), g.beamWidth(), 1, null, threshold);
    }
  }

  private static final Map<SummaryStorage, KnnVectorsFormat> SUMMARY_FORMATS = new ConcurrentHashMap<>();

  /** The format of one multi-vector field's summary vectors: flat or with a graph, quantized or not. */
  private static KnnVectorsFormat summaryFormat(FieldInfo field) {
    MultiVectorFieldConfig config = MultiVectorFieldConfig.fromFieldInfo(field);
    return SUMMARY_FORMATS.computeIfAbsent(
        new SummaryStorage(config.summaryGraph(), config.summaryBits()), SummaryStorage::format);
  }

  @Override
  public int getMaxDimensions(String fieldName) {
    return MultiVectorFieldConfig.MAX_SUMMARY_DIMENSION;
  }

  @Override
  public KnnVectorsWriter fieldsWriter(SegmentWriteState state) throws IOException {
    return new RoutingWriter(state);
  }

  @Override
  public KnnVectorsReader fieldsReader(SegmentReadState state) throws IOException {
    return new RoutingReader(state);
  }

  private final class RoutingWriter extends KnnVectorsWriter {
    private final SegmentWriteState state;
    private final Map<String, KnnVectorsFormat> summaryFormats = new HashMap<>();
    private KnnVectorsWriter summaries, others; // created on first use: writers create files

    RoutingWriter(SegmentWriteState state) {
      this.state = state;
    }

    private KnnVectorsWriter writerFor(FieldInfo field) throws IOException {
      if (isMultiVectorField(field) == false) {
        if (others == null) {
          others = delegate.fieldsWriter(state);
        }
        return others;
      }
      summaryFormats.put(field.name, summaryFormat(field));
      if (summaries == null) {
        PerFieldKnnVectorsFormat perField =
            new PerFieldKnnVectorsFormat() {
              @Override
              public KnnVectorsFormat getKnnVectorsFormatForField(String name) {
                return summaryFormats.get(name);
              }
            };
        summaries =
            perField.fieldsWriter(
                new SegmentWriteState(state, summarySuffix(state.segmentSuffix)));
      }
      return summaries;
    }

    @Override
    public KnnFieldVectorsWriter<?> addField(FieldInfo fieldInfo) throws IOException {
      return writerFor(fieldInfo).addField(fieldInfo);
    }

    @Override
    public IORunnable mergeOneField(FieldInfo fieldInfo, MergeState mergeState)
        throws IOException {
      return writerFor(fieldInfo).mergeOneField(fieldInfo, mergeState);
    }

    @Override
    public void flush(int maxDoc, Sorter.DocMap sortMap) throws IOException {
      for (KnnVectorsWriter writer : writers()) {
        writer.flush(maxDoc, sortMap);
      }
    }

    @Override
    public void finish() throws IOException {
      for (KnnVectorsWriter writer : writers()) {
        writer.finish();
      }
    }

    private List<KnnVectorsWriter> writers() {
      List<KnnVectorsWriter> writers = new ArrayList<>(2);
      if (summaries != null) {
        writers.add(summaries);
      }
      if (others != null) {
        writers.add(others);
      }
      return writers;
    }

    @Override
    public long ramBytesUsed() {
      long bytes = 0;
      for (KnnVectorsWriter writer : writers()) {
        bytes += writer.ramBytesUsed();
      }
      return bytes;
    }

    @Override
    public void close() throws IOException {
      IOUtils.close(writers());
    }
  }

  /**
   * Routes each field to its reader. It provides the fields' HNSW graphs, so that Lucene's merges
   * grow the largest segment's graph instead of rebuilding it.
   */
  private final class RoutingReader extends KnnVectorsReader implements HnswGraphProvider {
    private final FieldInfos fieldInfos;
    private final KnnVectorsReader summaries, others; // null when the segment has no such field

    RoutingReader(SegmentReadState state) throws IOException {
      this.fieldInfos = state.fieldInfos;
      List<FieldInfo> summaryFields = new ArrayList<>();
      List<FieldInfo> otherFields = new ArrayList<>();
      for (FieldInfo field : state.fieldInfos) {
        if (field.hasVectorValues()) {
          (isMultiVectorField(field) ? summaryFields : otherFields).add(field);
        }
      }
      KnnVectorsReader summaries = null, others = null;
      boolean success = false;
      try {
        if (summaryFields.isEmpty() == false) {
          summaries =
              new PerFieldKnnVectorsFormat.FieldsReader(
                  restrict(state, summaryFields, summarySuffix(state.segmentSuffix)));
        }
        if (otherFields.isEmpty() == false) {
          others = delegate.fieldsReader(restrict(state, otherFields, state.segmentSuffix));
        }
        success = true;
      } finally {
        if (success == false) {
          IOUtils.closeWhileHandlingException(summaries, others);
        }
      }
      this.summaries = summaries;
      this.others = others;
    }

    private RoutingReader(RoutingReader original) throws IOException {
      this.fieldInfos = original.fieldInfos;
      this.summaries = original.summaries == null ? null : original.summaries.getMergeInstance();
      this.others = original.others == null ? null : original.others.getMergeInstance();
    }

    /** Each reader sees only its fields, so per-field attributes never point it elsewhere. */
    private static SegmentReadState restrict(
        SegmentReadState state, List<FieldInfo> fields, String suffix) {
      return new SegmentReadState(
          state.directory,
          state.segmentInfo,
          new FieldInfos(fields.toArray(FieldInfo[]::new)),
          state.context,
          suffix);
    }

    private KnnVectorsReader readerFor(String field) {
      FieldInfo info = fieldInfos.fieldInfo(field);
      if (info == null) {
        return null;
      }
      return isMultiVectorField(info) ? summaries : others;
    }

    @Override
    public void checkIntegrity() throws IOException {
      if (summaries != null) {
        summaries.checkIntegrity();
      }
      if (others != null) {
        others.checkIntegrity();
      }
    }

    @Override
    public FloatVectorValues getFloatVectorValues(String field) throws IOException {
      KnnVectorsReader reader = readerFor(field);
      return reader == null ? null : reader.getFloatVectorValues(field);
    }

    @Override
    public ByteVectorValues getByteVectorValues(String field) throws IOException {
      KnnVectorsReader reader = readerFor(field);
      return reader == null ? null : reader.getByteVectorValues(field);
    }

    @Override
    public void search(String field, float[] target, KnnCollector collector, AcceptDocs acceptDocs)
        throws IOException {
      KnnVectorsReader reader = readerFor(field);
      if (reader != null) {
        reader.search(field, target, collector, acceptDocs);
      }
    }

    @Override
    public void search(String field, byte[] target, KnnCollector collector, AcceptDocs acceptDocs)
        throws IOException {
      KnnVectorsReader reader = readerFor(field);
      if (reader != null) {
        reader.search(field, target, collector, acceptDocs);
      }
    }

    @Override
    public HnswGraph getGraph(String field) throws IOException {
      KnnVectorsReader reader = readerFor(field);
      if (reader instanceof PerFieldKnnVectorsFormat.FieldsReader perField) {
        reader = perField.getFieldReader(field);
      }
      return reader instanceof HnswGraphProvider provider ? provider.getGraph(field) : null;
    }

    @Override
    public KnnVectorsReader getMergeInstance() throws IOException {
      return new RoutingReader(this);
    }

    @Override
    public void finishMerge() throws IOException {
      if (summaries != null) {
        summaries.finishMerge();
      }
      if (others != null) {
        others.finishMerge();
      }
    }

    @Override
    public Map<String, Long> getOffHeapByteSize(FieldInfo fieldInfo) {
      KnnVectorsReader reader = readerFor(fieldInfo.name);
      return reader == null ? Map.of() : reader.getOffHeapByteSize(fieldInfo);
    }

    @Override
    public void close() throws IOException {
      IOUtils.close(summaries, others);
    }
  }
}
