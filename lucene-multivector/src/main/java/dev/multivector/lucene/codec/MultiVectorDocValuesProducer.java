package dev.multivector.lucene.codec;

import static dev.multivector.lucene.codec.MultiVectorDocValuesFormat.isStoredAsPanels;

import dev.multivector.lucene.document.MultiVectorFieldConfig;
import dev.multivector.lucene.document.MultiVectorFieldConfig.Encoding;
import java.io.Closeable;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.lang.foreign.Arena;
import java.lang.foreign.MemorySegment;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import org.apache.lucene.codecs.CodecUtil;
import org.apache.lucene.codecs.DocValuesFormat;
import org.apache.lucene.codecs.DocValuesProducer;
import org.apache.lucene.codecs.lucene90.IndexedDISI;
import org.apache.lucene.index.BinaryDocValues;
import org.apache.lucene.index.CorruptIndexException;
import org.apache.lucene.index.DocValues;
import org.apache.lucene.index.DocValuesSkipper;
import org.apache.lucene.index.DocValuesType;
import org.apache.lucene.index.FieldInfo;
import org.apache.lucene.index.FieldInfos;
import org.apache.lucene.index.IndexFileNames;
import org.apache.lucene.index.NumericDocValues;
import org.apache.lucene.index.SegmentReadState;
import org.apache.lucene.index.SortedDocValues;
import org.apache.lucene.index.SortedNumericDocValues;
import org.apache.lucene.index.SortedSetDocValues;
import org.apache.lucene.store.ChecksumIndexInput;
import org.apache.lucene.store.DataAccessHint;
import org.apache.lucene.store.FileTypeHint;
import org.apache.lucene.store.IOContext;
import org.apache.lucene.store.IndexInput;
import org.apache.lucene.store.MemorySegmentAccessInput;
import org.apache.lucene.util.ArrayUtil;
import org.apache.lucene.util.IOUtils;
import org.apache.lucene.util.LongValues;
import org.apache.lucene.util.packed.DirectMonotonicReader;

/** Reads {@link MultiVectorDocValuesFormat}: panels off-heap, other fields from the delegate. */
final class MultiVectorDocValuesProducer extends DocValuesProducer {

  /** One field's metadata. */
  private record FieldEntry(
      Encoding encoding,
      int dimension,
      int docCount,
      long totalTokens,
      int maxTokens,
      long panelsOffset,
      long panelsLength,
      boolean rawVectors, // the panels in .mvd are stored (always for FLOAT32)
      long encodedOffset, // -1 for FLOAT32
      long encodedLength,
      long docsWithFieldOffset,
      long docsWithFieldLength,
      short jumpTableEntryCount,
      byte denseRankPower,
      Addresses tokenAddresses,
      Addresses panelAddresses,
      Addresses ordToDoc, // null when every document or none has a value
      List<String> tokenIndexFormats, // names, empty if none
      Addresses docOfToken) {} // null without a token index

  private record Addresses(long offset, DirectMonotonicReader.Meta meta, long length) {}

  private final Map<String, FieldEntry> fields;
  private final Map<String, TokenIndexReader> tokenIndexes; // by format name
  private final IndexInput data; // null if no field of the segment is stored as panels
  private final IndexInput encoded; // null if no field has a compressed encoding
  private final DocValuesProducer delegate; // null if every doc-values field is stored as panels
  private final int maxDoc;

