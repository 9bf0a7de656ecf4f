package dev.multivector.lucene.codec;

import dev.multivector.lucene.document.MultiVectorFieldConfig.Encoding;
import java.io.IOException;
import org.apache.lucene.codecs.DocValuesProducer;
import org.apache.lucene.document.LateInteractionField;
import org.apache.lucene.index.BinaryDocValues;
import org.apache.lucene.index.CodecReader;
import org.apache.lucene.index.DocValuesType;
import org.apache.lucene.index.FieldInfo;
import org.apache.lucene.index.FilterLeafReader;
import org.apache.lucene.index.LeafReader;
import org.apache.lucene.index.ParallelLeafReader;

/**
 * The token-vector matrices of a multi-vector field in one segment, whatever their encoding.
 *
 * <p>It is a {@link BinaryDocValues}: iterate or advance it like any doc values, then read the
 * current document's {@link #tokenCount()} and {@link #readTokens token vectors}, or score it
 * against a query with a {@link #scorer scorer}. {@link #binaryValue()} returns the matrix in
 * {@link LateInteractionField}'s layout, so generic Lucene code keeps working. Like all doc
 * values, an instance is for one thread.
 *
 * <p>Get a segment's values with {@link #of(LeafReader, String)}: fields stored by {@link
 * MultiVector104Codec} are scored in place in the codec's memory-mapped files, through any reader
 * wrapper, and may have a {@link #tokenIndex() token index}; any other {@link
 * LateInteractionField} values are decoded.
 *
 * @lucene.experimental
 */
public abstract class MultiVectorValues extends BinaryDocValues {

  /** Only this package's encodings implement the values. */
  MultiVectorValues() {}

  /**
   * The token dimension of the current document (the same for every document of a field stored
   * by {@link MultiVector104Codec}).
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
   * Copies the current document's token vectors into {@code dest}, row-major: token {@code t} is
   * {@code dest[t * dimension() .. (t + 1) * dimension())}.
   */
  public abstract void readTokens(float[] dest) throws IOException;

  /**
   * A scorer of these values' documents against a query: its {@link MultiVectorScorer#iterator()
   * iterator} is these values, so position them and score their current document. The query's
   * tokens are compared with the stored ones by dot product: for a COSINE field, whose tokens were
   * normalised when they were indexed, normalise the query's too. Scores are MaxSim in the
   * segment's {@link #encoding()}: exact for FLOAT32, estimated from the compressed tokens for INT8
   * and BIT.
   *
   * @param query the query's token vectors, one row per token
   */
  public abstract MultiVectorScorer scorer(float[][] query) throws IOException;

  /**
   * A scorer of exact MaxSim over the raw float32 token vectors, whatever the field's {@link
   * #encoding()}: for rescoring. The same as {@link #scorer} for a FLOAT32 field; over the decoded
   * values if the field has no {@link #hasRawVectors() raw vectors}.
   */
  public abstract MultiVectorScorer exactScorer(float[][] query) throws IOException;

  /**
   * The encoding {@link #scorer} scores in this segment: the field's configured {@link Encoding},
   * or FLOAT32 for values not stored by {@link MultiVector104Codec}.
   */
  public abstract Encoding encoding();

  /**
   * Whether the raw float32 vectors are stored: false only for a compressed encoding's field that
   * dropped them, whose reads, {@link #exactScorer} included, then give the values the encoding
   * stands for.
   */
  public boolean hasRawVectors() {
    return true;
  }

  /**
   * The segment's token index of the field, or null if it has none (the field's configuration
   * asks for none, or the values are not read from {@link MultiVector104Codec}'s files).
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
   * that {@link MultiVector104Codec} stored are taken from the segment's own doc values reader, found
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

  /** The values the codec stored, read from the segment under the wrappers; null if none. */
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
   * them, else a view that decodes {@link LateInteractionField}'s layout.
   *
   * @param field the field's name, for error messages
   */
  public static MultiVectorValues of(BinaryDocValues values, String field) {
    return Float32PanelValues.wrap(values, field);
  }
}
