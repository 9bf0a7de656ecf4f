package dev.multivector.lucene.codec;

import static dev.multivector.lucene.codec.MultiVectorDocValuesFormat.ADDRESSES_BLOCK_SHIFT;
import static dev.multivector.lucene.codec.MultiVectorDocValuesFormat.PANEL_ALIGNMENT;
import static dev.multivector.lucene.codec.MultiVectorDocValuesFormat.STORAGE_DELEGATE;
import static dev.multivector.lucene.codec.MultiVectorDocValuesFormat.STORAGE_KEY;
import static dev.multivector.lucene.codec.MultiVectorDocValuesFormat.STORAGE_PANELS;

import dev.multivector.lucene.document.MultiVectorFieldConfig;
import dev.multivector.lucene.document.MultiVectorFieldConfig.Encoding;
import java.io.Closeable;
import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.FloatBuffer;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.function.IntToLongFunction;
import java.util.function.IntUnaryOperator;
import java.util.function.Predicate;
import org.apache.lucene.codecs.CodecUtil;
import org.apache.lucene.codecs.DocValuesConsumer;
import org.apache.lucene.codecs.DocValuesFormat;
import org.apache.lucene.codecs.DocValuesProducer;
import org.apache.lucene.codecs.lucene90.IndexedDISI;
import org.apache.lucene.index.BinaryDocValues;
import org.apache.lucene.index.DocIDMerger;
import org.apache.lucene.index.DocValuesType;
import org.apache.lucene.index.EmptyDocValuesProducer;
import org.apache.lucene.index.FieldInfo;
import org.apache.lucene.index.IndexFileNames;
import org.apache.lucene.index.IndexWriter;
import org.apache.lucene.index.MergeState;
import org.apache.lucene.index.SegmentWriteState;
import org.apache.lucene.search.DocIdSetIterator;
import org.apache.lucene.store.IndexOutput;
import org.apache.lucene.util.IOSupplier;
import org.apache.lucene.util.IOUtils;
import org.apache.lucene.util.packed.DirectMonotonicWriter;

/** Writes {@link MultiVectorDocValuesFormat}: multi-vector fields as panels, others to a delegate. */
final class MultiVectorDocValuesConsumer extends DocValuesConsumer {

  /** Floats converted and written at a time, bounding the writer's buffers (256 KB). */
  private static final int WRITE_CHUNK_FLOATS = 1 << 16;

  private final SegmentWriteState state;
  private final DocValuesFormat delegateFormat;
  private final Predicate<String> lateInteractionFields;
  private DocValuesConsumer delegate; // created on first use: some formats create files eagerly
  private IndexOutput meta, data; // likewise
  private IndexOutput encoded; // created for the first field with a compressed encoding
  private final Map<String, TokenIndexWriter> tokenIndexWriters = new HashMap<>(); // by format

  MultiVectorDocValuesConsumer(
      SegmentWriteState state, DocValuesFormat delegateFormat, Predicate<String> lateInteractionFields) {
    this.state = state;
    this.delegateFormat = delegateFormat;
    this.lateInteractionFields = lateInteractionFields;
  }

  private DocValuesConsumer delegate() throws IOException {
    if (delegate == null) {
      delegate = delegateFormat.fieldsConsumer(state);
    }
    return delegate;
  }

  private boolean isMultiVectorField(FieldInfo field) {
    return field.getDocValuesType() == DocValuesType.BINARY
        && (MultiVectorFieldConfig.fromFieldInfo(field) != null
            || lateInteractionFields.test(field.name));
  }

  @Override
  public void addNumericField(FieldInfo field, DocValuesProducer valuesProducer) throws IOException {
    delegate().addNumericField(field, valuesProducer);
  }

  @Override
  public void addSortedField(FieldInfo field, DocValuesProducer valuesProducer) throws IOException {
    delegate().addSortedField(field, valuesProducer);
  }

  @Override
  public void addSortedNumericField(FieldInfo field, DocValuesProducer valuesProducer)
      throws IOException {
    delegate().addSortedNumericField(field, valuesProducer);
  }