  MultiVectorDocValuesProducer(SegmentReadState state, DocValuesFormat delegateFormat)
      throws IOException {
    this.maxDoc = state.segmentInfo.maxDoc();
    List<FieldInfo> delegated = new ArrayList<>();
    boolean anyPanels = false;
    for (FieldInfo field : state.fieldInfos) {
      if (isStoredAsPanels(field)) {
        anyPanels = true;
      } else if (field.getDocValuesType() != DocValuesType.NONE) {
        delegated.add(field);
      }
    }
    this.fields = new HashMap<>();
    this.tokenIndexes = new HashMap<>();
    IndexInput data = null, encoded = null;
    DocValuesProducer delegate = null;
    boolean success = false;
    try {
      if (anyPanels) {
        int version = readMeta(state);
        data = openData(state, version, MultiVectorDocValuesFormat.DATA_EXTENSION, MultiVectorDocValuesFormat.DATA_CODEC);
        if (fields.values().stream().anyMatch(entry -> entry.encoding != Encoding.FLOAT32)) {
          encoded =
              openData(
                  state,
                  version,
                  MultiVectorDocValuesFormat.ENCODED_EXTENSION,
                  MultiVectorDocValuesFormat.ENCODED_CODEC);
        }
        for (FieldEntry entry : fields.values()) {
          for (String format : entry.tokenIndexFormats) {
            if (tokenIndexes.containsKey(format)) {
              continue;
            }
            tokenIndexes.put(
                format,
                TokenIndexFormat.forName(format)
                    .fieldsReader(
                        new SegmentReadState(
                            state,
                            MultiVectorDocValuesFormat.tokenIndexSuffix(state.segmentSuffix, format))));
          }
        }
      }
      if (delegated.isEmpty() == false) {
        // The delegate sees only its own fields: a field stored as panels may still carry the
        // per-field attributes of the format that stored it in an earlier segment.
        FieldInfos delegateInfos = new FieldInfos(delegated.toArray(FieldInfo[]::new));
        delegate =
            delegateFormat.fieldsProducer(
                new SegmentReadState(
                    state.directory,
                    state.segmentInfo,
                    delegateInfos,
                    state.context,
                    state.segmentSuffix));
      }
      success = true;
    } finally {
      if (success == false) {
        IOUtils.closeWhileHandlingException(data, encoded, delegate);
        IOUtils.closeWhileHandlingException(tokenIndexes.values());
      }
    }
    this.data = data;
    this.encoded = encoded;
    this.delegate = delegate;
  }

  private MultiVectorDocValuesProducer(MultiVectorDocValuesProducer original) throws IOException {
    // A merge reads every panel in order: read ahead again, as Lucene's flat vectors do for theirs.
    // DocValuesProducer has no finishMerge to switch back: the segment goes once the merge is done.
    IOContext sequential = IOContext.DEFAULT.withHints(FileTypeHint.DATA, DataAccessHint.SEQUENTIAL);
    for (IndexInput input : new IndexInput[] {original.data, original.encoded}) {
      if (input != null) {
        input.updateIOContext(sequential);
      }
    }
    this.fields = original.fields;
    this.tokenIndexes = original.tokenIndexes;
    this.data = original.data;
    this.encoded = original.encoded;
    this.delegate = original.delegate == null ? null : original.delegate.getMergeInstance();
    this.maxDoc = original.maxDoc;
  }

  private int readMeta(SegmentReadState state) throws IOException {
    String metaName = fileName(state, MultiVectorDocValuesFormat.META_EXTENSION);
    int version = -1;
    try (ChecksumIndexInput meta = state.directory.openChecksumInput(metaName)) {
      Throwable priorE = null;
      try {
        version =
            CodecUtil.checkIndexHeader(
                meta,
                MultiVectorDocValuesFormat.META_CODEC,
                MultiVectorDocValuesFormat.VERSION_START,
                MultiVectorDocValuesFormat.VERSION_CURRENT,
                state.segmentInfo.getId(),
                state.segmentSuffix);
        readFields(meta, state.fieldInfos, version);
      } catch (Throwable t) {
        priorE = t;
      } finally {
        CodecUtil.checkFooter(meta, priorE);
      }
    }
    for (FieldInfo field : state.fieldInfos) {
      if (isStoredAsPanels(field) && fields.containsKey(field.name) == false) {
        throw new CorruptIndexException(
            "field \"" + field.name + "\" is stored as panels but has no metadata", metaName);
      }
    }
    return version;
  }

