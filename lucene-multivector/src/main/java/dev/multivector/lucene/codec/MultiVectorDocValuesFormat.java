package dev.multivector.lucene.codec;

import dev.multivector.lucene.document.MultiVectorFieldConfig;
import java.io.IOException;
import java.util.Objects;
import java.util.function.Predicate;
import org.apache.lucene.codecs.CodecUtil;
import org.apache.lucene.codecs.DocValuesConsumer;
import org.apache.lucene.codecs.DocValuesFormat;
import org.apache.lucene.codecs.DocValuesProducer;
import org.apache.lucene.codecs.lucene90.IndexedDISI;
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
 * is recorded per segment in the field attribute {@value #STORAGE_KEY}; a declared field stored
 * here also gets its configuration attributes (dimension from its values, DOT_PRODUCT).
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
 *   <li><b>[byte]</b> token encoding: 0 = float32 (the {@link MultiVectorFieldConfig.Encoding}
 *       ordinal)
 *   <li><b>[vint]</b> token dimension {@code d}
 *   <li><b>[int32]</b> number of documents with a value, {@code N}
 *   <li><b>[int64]</b> total tokens of the field in the segment
 *   <li><b>[int32]</b> the largest token count of a document
 *   <li><b>[int64, int64]</b> offset and length in {@code .mvd} of the panels
 *   <li><b>[int64, int64, int16, byte]</b> documents with a value: offset and length in {@code
 *       .mvd} of an {@link IndexedDISI} bit set, its jump-table entry count and dense rank power;
 *       offset -2 means no document, -1 every document (no bit set stored)
 *   <li><b>token addresses</b>: {@code N + 1} cumulative token counts ({@code T[0] = 0}; document
 *       ordinal {@code i} has tokens {@code T[i] .. T[i+1]-1}), as {@link DirectMonotonicWriter}
 *       with block shift {@value #ADDRESSES_BLOCK_SHIFT}: <b>[int64]</b> offset in {@code .mvd},
 *       the monotonic metadata, <b>[int64]</b> length
 *   <li><b>panel addresses</b>: {@code N + 1} cumulative panel counts ({@code P[0] = 0}; document
 *       ordinal {@code i} has panels {@code P[i] .. P[i+1]-1}), stored the same way
 *   <li><b>doc ids by ordinal</b>, only if some but not all documents have a value: {@code N}
 *       values, stored the same way
 *   <li><b>[byte]</b> token graph: 0 = none, 1 = an HNSW graph over the field's tokens (below)
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
 *   <li>the token addresses, the panel addresses, and the doc ids by ordinal if stored.
 * </ul>
 *
 * <p>then the footer.
 *
 * <h2>Token graph</h2>
 *
 * <p>A field whose configuration asks for a {@link MultiVectorFieldConfig#tokenGraph() token
 * graph} also has the files of Lucene's {@link
 * org.apache.lucene.codecs.lucene99.Lucene99HnswVectorsFormat} for an inner segment whose documents
 * are the field's tokens: it has the segment's name and id, {@code T[N]} documents, one float32
 * vector field compared by MAXIMUM_INNER_PRODUCT, and the suffix {@code
 * [suffix_]MultiVectorTokens<field number>}. Token {@code j} of the document of ordinal {@code i}
 * is its document {@code T[i] + j}. Flushes build the graph; merges use Lucene's HNSW merge, which
 * grows the largest merged graph without deletions. Lucene's format checksums these files.
 *
 * <p>Reads: {@link MultiVectorValues} reads panels off-heap from the memory-mapped data file;
 * {@link org.apache.lucene.index.BinaryDocValues#binaryValue()} returns the original {@link
 * org.apache.lucene.document.LateInteractionField} layout, bit for bit.
 *
 * @lucene.experimental
 */
public final class MultiVectorDocValuesFormat extends DocValuesFormat {

  /** Name of this format. */
  public static final String NAME = "MultiVector";

  /** Field attribute that records where a multi-vector field's values are in this segment. */
  public static final String STORAGE_KEY = "multivector.storage";

  /** {@link #STORAGE_KEY} value: stored as panels by this format. */
  public static final String STORAGE_PANELS = "panels";

  /** {@link #STORAGE_KEY} value: handed to the delegate format. */
  public static final String STORAGE_DELEGATE = "delegate";

  static final String META_CODEC = "MultiVectorDocValuesMeta";
  static final String DATA_CODEC = "MultiVectorDocValuesData";
  static final String META_EXTENSION = "mvm";
  static final String DATA_EXTENSION = "mvd";
  static final int VERSION_START = 0;
  static final int VERSION_CURRENT = VERSION_START;
  static final int PANEL_ALIGNMENT = 64;
  static final int ADDRESSES_BLOCK_SHIFT = 16;

  private final DocValuesFormat delegate;
  private final Predicate<String> lateInteractionFields;

  /**
   * @param delegate the format of every field that is not stored as panels
   * @param lateInteractionFields names of fields whose {@link
   *     org.apache.lucene.document.LateInteractionField} values are to be stored as panels
   */
  public MultiVectorDocValuesFormat(
      DocValuesFormat delegate, Predicate<String> lateInteractionFields) {
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
