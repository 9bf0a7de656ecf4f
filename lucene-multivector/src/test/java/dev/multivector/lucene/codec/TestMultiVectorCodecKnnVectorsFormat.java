package dev.multivector.lucene.codec;

import org.apache.lucene.codecs.Codec;
import org.apache.lucene.tests.index.BaseKnnVectorsFormatTestCase;

/**
 * Lucene's vectors format test suite, run whole against {@link MultiVectorCodec}, which routes
 * every vector field: fields that are not multi-vector fields must behave as with Lucene's codec.
 */
public class TestMultiVectorCodecKnnVectorsFormat extends BaseKnnVectorsFormatTestCase {
  private final Codec codec = new MultiVectorCodec();

  @Override
  protected Codec getCodec() {
    return codec;
  }

  @Override
  protected boolean supportsFloatVectorFallback() {
    return false; // Lucene's default vectors format keeps no quantized copy
  }
}
