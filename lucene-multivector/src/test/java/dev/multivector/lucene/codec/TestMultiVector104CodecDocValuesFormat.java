package dev.multivector.lucene.codec;

import org.apache.lucene.codecs.Codec;
import org.apache.lucene.tests.index.BaseDocValuesFormatTestCase;

/**
 * Lucene's doc-values format test suite, run whole against {@link MultiVector104Codec}: every doc
 * values field that is not a multi-vector field must behave exactly as with Lucene's own codec.
 */
public class TestMultiVector104CodecDocValuesFormat extends BaseDocValuesFormatTestCase {
  private final Codec codec = new MultiVector104Codec();

  @Override
  protected Codec getCodec() {
    return codec;
  }
}
