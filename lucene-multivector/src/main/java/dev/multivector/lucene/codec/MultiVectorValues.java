package dev.multivector.lucene.codec;

import java.io.IOException;
import java.lang.foreign.MemorySegment;
import org.apache.lucene.codecs.DocValuesProducer;
import org.apache.lucene.document.LateInteractionField;
import org.apache.lucene.index.BinaryDocValues;
import org.apache.lucene.index.CodecReader;
import org.apache.lucene.index.DocValuesType;
import org.apache.lucene.index.FieldInfo;
import org.apache.lucene.index.FilterLeafReader;
import org.apache.lucene.index.LeafReader;
import org.apache.lucene.index.ParallelLeafReader;
import org.apache.lucene.util.BytesRef;

/**
 * Per-segment access to the token-vector matrices of a multi-vector field, in the panel layout
 * that MaxSim kernels read.
 *
 * <p>A document's n tokens are grouped into {@code ceil(n / 16)} panels of {@link #PANEL_TOKENS}
 * tokens. A panel holds {@code dimension * 16} floats, dimension-major: float {@code k * 16 + j}
 * is component {@code k} of the panel's token {@code j}. Tokens past {@code n} in the last panel
 * are zeros. A kernel broadcasts one query component and multiplies it against 16 document tokens
 * at once.
 *
 * <p>It is a {@link BinaryDocValues}: iterate or advance it like any doc values, then read the
 * current document with {@link #tokenCount()} and {@link #readPanels}. {@link #binaryValue()}
 * returns the matrix in {@link LateInteractionField}'s layout, so generic Lucene code keeps
 * working. Like all doc values, an instance is for one thread.
 *
 * <p>Get a segment's values with {@link #of(LeafReader, String)}: fields stored by {@link
 * MultiVectorCodec} are read off-heap from the memory-mapped file with no allocation per document,
 * through any reader wrapper; any other {@link LateInteractionField} values are decoded.
 *
 * @lucene.experimental
 */
public abstract class MultiVectorValues extends BinaryDocValues {

  /** Tokens per panel. */
  public static final int PANEL_TOKENS = 16;

  /** Sole constructor. */
  protected MultiVectorValues() {}

  /** The number of panels that hold {@code tokenCount} tokens. */
  public static int panelCount(int tokenCount) {
    return (tokenCount + PANEL_TOKENS - 1) / PANEL_TOKENS;
  }

  /**
   * The token dimension of the current document (the same for every document of a field stored
   * by {@link MultiVectorCodec}).
   *
   * @throws IllegalArgumentException if the current value is not a {@link LateInteractionField}
   *     matrix
   */
  public abstract int dimension() throws IOException;

  /**
   * The number of token vectors of the current document.
   *
   * @throws IllegalArgumentException if the current value is not a {@link LateInteractionField}
   *     matrix
   */
  public abstract int tokenCount() throws IOException;

  /**
   * Copies panels {@code [fromPanel, fromPanel + count)} of the current document into {@code
   * dest}, starting at {@code destOffset}: {@code count * dimension() * 16} floats.
   */
  public abstract void readPanels(int fromPanel, int count, float[] dest, int destOffset)
      throws IOException;

  /**
   * The current document's panels in place: a read-only segment of {@code
   * panelCount(tokenCount()) * dimension() * 16} little-endian floats, or null if they are not
   * memory-mapped (read them with {@link #readPanels} then). Valid while the index is open.
   */
  public MemorySegment mappedPanels() throws IOException {
    return null;
  }

  /**
   * The segment's per-token HNSW index of the field, or null if it has none (the field's
   * configuration asks for none, or the values were not read from {@link MultiVectorCodec}'s
   * files).
   */
  public TokenIndex tokenIndex() throws IOException {
    return null;
  }

  /**
   * The values of {@code field} in a segment, or null if {@code reader} has no binary doc values
   * of that name.
   *
   * <p>Reader wrappers (every search engine wraps leaf readers, and so do Lucene's {@link
   * org.apache.lucene.index.ExitableDirectoryReader} and the test framework) wrap doc values too,
   * which would hide the segment's own values and its {@link #tokenIndex() token index}. So values
   * that {@link MultiVectorCodec} stored are taken from the segment's own doc values reader, found
   * through {@link FilterLeafReader}s and {@link ParallelLeafReader}s down to the {@link
   * CodecReader}; a {@link org.apache.lucene.index.FilterCodecReader} decides itself what its
   * doc values reader returns. Any other values are read through {@code reader}.
   *
   * <p>The field must be visible in {@code reader}'s field infos: a wrapper that hides it hides
   * its values. Like all doc values, the values include deleted documents: take the live
   * documents from {@code reader}, which a wrapper may restrict further.
   */
  public static MultiVectorValues of(LeafReader reader, String field) throws IOException {
    FieldInfo info = reader.getFieldInfos().fieldInfo(field);
    if (info == null || info.getDocValuesType() != DocValuesType.BINARY) {
      return null;
    }
    MultiVectorValues own = segmentValues(reader, field);
    if (own != null) {
      return own;
    }
    BinaryDocValues binary = reader.getBinaryDocValues(field);
    return binary == null ? null : of(binary, field);
  }

