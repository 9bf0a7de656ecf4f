package dev.multivector.lucene.codec;

import dev.multivector.lucene.document.MultiVectorFieldConfig;
import dev.multivector.lucene.internal.vectorization.BitMaxSimKernel;
import dev.multivector.lucene.internal.vectorization.Int8MaxSimKernel;
import java.io.IOException;
import java.util.ArrayList;
import java.util.List;
import java.util.Objects;
import java.util.function.Predicate;
import org.apache.lucene.codecs.CodecUtil;
import org.apache.lucene.codecs.DocValuesConsumer;
import org.apache.lucene.codecs.DocValuesFormat;
import org.apache.lucene.codecs.DocValuesProducer;
import org.apache.lucene.codecs.lucene90.IndexedDISI;
import org.apache.lucene.codecs.lucene90.Lucene90DocValuesFormat;
import org.apache.lucene.codecs.perfield.PerFieldDocValuesFormat;
import org.apache.lucene.index.DocValuesType;
import org.apache.lucene.index.FieldInfo;
import org.apache.lucene.index.SegmentReadState;
import org.apache.lucene.index.SegmentWriteState;
import org.apache.lucene.util.packed.DirectMonotonicWriter;

/**
 * Doc values format that stores the matrices of multi-vector fields in a panel layout for SIMD
 * MaxSim, and hands every other field to a delegate format.
 *
 * <p>A binary doc-values field is stored here when its {@link FieldInfo} carries a {@link
 * MultiVectorFieldConfig} (a {@link dev.multivector.lucene.document.MultiVectorField}) or when its
 * name is declared as holding {@link org.apache.lucene.document.LateInteractionField} values, and
 * every value in the segment is a well-formed matrix of one dimension. Otherwise (a declared field
 * with malformed or mixed-dimension values) the field goes to the delegate unchanged. The choice
 * is recorded per segment in the field attribute {@code multivector.storage}; a declared field
 * stored here also gets its configuration attributes (dimension from its values, DOT_PRODUCT).
 *
 * <p>Files, each with a {@link CodecUtil#writeIndexHeader index header} (segment id and suffix)
 * and a {@link CodecUtil#writeFooter checksum footer}; all numbers little-endian:
 *
 * <h2>{@code .mvm}: metadata</h2>
 *
 * <p>Header {@value #META_CODEC} version {@value #VERSION_CURRENT}, then for each field stored
 * here:
 *
 * <ul>
 *   <li><b>[int32]</b> field number
 *   <li><b>[byte]</b> token encoding, by its wire number: {@value #FLOAT32} = FLOAT32, {@value
 *       #INT8} = INT8, {@value #BIT} = BIT (from version {@value #VERSION_ENCODINGS})
 *   <li><b>[vint]</b> token dimension {@code d}
 *   <li><b>[int32]</b> number of documents with a value, {@code N}
 *   <li><b>[int64]</b> total tokens of the field in the segment, {@code T}
 *   <li><b>[int32]</b> the largest token count of a document
 *   <li><b>[int64, int64]</b> offset and length in {@code .mvd} of the panels
 *   <li>INT8 and BIT only: <b>[byte]</b> 1 if the panels in {@code .mvd} (the raw vectors) are
 *       stored, 0 if the field dropped them (then their length is 0); <b>[int64, int64]</b> offset
 *       and length in {@code .mve} of the encoded panels
 *   <li><b>[int64, int64, int16, byte]</b> documents with a value: offset and length in {@code
 *       .mvd} of an {@link IndexedDISI} bit set, its jump-table entry count and dense rank power;
 *       offset -2 means no document, -1 every document (no bit set stored)
 *   <li><b>token addresses</b>: {@code N + 1} cumulative token counts (document ordinal {@code i}
 *       has tokens {@code A[i] .. A[i+1]-1}, {@code A[0] = 0}), as a {@link DirectMonotonicWriter}
 *       block: <b>[int64]</b> its offset in {@code .mvd}, <b>[vint]</b> its block shift ({@value
 *       #ADDRESSES_BLOCK_SHIFT}), its metadata, <b>[int64]</b> its length
 *   <li><b>panel addresses</b>: {@code N + 1} cumulative panel counts (document ordinal {@code i}
 *       has panels {@code P[i] .. P[i+1]-1}), stored the same way
 *   <li><b>doc ids by ordinal</b>, only if some but not all documents have a value: {@code N}
 *       values, stored the same way
 *   <li><b>[vint]</b> the number of the field's token indexes, then the name of each one's {@link
 *       TokenIndexFormat}, <b>[string]</b> (version 0: a single <b>[string]</b>, empty if the field
 *       has no token index); if it has one, <b>doc id of each token</b>: {@code T} values, stored
 *       the same way (tokens are numbered in ordinal order, then within their document)
 * </ul>
 *
 * <p>then <b>[int32]</b> -1 and the footer.
 *
 * <h2>{@code .mvd}: data</h2>
 *
 * <p>Header {@value #DATA_CODEC}, then for each field, in metadata order:
 *
 * <ul>
 *   <li>zero bytes up to a multiple of {@value #PANEL_ALIGNMENT} bytes from the start of the file;
 *   <li>the panels of every document in ordinal order, each panel {@code d * 16} float32 values:
 *       value {@code k * 16 + j} is component {@code k} of the panel's token {@code j}; tokens past
 *       a document's count are zeros. A panel is {@code 64 * d} bytes, so every panel stays
 *       {@value #PANEL_ALIGNMENT}-byte aligned;
 *   <li>the {@link IndexedDISI} bit set, if some but not all documents have a value;
 *   <li>the token addresses, the panel addresses, the doc ids by ordinal if stored, and the doc
 *       ids of the tokens if stored.
 * </ul>
 *
 * <p>then the footer.
 *
 * <h2>{@code .mve}: encoded panels</h2>
 *
 * <p>Only if a field of the segment has the INT8 or BIT encoding. Header {@value #ENCODED_CODEC},
 * then for each such field, in metadata order: zero bytes up to a multiple of {@value
 * #PANEL_ALIGNMENT} bytes from the start of the file, and the field's panels in its encoding, the
 * same number per document as in {@code .mvd}, each of the same 16 tokens, then the footer:
 *
 * <ul>
 *   <li>INT8: {@code 16 * (d + 4)} bytes a panel: byte {@code k * 16 + j} is the code, a signed
 *       byte, of component {@code k} of token {@code j}, then 16 float32 scales; a token stands for
 *       its codes times its scale, {@code max_k |x_k| / 127} (see {@link Int8Panels});
 *   <li>BIT: {@code 64 * (w + 1)} bytes a panel, {@code w = ceil(d / 32)}: int32 {@code i * 16 +
 *       j} is word {@code i} of token {@code j}, whose bit {@code b} is set when component {@code
 *       32 * i + b} is positive, then 16 float32 scales, {@code ||x||_1 / d} (see {@link
 *       BitPanels}).
 * </ul>
 *
 * <p>The {@code .mvd} panels hold the raw float32 values of every field that keeps them: rescoring, {@link
 * org.apache.lucene.index.BinaryDocValues#binaryValue()} and merges read them, and merges encode
 * the merged values again. A field that drops them ({@link
 * MultiVectorFieldConfig#keepRawVectors()}) is read from its encoded panels instead, decoded to
 * the values they stand for, which encode again to the same codes.
 *
 * <h2>Token index</h2>
 *
 * <p>A field whose configuration asks for token indexes also has the files of their {@link
 * TokenIndexFormat}s, with the segment suffix {@code [suffix_]<format name>}: {@link
 * HnswTokenIndexFormat} for a token graph ({@link MultiVectorFieldConfig#tokenGraph()}), {@link
 * CentroidTokenIndexFormat} for a centroid index ({@link MultiVectorFieldConfig#centroidIndex()}).
 * Flushes and merges write them after the field's panels; readers find the formats by the names
 * the metadata records.
 *
 * <p>Reads: {@link MultiVectorValues} scores panels in place in the memory-mapped data file
 * ({@code .mvd}, or {@code .mve} for INT8 and BIT); {@link
 * org.apache.lucene.index.BinaryDocValues#binaryValue()} returns the original {@link
 * org.apache.lucene.document.LateInteractionField} layout, bit for bit (for a field that dropped
 * its raw vectors, the decoded values in that layout).
 *
 * @lucene.experimental
 */