  private void readFields(IndexInput meta, FieldInfos infos, int version) throws IOException {
    for (int number = meta.readInt(); number != -1; number = meta.readInt()) {
      FieldInfo info = infos.fieldInfo(number);
      if (info == null || isStoredAsPanels(info) == false) {
        throw new CorruptIndexException("invalid field number: " + number, meta);
      }
      byte wireNumber = meta.readByte();
      Encoding encoding = MultiVectorDocValuesFormat.encoding(wireNumber);
      if (encoding == null
          || (encoding != Encoding.FLOAT32 && version < MultiVectorDocValuesFormat.VERSION_ENCODINGS)) {
        throw new CorruptIndexException(
            "field \"" + info.name + "\" has token encoding number " + wireNumber
                + ", unknown to format version " + version + " (this version of the library reads "
                + Arrays.toString(Encoding.values()) + ")",
            meta);
      }
      int dimension = meta.readVInt();
      int docCount = meta.readInt();
      long totalTokens = meta.readLong();
      int maxTokens = meta.readInt();
      if (dimension < 1
          || dimension > MultiVectorFieldConfig.MAX_DIMENSION
          || docCount < 0
          || docCount > maxDoc
          || totalTokens < docCount) {
        throw new CorruptIndexException(
            "invalid entry: dimension=" + dimension + " docCount=" + docCount + " totalTokens="
                + totalTokens, meta);
      }
      long panelsOffset = meta.readLong();
      long panelsLength = meta.readLong();
      long encodedOffset = -1, encodedLength = 0;
      boolean rawVectors = true;
      if (encoding != Encoding.FLOAT32) {
        byte raw = meta.readByte();
        rawVectors = raw == 1;
        encodedOffset = meta.readLong();
        encodedLength = meta.readLong();
        long panelBytes = (long) PanelLayout.panelFloats(dimension) * Float.BYTES;
        long encodedPanelBytes = MultiVectorDocValuesFormat.encodedPanelBytes(encoding, dimension);
        long panels = encodedLength / encodedPanelBytes;
        if ((raw != 0 && raw != 1)
            || encodedLength % encodedPanelBytes != 0
            || panelsLength != (rawVectors ? panels * panelBytes : 0)) {
          throw new CorruptIndexException(
              "field \"" + info.name + "\": " + encodedLength + " bytes of " + encoding
                  + " panels and " + panelsLength + " bytes of float32 panels (stored: " + raw + ")",
              meta);
        }
      }
      long docsWithFieldOffset = meta.readLong();
      long docsWithFieldLength = meta.readLong();
      short jumpTableEntryCount = meta.readShort();
      byte denseRankPower = meta.readByte();
      Addresses tokenAddresses = readAddresses(meta, docCount + 1L);
      Addresses panelAddresses = readAddresses(meta, docCount + 1L);
      Addresses ordToDoc = docsWithFieldOffset >= 0 ? readAddresses(meta, docCount) : null;
      List<String> tokenIndexFormats = new ArrayList<>(2);
      if (version < MultiVectorDocValuesFormat.VERSION_ENCODINGS) {
        String name = meta.readString();
        if (name.isEmpty() == false) {
          tokenIndexFormats.add(name);
        }
      } else {
        int count = meta.readVInt();
        if (count > 2) {
          throw new CorruptIndexException("field \"" + info.name + "\" has " + count + " token indexes", meta);
        }
        for (int i = 0; i < count; i++) {
          tokenIndexFormats.add(meta.readString());
        }
      }
      for (String name : tokenIndexFormats) {
        if (TokenIndexFormat.availableTokenIndexFormats().contains(name) == false) {
          throw new CorruptIndexException("unknown token index format " + name, meta);
        }
      }
      Addresses docOfToken =
          tokenIndexFormats.isEmpty() ? null : readAddresses(meta, totalTokens);
      fields.put(
          info.name,
          new FieldEntry(
              encoding,
              dimension,
              docCount,
              totalTokens,
              maxTokens,
              panelsOffset,
              panelsLength,
              rawVectors,
              encodedOffset,
              encodedLength,
              docsWithFieldOffset,
              docsWithFieldLength,
              jumpTableEntryCount,
              denseRankPower,
              tokenAddresses,
              panelAddresses,
              ordToDoc,
              tokenIndexFormats,
              docOfToken));
    }
  }