  @Override
  public void addSortedSetField(FieldInfo field, DocValuesProducer valuesProducer)
      throws IOException {
    delegate().addSortedSetField(field, valuesProducer);
  }

  @Override
  public void addBinaryField(FieldInfo field, DocValuesProducer valuesProducer) throws IOException {
    if (isMultiVectorField(field)) {
      addMultiVectorField(
          field, () -> Float32PanelValues.wrap(valuesProducer.getBinary(field), field.name), null);
    } else {
      delegate().addBinaryField(field, valuesProducer);
    }
  }

  /** Merges panels as panels, without a round trip through the row-major layout. */
  @Override
  public void mergeBinaryField(FieldInfo mergeFieldInfo, MergeState mergeState)
      throws IOException {
    if (isMultiVectorField(mergeFieldInfo)) {
      addMultiVectorField(
          mergeFieldInfo, () -> mergedValues(mergeFieldInfo, mergeState), mergeState);
    } else {
      super.mergeBinaryField(mergeFieldInfo, mergeState);
    }
  }

  /**
   * Stores the field as panels if all its values are matrices of one dimension, with its token
   * graph if the field's configuration asks for one.
   *
   * @param mergeState the merge writing the field, or null at flush
   */
  private void addMultiVectorField(
      FieldInfo field, IOSupplier<Float32PanelValues> values, MergeState mergeState)
      throws IOException {
    MultiVectorFieldConfig config = MultiVectorFieldConfig.fromFieldInfo(field);
    boolean declared = field.hasVectorValues() == false; // a LateInteractionField
    int expectedDimension = declared || config == null ? -1 : config.dimension();
    FieldLayout layout = FieldLayout.scan(values.get(), expectedDimension);
    if (layout.problem == null && layout.dimension > MultiVectorFieldConfig.MAX_DIMENSION) {
      // A LateInteractionField of any dimension: its values are searched by decoding them.
      layout.problem =
          "dimension " + layout.dimension + " is above " + MultiVectorFieldConfig.MAX_DIMENSION;
    }
    if (layout.problem != null) {
      message("field \"" + field.name + "\" left to the delegate format: " + layout.problem);
      field.putAttribute(STORAGE_KEY, STORAGE_DELEGATE);
      delegate().addBinaryField(field, singleBinaryField(field, values));
      return;
    }
    field.putAttribute(STORAGE_KEY, STORAGE_PANELS);
    if (declared && layout.docCount > 0) {
      MultiVectorFieldConfig.builder(layout.dimension)
          .maxTokens(MultiVectorFieldConfig.MAX_TOKENS_LIMIT)
          .build()
          .toAttributes()
          .forEach(field::putAttribute);
    }
    List<TokenIndexFormat> tokenIndexes =
        declared || config == null || layout.docCount == 0
            ? List.of()
            : MultiVectorDocValuesFormat.tokenIndexFormats(config);
    if (tokenIndexes.isEmpty() == false && layout.totalTokens > IndexWriter.MAX_DOCS) {
      // Token indexes number tokens with ints, like documents.
      message("field \"" + field.name + "\": too many tokens for a token index");
      tokenIndexes = List.of();
    }
    Encoding encoding = declared || config == null ? Encoding.FLOAT32 : config.encoding();
    boolean keepRaw = encoding == Encoding.FLOAT32 || config.keepRawVectors();
    writePanels(field, layout, encoding, keepRaw, values);
    meta.writeVInt(tokenIndexes.size());
    for (TokenIndexFormat format : tokenIndexes) {
      meta.writeString(format.getName());
    }
    if (tokenIndexes.isEmpty() == false) {
      writeDocOfToken(layout);
      TokenIndexWriter.FieldTokens tokens =
          new TokenIndexWriter.FieldTokens(
              field, layout.dimension, (int) layout.totalTokens, values::get);
      for (TokenIndexFormat format : tokenIndexes) {
        tokenIndexWriter(format)
            .addField(tokens, mergeState == null ? null : merge(field, format, layout, mergeState));
      }
    }
  }