public final class MultiVectorDocValuesFormat extends DocValuesFormat {

  /** Name of this format. */
  public static final String NAME = "MultiVectorDocValues";

  /** Field attribute that records where a multi-vector field's values are in this segment. */
  static final String STORAGE_KEY = "multivector.storage";

  /** {@link #STORAGE_KEY} value: stored as panels by this format. */
  static final String STORAGE_PANELS = "panels";

  /** {@link #STORAGE_KEY} value: handed to the delegate format. */
  static final String STORAGE_DELEGATE = "delegate";

  static final String META_CODEC = "MultiVectorDocValuesMeta";
  static final String DATA_CODEC = "MultiVectorDocValuesData";
  static final String META_EXTENSION = "mvm";
  static final String DATA_EXTENSION = "mvd";
  static final String ENCODED_CODEC = "MultiVectorDocValuesEncoded";
  static final String ENCODED_EXTENSION = "mve";
  static final int VERSION_START = 0;

  /** Adds the INT8 and BIT encodings and the {@code .mve} file. */
  static final int VERSION_ENCODINGS = 1;

  static final int VERSION_CURRENT = VERSION_ENCODINGS;
  static final int PANEL_ALIGNMENT = 64;

  /** Wire numbers of the encodings: never renumbered. */
  static final byte FLOAT32 = 0, INT8 = 1, BIT = 2;

