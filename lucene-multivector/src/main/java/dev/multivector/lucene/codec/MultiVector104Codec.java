package dev.multivector.lucene.codec;

import java.util.Collection;
import java.util.Set;
import java.util.function.Predicate;
import org.apache.lucene.codecs.Codec;
import org.apache.lucene.codecs.DocValuesFormat;
import org.apache.lucene.codecs.FilterCodec;
import org.apache.lucene.codecs.KnnVectorsFormat;
import org.apache.lucene.codecs.lucene104.Lucene104Codec;

/**
 * Lucene's {@link Lucene104Codec}, with multi-vector fields stored for fast MaxSim.
 *
 * <pre class="prettyprint">
 * IndexWriterConfig config = new IndexWriterConfig().setCodec(new MultiVector104Codec());
 * </pre>
 *
 * <p>Fields added as {@link dev.multivector.lucene.document.MultiVectorField} are stored by
 * {@link MultiVectorDocValuesFormat} (matrices as SIMD panels, with their token index if they ask
 * for one) and their summary vectors by {@link MultiVectorKnnVectorsFormat}; everything else is
 * written exactly as {@link Lucene104Codec} writes it, except that vector fields may have up to
 * {@link dev.multivector.lucene.document.MultiVectorFieldConfig#MAX_SUMMARY_DIMENSION} dimensions.
 *
 * <p>An index built with Lucene's own {@link org.apache.lucene.document.LateInteractionField} gets
 * the fast layout too: name its fields in {@link #MultiVector104Codec(Collection)} and every
 * segment written from then on (flushes and merges; {@code IndexWriter.forceMerge(1)} rewrites them
 * all) stores them as panels. Their {@code BinaryDocValues} keep returning the original bytes.
 *
 * <p>The codec is registered under {@value #NAME}, which names the Lucene codec it extends, as
 * Lucene's codecs and the OpenSearch k-NN plugin's do: segments written by it are read by this
 * codec, whatever later versions of this library write, and readers need no configuration. The
 * formats it uses keep their own versions in their files.
 *
 * @lucene.experimental
 */
public final class MultiVector104Codec extends FilterCodec {

  /** The codec's SPI name. */
  public static final String NAME = "MultiVector104";

  private final DocValuesFormat docValuesFormat;
  private final KnnVectorsFormat knnVectorsFormat;

  /** The codec, storing {@link dev.multivector.lucene.document.MultiVectorField}s as panels. */
  public MultiVector104Codec() {
    this(Set.of());
  }

  /**
   * The codec, also storing as panels the {@link org.apache.lucene.document.LateInteractionField}
   * values of the named fields.
   */
  public MultiVector104Codec(Collection<String> lateInteractionFields) {
    this(Set.copyOf(lateInteractionFields)::contains);
  }

  MultiVector104Codec(Predicate<String> lateInteractionFields) {
    super(NAME, new Lucene104Codec());
    this.docValuesFormat = new MultiVectorDocValuesFormat(lateInteractionFields);
    this.knnVectorsFormat = new MultiVectorKnnVectorsFormat();
  }

  /**
   * The codec for an engine that configures its own codec: everything but multi-vector fields is
   * written by {@code delegate}, per field, as the engine asks (OpenSearch's codecs choose
   * postings formats and stored-fields compression). Segments still record this codec's name and
   * are read by {@link #MultiVector104Codec()}, so {@code delegate} must be a {@link
   * Lucene104Codec} whose choices are recorded in the segment: per-field formats registered by
   * name, stored-fields mode.
   *
   * @throws IllegalArgumentException if {@code delegate} is not a {@link Lucene104Codec}
   */
  public MultiVector104Codec(Codec delegate) {
    super(NAME, lucene104(delegate));
    this.docValuesFormat = new MultiVectorDocValuesFormat(name -> false, delegate.docValuesFormat());
    this.knnVectorsFormat = new MultiVectorKnnVectorsFormat(delegate.knnVectorsFormat());
  }

  private static Codec lucene104(Codec delegate) {
    if (delegate instanceof Lucene104Codec == false) {
      throw new IllegalArgumentException(
          "the delegate codec must be a Lucene104Codec, for readers to read its segments with one, got "
              + delegate.getName() + " (" + delegate.getClass().getName() + ")");
    }
    return delegate;
  }

  @Override
  public DocValuesFormat docValuesFormat() {
    return docValuesFormat;
  }

  @Override
  public KnnVectorsFormat knnVectorsFormat() {
    return knnVectorsFormat;
  }
}