  /** The doc id of every token, in token order: token indexes find a token's document with it. */
  private void writeDocOfToken(FieldLayout layout) throws IOException {
    writeMonotonic(
        layout.totalTokens,
        writer -> {
          for (int ord = 0; ord < layout.docCount; ord++) {
            for (int t = 0; t < layout.tokenCounts[ord]; t++) {
              writer.add(layout.docs[ord]);
            }
          }
        });
  }

  private TokenIndexWriter tokenIndexWriter(TokenIndexFormat format) throws IOException {
    TokenIndexWriter writer = tokenIndexWriters.get(format.getName());
    if (writer == null) {
      writer =
          format.fieldsWriter(
              new SegmentWriteState(
                  state,
                  MultiVectorDocValuesFormat.tokenIndexSuffix(state.segmentSuffix, format.getName())));
      tokenIndexWriters.put(format.getName(), writer);
    }
    return writer;
  }

  /**
   * What a merge offers the field's token index of {@code format}: each merged segment's index of
   * the field in that format, and the new number of each of its tokens (the new first token of
   * its document, plus its rank).
   *
   * @param layout the field's documents in the merged segment, in ordinal order
   */
  private static TokenIndexWriter.Merge merge(
      FieldInfo field, TokenIndexFormat format, FieldLayout layout, MergeState mergeState)
      throws IOException {
    int[] newOrdOfDoc = new int[mergeState.segmentInfo.maxDoc()];
    long[] newFirstToken = new long[layout.docCount];
    for (int ord = 0, first = 0; ord < layout.docCount; first += layout.tokenCounts[ord++]) {
      newOrdOfDoc[layout.docs[ord]] = ord;
      newFirstToken[ord] = first;
    }
    List<TokenIndexWriter.MergedIndex> indexes = new ArrayList<>();
    for (int i = 0; i < mergeState.docValuesProducers.length; i++) {
      FieldInfo source = mergeState.fieldInfos[i].fieldInfo(field.name);
      if (mergeState.docValuesProducers[i] instanceof MultiVectorDocValuesProducer producer
          && source != null
          && producer.tokenIndexReader(source, format.getName()) != null) {
        MergeState.DocMap docMap = mergeState.docMaps[i];
        int tokenCount = producer.tokenCount(source);
        indexes.add(
            new TokenIndexWriter.MergedIndex(
                producer.tokenIndexReader(source, format.getName()),
                tokenCount,
                () -> {
                  int[] newTokens = new int[tokenCount];
                  MultiVectorValues values = MultiVectorValues.of(producer.getBinary(source), field.name);
                  int token = 0;
                  for (int doc = values.nextDoc(); doc != DocIdSetIterator.NO_MORE_DOCS; doc = values.nextDoc()) {
                    int count = values.tokenCount();
                    int newDoc = docMap.get(doc);
                    for (int t = 0; t < count; t++) {
                      newTokens[token + t] =
                          newDoc == -1 ? -1 : (int) (newFirstToken[newOrdOfDoc[newDoc]] + t);
                    }
                    token += count;
                  }
                  return newTokens;
                }));
      }
    }
    return new TokenIndexWriter.Merge(indexes, mergeState.intraMergeTaskExecutor, mergeState::checkAborted);
  }

  private void message(String message) {
    // Doc-values updates write with no info stream.
    if (state.infoStream != null && state.infoStream.isEnabled("MV")) {
      state.infoStream.message("MV", message);
    }
  }

