package dev.multivector.lucene.codec;

import java.util.Collection;
import java.util.Set;
import java.util.function.Predicate;
import org.apache.lucene.codecs.DocValuesFormat;
import org.apache.lucene.codecs.FilterCodec;
import org.apache.lucene.codecs.KnnVectorsFormat;
import org.apache.lucene.codecs.lucene104.Lucene104Codec;

/**
 * Lucene's default codec, with multi-vector fields stored for fast MaxSim.
 *
 * <pre class="prettyprint">
 * IndexWriterConfig config = new IndexWriterConfig().setCodec(new MultiVectorCodec());
 * </pre>
 *
 * <p>Fields added as {@link dev.multivector.lucene.document.MultiVectorField} are stored by
 * {@link MultiVectorDocValuesFormat} (matrices as SIMD panels) and their summary vectors by Lucene's
 * vectors format; everything else is written exactly as {@link Lucene104Codec} writes it.
 *
 * <p>An index built with Lucene's own {@link org.apache.lucene.document.LateInteractionField} gets
 * the fast layout too: name its fields in {@link #MultiVectorCodec(Collection)} and every segment
 * written from then on (flushes and merges; {@code IndexWriter.forceMerge(1)} rewrites them all)
 * stores them as panels. Their {@code BinaryDocValues} keep returning the original bytes.
 *
 * <p>The codec is registered under {@value #NAME}; readers need no configuration.
 *
 * @lucene.experimental
 */
public final class MultiVectorCodec extends FilterCodec {

  /** The codec's SPI name. */
  public static final String NAME = "MultiVector";

  private final DocValuesFormat docValuesFormat;
  private final KnnVectorsFormat knnVectorsFormat;

  /** The codec, storing {@link dev.multivector.lucene.document.MultiVectorField}s as panels. */
  public MultiVectorCodec() {
    this(Set.of());
  }

  /**
   * The codec, also storing as panels the {@link org.apache.lucene.document.LateInteractionField}
   * values of the named fields.
   */
  public MultiVectorCodec(Collection<String> lateInteractionFields) {
    this(Set.copyOf(lateInteractionFields)::contains);
  }

  MultiVectorCodec(Predicate<String> lateInteractionFields) {
    super(NAME, new Lucene104Codec());
    this.docValuesFormat =
        new MultiVectorDocValuesFormat(delegate.docValuesFormat(), lateInteractionFields);
    this.knnVectorsFormat = new MultiVectorKnnVectorsFormat(delegate.knnVectorsFormat());
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
