package dev.multivector.lucene.codec;

import org.apache.lucene.codecs.Codec;
import org.apache.lucene.tests.index.BaseDocValuesFormatTestCase;

/**
 * Lucene's doc-values format test suite, run whole against {@link MultiVectorCodec}: every doc
 * values field that is not a multi-vector field must behave exactly as with Lucene's own codec.
 */
public class TestMultiVectorCodecDocValuesFormat extends BaseDocValuesFormatTestCase {
  private final Codec codec = new MultiVectorCodec();

  @Override
  protected Codec getCodec() {
    return codec;
  }
}