  /** The values the codec stored, read from the segment under the wrappers; null if there are none. */
  private static MultiVectorValues segmentValues(LeafReader reader, String field)
      throws IOException {
    while (true) {
      if (reader instanceof FilterLeafReader filter) {
        reader = filter.getDelegate();
      } else if (reader instanceof ParallelLeafReader parallel) {
        // The field's values come from the first parallel reader that has the field.
        LeafReader owner = null;
        for (LeafReader sub : parallel.getParallelReaders()) {
          if (sub.getFieldInfos().fieldInfo(field) != null) {
            owner = sub;
            break;
          }
        }
        if (owner == null) {
          return null;
        }
        reader = owner;
      } else {
        break;
      }
    }
    if (reader instanceof CodecReader codecReader) {
      FieldInfo info = codecReader.getFieldInfos().fieldInfo(field);
      DocValuesProducer producer = codecReader.getDocValuesReader();
      if (info != null && info.getDocValuesType() == DocValuesType.BINARY && producer != null) {
        BinaryDocValues values = producer.getBinary(info);
        if (values instanceof MultiVectorValues own) {
          return own;
        }
      }
    }
    return null;
  }

  /**
   * A multi-vector view of a field's binary doc values: the values themselves if the codec stored
   * them as panels, else a view that decodes {@link LateInteractionField}'s layout.
   *
   * @param field the field's name, for error messages
   */
  public static MultiVectorValues of(BinaryDocValues values, String field) {
    if (values instanceof MultiVectorValues multiVectorValues) {
      return multiVectorValues;
    }
    return new LateInteractionMultiVectorValues(values, field);
  }

  /** Decodes {@link LateInteractionField}'s layout from any binary doc values. */
  private static final class LateInteractionMultiVectorValues extends MultiVectorValues {
    private final BinaryDocValues in;
    private final String field;
    private BytesRef value; // the current document's, once read
    private int dimension;
    private int tokenCount;

    LateInteractionMultiVectorValues(BinaryDocValues in, String field) {
      this.in = in;
      this.field = field;
    }

    private void parse() throws IOException {
      if (value != null) {
        return;
      }
      BytesRef v = in.binaryValue();
      int dim = v.length < Integer.BYTES ? -1 : PanelLayout.readDimension(v);
      long floats = (long) (v.length - Integer.BYTES) / Float.BYTES;
      if (dim <= 0
          || (v.length - Integer.BYTES) % Float.BYTES != 0
          || floats == 0
          || floats % dim != 0) {
        throw new IllegalArgumentException(
            "field \"" + field + "\", doc " + in.docID()
                + ": binary value of " + v.length + " bytes is not a LateInteractionField matrix"
                + " (little-endian int dimension, then a non-empty float32 matrix)");
      }
      dimension = dim;
      tokenCount = (int) (floats / dim);
      value = v;
    }

    @Override
    public int dimension() throws IOException {
      parse();
      return dimension;
    }

    @Override
    public int tokenCount() throws IOException {
      parse();
      return tokenCount;
    }

    @Override
    public void readPanels(int fromPanel, int count, float[] dest, int destOffset)
        throws IOException {
      parse();
      PanelLayout.toPanels(value, dimension, tokenCount, fromPanel, count, dest, destOffset);
    }

    @Override
    public BytesRef binaryValue() throws IOException {
      return in.binaryValue();
    }

    @Override
    public boolean advanceExact(int target) throws IOException {
      value = null;
      return in.advanceExact(target);
    }

    @Override
    public int docID() {
      return in.docID();
    }

    @Override
    public int nextDoc() throws IOException {
      value = null;
      return in.nextDoc();
    }

    @Override
    public int advance(int target) throws IOException {
      value = null;
      return in.advance(target);
    }

    @Override
    public long cost() {
      return in.cost();
    }
  }
}