  static byte wireNumber(MultiVectorFieldConfig.Encoding encoding) {
    return switch (encoding) {
      case FLOAT32 -> FLOAT32;
      case INT8 -> INT8;
      case BIT -> BIT;
    };
  }

  /** The encoding of a wire number, or null if this version does not know it. */
  static MultiVectorFieldConfig.Encoding encoding(byte wireNumber) {
    return switch (wireNumber) {
      case FLOAT32 -> MultiVectorFieldConfig.Encoding.FLOAT32;
      case INT8 -> MultiVectorFieldConfig.Encoding.INT8;
      case BIT -> MultiVectorFieldConfig.Encoding.BIT;
      default -> null;
    };
  }

  /** Bytes of one panel of a compressed encoding. */
  static int encodedPanelBytes(MultiVectorFieldConfig.Encoding encoding, int dimension) {
    return switch (encoding) {
      case INT8 -> Int8MaxSimKernel.panelBytes(dimension);
      case BIT -> BitMaxSimKernel.panelBytes(dimension);
      case FLOAT32 -> throw new IllegalArgumentException("FLOAT32 panels are not encoded");
    };
  }
  static final int ADDRESSES_BLOCK_SHIFT = 16;

  private final DocValuesFormat delegate;
  private final Predicate<String> lateInteractionFields;

  /**
   * The format as readers load it by name, and as it writes {@link
   * dev.multivector.lucene.document.MultiVectorField}s: every other field goes to Lucene's default
   * doc values format, per field.
   */
  public MultiVectorDocValuesFormat() {
    this(name -> false);
  }

  /**
   * @param lateInteractionFields names of fields whose {@link
   *     org.apache.lucene.document.LateInteractionField} values are to be stored as panels too
   */
  public MultiVectorDocValuesFormat(Predicate<String> lateInteractionFields) {
    this(
        lateInteractionFields,
        new PerFieldDocValuesFormat() {
          private final DocValuesFormat lucene90 = new Lucene90DocValuesFormat();

          @Override
          public DocValuesFormat getDocValuesFormatForField(String field) {
            return lucene90;
          }
        });
  }

  /** The format writing other fields with {@code delegate}, which must record its choices per field. */
  MultiVectorDocValuesFormat(Predicate<String> lateInteractionFields, DocValuesFormat delegate) {
    super(NAME);
    this.delegate = Objects.requireNonNull(delegate, "delegate");
    this.lateInteractionFields =
        Objects.requireNonNull(lateInteractionFields, "lateInteractionFields");
  }

  @Override
  public DocValuesConsumer fieldsConsumer(SegmentWriteState state) throws IOException {
    return new MultiVectorDocValuesConsumer(state, delegate, lateInteractionFields);
  }

  @Override
  public DocValuesProducer fieldsProducer(SegmentReadState state) throws IOException {
    return new MultiVectorDocValuesProducer(state, delegate);
  }

  /** The formats of the field's token indexes, as many as its configuration asks for. */
  static List<TokenIndexFormat> tokenIndexFormats(MultiVectorFieldConfig config) {
    List<TokenIndexFormat> formats = new ArrayList<>(2);
    if (config.tokenGraph() != null) {
      formats.add(HNSW_TOKEN_INDEX);
    }
    if (config.centroidIndex() != null) {
      formats.add(CENTROID_TOKEN_INDEX);
    }
    return formats;
  }

  private static final TokenIndexFormat HNSW_TOKEN_INDEX = new HnswTokenIndexFormat();
  private static final TokenIndexFormat CENTROID_TOKEN_INDEX = new CentroidTokenIndexFormat();

  /** The segment suffix of a token index format's files. */
  static String tokenIndexSuffix(String segmentSuffix, String format) {
    return segmentSuffix.isEmpty() ? format : segmentSuffix + "_" + format;
  }

  /** Whether this segment's values of the field are stored as panels. */
  static boolean isStoredAsPanels(FieldInfo field) {
    return field.getDocValuesType() == DocValuesType.BINARY
        && STORAGE_PANELS.equals(field.getAttribute(STORAGE_KEY));
  }

  @Override
  public String toString() {
    return NAME + "(delegate=" + delegate + ")";
  }
}