  private static Addresses readAddresses(IndexInput meta, long count) throws IOException {
    long offset = meta.readLong();
    int blockShift = meta.readVInt();
    DirectMonotonicReader.Meta addressesMeta = DirectMonotonicReader.loadMeta(meta, count, blockShift);
    return new Addresses(offset, addressesMeta, meta.readLong());
  }

  private static IndexInput openData(
      SegmentReadState state, int metaVersion, String extension, String codec) throws IOException {
    return FormatFiles.openData(
        state,
        extension,
        codec,
        MultiVectorDocValuesFormat.VERSION_START,
        MultiVectorDocValuesFormat.VERSION_CURRENT,
        metaVersion);
  }

  private static String fileName(SegmentReadState state, String extension) {
    return IndexFileNames.segmentFileName(state.segmentInfo.name, state.segmentSuffix, extension);
  }

  @Override
  public BinaryDocValues getBinary(FieldInfo field) throws IOException {
    FieldEntry entry = fields.get(field.name);
    if (entry == null) {
      return delegate.getBinary(field);
    }
    if (entry.docsWithFieldOffset == -2) {
      return DocValues.emptyBinary();
    }
    IndexInput panels =
        data.slice("panels of " + field.name, entry.panelsOffset, entry.panelsLength);
    IndexInput encodedPanels =
        entry.encoding == Encoding.FLOAT32
            ? null
            : encoded.slice(entry.encoding + " panels of " + field.name, entry.encodedOffset, entry.encodedLength);
    LongValues tokenAddresses = addresses(entry.tokenAddresses);
    LongValues panelAddresses = addresses(entry.panelAddresses);
    if (entry.docsWithFieldOffset == -1) {
      return new PanelValues(field, entry, panels, encodedPanels, tokenAddresses, panelAddresses) {
        private int doc = -1;

        @Override
        int ord() {
          return doc;
        }

        @Override
        public int docID() {
          return doc;
        }

        @Override
        public int nextDoc() {
          return advance(doc + 1);
        }

        @Override
        public int advance(int target) {
          doc = target >= maxDoc ? NO_MORE_DOCS : target;
          return doc;
        }

        @Override
        public boolean advanceExact(int target) {
          doc = target;
          return true;
        }

        @Override
        public long cost() {
          return maxDoc;
        }
      };
    }
    IndexedDISI disi =
        new IndexedDISI(
            data,
            entry.docsWithFieldOffset,
            entry.docsWithFieldLength,
            entry.jumpTableEntryCount,
            entry.denseRankPower,
            entry.docCount);
    return new PanelValues(field, entry, panels, encodedPanels, tokenAddresses, panelAddresses) {
      @Override
      int ord() {
        return disi.index();
      }

      @Override
      public int docID() {
        return disi.docID();
      }

      @Override
      public int nextDoc() throws IOException {
        return disi.nextDoc();
      }

      @Override
      public int advance(int target) throws IOException {
        return disi.advance(target);
      }

      @Override
      public boolean advanceExact(int target) throws IOException {
        return disi.advanceExact(target);
      }

      @Override
      public long cost() {
        return disi.cost();
      }
    };
  }

  private DirectMonotonicReader addresses(Addresses addresses) throws IOException {
    return DirectMonotonicReader.getInstance(
        addresses.meta, data.randomAccessSlice(addresses.offset, addresses.length));
  }