  private void writePanels(
      FieldInfo field,
      FieldLayout layout,
      Encoding encoding,
      boolean keepRaw,
      IOSupplier<Float32PanelValues> supplier)
      throws IOException {
    ensureOpen();
    final int dimension = layout.dimension;
    meta.writeInt(field.number);
    meta.writeByte(MultiVectorDocValuesFormat.wireNumber(encoding));
    meta.writeVInt(dimension);
    meta.writeInt(layout.docCount);
    meta.writeLong(layout.totalTokens);
    meta.writeInt(layout.maxTokens);

    // Panels, converted and written a bounded chunk at a time.
    final int panelFloats = PanelLayout.panelFloats(dimension);
    final int chunkPanels = Math.max(1, WRITE_CHUNK_FLOATS / panelFloats);
    final float[] floats = new float[chunkPanels * panelFloats];
    final byte[] bytes = new byte[floats.length * Float.BYTES];
    final FloatBuffer littleEndian =
        ByteBuffer.wrap(bytes).order(ByteOrder.LITTLE_ENDIAN).asFloatBuffer();
    final boolean compressed = encoding != Encoding.FLOAT32;
    final int encodedPanelBytes =
        compressed ? MultiVectorDocValuesFormat.encodedPanelBytes(encoding, dimension) : 0;
    final byte[] encodedBytes = new byte[chunkPanels * encodedPanelBytes];
    if (compressed) {
      ensureEncodedOpen();
    }
    long start = data.alignFilePointer(PANEL_ALIGNMENT);
    long encodedStart = compressed ? encoded.alignFilePointer(PANEL_ALIGNMENT) : -1;
    Float32PanelValues values = supplier.get();
    int ord = 0;
    for (int doc = values.nextDoc(); doc != DocIdSetIterator.NO_MORE_DOCS; doc = values.nextDoc()) {
      int panels = PanelLayout.panelCount(values.tokenCount());
      assert values.tokenCount() == layout.tokenCounts[ord];
      ord++;
      for (int p = 0; p < panels; p += chunkPanels) {
        int count = Math.min(chunkPanels, panels - p);
        values.readPanels(p, count, floats, 0);
        if (keepRaw) {
          littleEndian.clear();
          littleEndian.put(floats, 0, count * panelFloats);
          data.writeBytes(bytes, 0, count * panelFloats * Float.BYTES);
        }
        if (compressed) {
          for (int i = 0; i < count; i++) {
            if (encoding == Encoding.INT8) {
              Int8Panels.encode(floats, i * panelFloats, dimension, encodedBytes, i * encodedPanelBytes);
            } else {
              BitPanels.encode(floats, i * panelFloats, dimension, encodedBytes, i * encodedPanelBytes);
            }
          }
          encoded.writeBytes(encodedBytes, 0, count * encodedPanelBytes);
        }
      }
    }
    meta.writeLong(start);
    meta.writeLong(data.getFilePointer() - start);
    if (compressed) {
      meta.writeByte((byte) (keepRaw ? 1 : 0));
      meta.writeLong(encodedStart);
      meta.writeLong(encoded.getFilePointer() - encodedStart);
    }

    if (layout.docCount == 0 || layout.docCount == state.segmentInfo.maxDoc()) {
      meta.writeLong(layout.docCount == 0 ? -2 : -1);
      meta.writeLong(0L);
      meta.writeShort((short) -1);
      meta.writeByte((byte) -1);
    } else {
      long offset = data.getFilePointer();
      meta.writeLong(offset);
      short jumpTableEntryCount =
          IndexedDISI.writeBitSet(supplier.get(), data, IndexedDISI.DEFAULT_DENSE_RANK_POWER);
      meta.writeLong(data.getFilePointer() - offset);
      meta.writeShort(jumpTableEntryCount);
      meta.writeByte(IndexedDISI.DEFAULT_DENSE_RANK_POWER);
    }

    writeMonotonic(layout.docCount + 1, runningSum(layout, tokens -> tokens));
    writeMonotonic(layout.docCount + 1, runningSum(layout, PanelLayout::panelCount));
    if (layout.docCount > 0 && layout.docCount < state.segmentInfo.maxDoc()) {
      writeMonotonic(layout.docCount, i -> layout.docs[i]);
    }
  }

  /** Value {@code i} is the sum of {@code perDoc} over the token counts of ordinals below i. */
  private static IntToLongFunction runningSum(FieldLayout layout, IntUnaryOperator perDoc) {
    long[] sums = new long[layout.docCount + 1];
    for (int i = 0; i < layout.docCount; i++) {
      sums[i + 1] = sums[i] + perDoc.applyAsInt(layout.tokenCounts[i]);
    }
    return i -> sums[i];
  }

  private void writeMonotonic(int count, IntToLongFunction values) throws IOException {
    writeMonotonic(
        count,
        writer -> {
          for (int i = 0; i < count; i++) {
            writer.add(values.applyAsLong(i));
          }
        });
  }