  /**
   * The field's token index in this segment, or null if it has none; of two, the centroid index,
   * which builds and searches faster.
   */
  TokenIndex tokenIndex(FieldInfo field) throws IOException {
    FieldEntry entry = fields.get(field.name);
    if (entry == null || entry.tokenIndexFormats.isEmpty()) {
      return null;
    }
    String format =
        entry.tokenIndexFormats.contains(CentroidTokenIndexFormat.NAME)
            ? CentroidTokenIndexFormat.NAME
            : entry.tokenIndexFormats.get(0);
    return new TokenIndex(
        tokenIndexes.get(format), format, field.name, (int) entry.totalTokens, addresses(entry.docOfToken));
  }

  /** The reader of the field's token index of this format in this segment, or null if none. */
  TokenIndexReader tokenIndexReader(FieldInfo field, String format) {
    FieldEntry entry = fields.get(field.name);
    return entry == null || entry.tokenIndexFormats.contains(format) == false
        ? null
        : tokenIndexes.get(format);
  }

  /** The number of the field's tokens in this segment. */
  int tokenCount(FieldInfo field) {
    return Math.toIntExact(fields.get(field.name).totalTokens);
  }

  /** Panels read off-heap; subclasses position on documents. */
  private abstract class PanelValues extends Float32PanelValues {
    private final FieldInfo info;
    private final int dimension;
    private final Encoding encoding;
    private final IndexInput panels;
    private final IndexInput encodedPanels; // null for FLOAT32
    private final LongValues tokenAddresses;
    private final LongValues panelAddresses;
    private final long panelBytes;
    private final long encodedPanelBytes;
    private final boolean rawVectors;
    private byte[] encodedCopy = new byte[0]; // encoded panels read to decode them, or to score
    private MemorySegment offHeapCopy; // them off-heap where the file is not mapped

    PanelValues(
        FieldInfo info,
        FieldEntry entry,
        IndexInput panels,
        IndexInput encodedPanels,
        LongValues tokenAddresses,
        LongValues panelAddresses) {
      super(info.name);
      this.info = info;
      this.dimension = entry.dimension;
      this.encoding = entry.encoding;
      this.rawVectors = entry.rawVectors;
      this.panels = panels;
      this.encodedPanels = encodedPanels;
      this.tokenAddresses = tokenAddresses;
      this.panelAddresses = panelAddresses;
      this.panelBytes = (long) PanelLayout.panelFloats(dimension) * Float.BYTES;
      this.encodedPanelBytes =
          encoding == Encoding.FLOAT32
              ? 0
              : MultiVectorDocValuesFormat.encodedPanelBytes(encoding, dimension);
    }

    @Override
    public Encoding encoding() {
      return encoding;
    }

    @Override
    public boolean hasRawVectors() {
      return rawVectors;
    }

    @Override
    MemorySegment encodedPanels() throws IOException {
      if (encodedPanels == null) {
        return super.encodedPanels();
      }
      int ord = ord();
      long first = panelAddresses.get(ord);
      int count = (int) (panelAddresses.get(ord + 1L) - first);
      long length = count * encodedPanelBytes;
      if (encodedPanels instanceof MemorySegmentAccessInput mapped) {
        MemorySegment segment = mapped.segmentSliceOrNull(first * encodedPanelBytes, length);
        if (segment != null) {
          return segment;
        }
      }
      readEncoded(first, count);
      // Off-heap, as mapped panels are: the Vector API loads ints and floats from a byte[] on a
      // path several times slower.
      if (offHeapCopy == null || offHeapCopy.byteSize() < length) {
        offHeapCopy = Arena.ofAuto().allocate(encodedCopy.length, Long.BYTES);
      }
      MemorySegment.copy(MemorySegment.ofArray(encodedCopy), 0, offHeapCopy, 0, length);
      return offHeapCopy.asSlice(0, length);
    }

    /** The current document's ordinal among the documents with a value. */
    abstract int ord();

    @Override
    public TokenIndex tokenIndex() throws IOException {
      return MultiVectorDocValuesProducer.this.tokenIndex(info);
    }

    @Override
    public int dimension() {
      return dimension;
    }

    @Override
    public int tokenCount() {
      int ord = ord();
      return (int) (tokenAddresses.get(ord + 1L) - tokenAddresses.get(ord));
    }

    @Override
    void readPanels(int fromPanel, int count, float[] dest, int destOffset) throws IOException {
      int ord = ord();
      long first = panelAddresses.get(ord);
      Objects.checkFromIndexSize(fromPanel, count, (int) (panelAddresses.get(ord + 1L) - first));
      if (rawVectors == false) {
        decodePanels(first + fromPanel, count, dest, destOffset);
        return;
      }
      panels.seek((first + fromPanel) * panelBytes);
      panels.readFloats(dest, destOffset, count * PanelLayout.panelFloats(dimension));
    }

    /** The float32 panels that encoded panels {@code [first, first + count)} stand for. */
    private void decodePanels(long first, int count, float[] dest, int destOffset) throws IOException {
      readEncoded(first, count);
      int panelFloats = PanelLayout.panelFloats(dimension);
      for (int p = 0; p < count; p++) {
        int src = (int) (p * encodedPanelBytes);
        if (encoding == Encoding.INT8) {
          Int8Panels.decode(encodedCopy, src, dimension, dest, destOffset + p * panelFloats);
        } else {
          BitPanels.decode(encodedCopy, src, dimension, dest, destOffset + p * panelFloats);
        }
      }
    }

    /** Reads encoded panels {@code [first, first + count)} into {@link #encodedCopy}. */
    private void readEncoded(long first, int count) throws IOException {
      int length = Math.toIntExact(count * encodedPanelBytes);
      encodedCopy = ArrayUtil.growNoCopy(encodedCopy, length);
      encodedPanels.seek(first * encodedPanelBytes);
      encodedPanels.readBytes(encodedCopy, 0, length);
    }

    @Override
    MemorySegment mappedPanels() throws IOException {
      if (rawVectors && panels instanceof MemorySegmentAccessInput mapped) {
        int ord = ord();
        long first = panelAddresses.get(ord);
        return mapped.segmentSliceOrNull(
            first * panelBytes, (panelAddresses.get(ord + 1L) - first) * panelBytes);
      }
      return null;
    }
  }

  @Override
  public NumericDocValues getNumeric(FieldInfo field) throws IOException {
    return delegate.getNumeric(field);
  }

  @Override
  public SortedDocValues getSorted(FieldInfo field) throws IOException {
    return delegate.getSorted(field);
  }

  @Override
  public SortedNumericDocValues getSortedNumeric(FieldInfo field) throws IOException {
    return delegate.getSortedNumeric(field);
  }

  @Override
  public SortedSetDocValues getSortedSet(FieldInfo field) throws IOException {
    return delegate.getSortedSet(field);
  }

  @Override
  public DocValuesSkipper getSkipper(FieldInfo field) throws IOException {
    return fields.containsKey(field.name) ? null : delegate.getSkipper(field);
  }

  @Override
  public void checkIntegrity() throws IOException {
    if (data != null) {
      CodecUtil.checksumEntireFile(data);
    }
    if (encoded != null) {
      CodecUtil.checksumEntireFile(encoded);
    }
    for (TokenIndexReader tokenIndex : tokenIndexes.values()) {
      tokenIndex.checkIntegrity();
    }
    if (delegate != null) {
      delegate.checkIntegrity();
    }
  }

  @Override
  public DocValuesProducer getMergeInstance() {
    try {
      return new MultiVectorDocValuesProducer(this);
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    }
  }

  @Override
  public void close() throws IOException {
    List<Closeable> closeables = new ArrayList<>(tokenIndexes.values());
    closeables.add(data);
    closeables.add(encoded);
    closeables.add(delegate);
    IOUtils.close(closeables);
  }
}