  /** {@code count} non-decreasing values as a DirectMonotonicWriter: offset, meta, length. */
  private void writeMonotonic(long count, MonotonicValues values) throws IOException {
    long start = data.getFilePointer();
    meta.writeLong(start);
    meta.writeVInt(ADDRESSES_BLOCK_SHIFT);
    DirectMonotonicWriter writer =
        DirectMonotonicWriter.getInstance(meta, data, count, ADDRESSES_BLOCK_SHIFT);
    values.addTo(writer);
    writer.finish();
    meta.writeLong(data.getFilePointer() - start);
  }

  private interface MonotonicValues {
    void addTo(DirectMonotonicWriter writer) throws IOException;
  }

  private void ensureOpen() throws IOException {
    if (meta != null) {
      return;
    }
    meta = createOutput(MultiVectorDocValuesFormat.META_EXTENSION, MultiVectorDocValuesFormat.META_CODEC);
    boolean success = false;
    try {
      data = createOutput(MultiVectorDocValuesFormat.DATA_EXTENSION, MultiVectorDocValuesFormat.DATA_CODEC);
      success = true;
    } finally {
      if (success == false) {
        IOUtils.closeWhileHandlingException(meta);
        meta = null; // close() must not write to it
      }
    }
  }

  private void ensureEncodedOpen() throws IOException {
    if (encoded == null) {
      encoded =
          createOutput(MultiVectorDocValuesFormat.ENCODED_EXTENSION, MultiVectorDocValuesFormat.ENCODED_CODEC);
    }
  }

  private IndexOutput createOutput(String extension, String codec) throws IOException {
    return FormatFiles.create(state, extension, codec, MultiVectorDocValuesFormat.VERSION_CURRENT);
  }


  private String fileName(String extension) {
    return IndexFileNames.segmentFileName(state.segmentInfo.name, state.segmentSuffix, extension);
  }

  /** A producer of one binary field, for handing values to the delegate. */
  private static DocValuesProducer singleBinaryField(
      FieldInfo field, IOSupplier<? extends BinaryDocValues> values) {
    return new EmptyDocValuesProducer() {
      @Override
      public BinaryDocValues getBinary(FieldInfo f) throws IOException {
        if (f != field) {
          throw new IllegalArgumentException("wrong field: " + f.name);
        }
        return values.get();
      }
    };
  }

  /** The field's values across the merged segments, in the merged segment's doc order. */
  private static Float32PanelValues mergedValues(FieldInfo mergeFieldInfo, MergeState mergeState)
      throws IOException {
    List<MergedMultiVectorValues.Sub> subs = new ArrayList<>();
    long cost = 0;
    for (int i = 0; i < mergeState.docValuesProducers.length; i++) {
      DocValuesProducer producer = mergeState.docValuesProducers[i];
      FieldInfo readerField = mergeState.fieldInfos[i].fieldInfo(mergeFieldInfo.name);
      if (producer != null
          && readerField != null
          && readerField.getDocValuesType() == DocValuesType.BINARY) {
        Float32PanelValues values =
            Float32PanelValues.wrap(producer.getBinary(readerField), mergeFieldInfo.name);
        cost += values.cost();
        subs.add(new MergedMultiVectorValues.Sub(mergeState.docMaps[i], values));
      }
    }
    return new MergedMultiVectorValues(
        mergeFieldInfo.name, DocIDMerger.of(subs, mergeState.needsIndexSort), cost);
  }

  @Override
  public void close() throws IOException {
    boolean success = false;
    try {
      if (meta != null) {
        meta.writeInt(-1);
        CodecUtil.writeFooter(meta);
        CodecUtil.writeFooter(data);
      }
      if (encoded != null) {
        CodecUtil.writeFooter(encoded);
      }
      for (TokenIndexWriter writer : tokenIndexWriters.values()) {
        writer.finish();
      }
      success = true;
    } finally {
      List<Closeable> closeables = new ArrayList<>(tokenIndexWriters.values());
      closeables.addAll(Arrays.asList(meta, data, encoded, delegate));
      if (success) {
        IOUtils.close(closeables);
      } else {
        IOUtils.closeWhileHandlingException(closeables);
      }
      meta = data = encoded = null;
      tokenIndexWriters.clear();
    }
  }
}
