package dev.multivector.lucene.codec;

import org.apache.lucene.codecs.Codec;
import org.apache.lucene.tests.index.BaseDocValuesFormatTestCase;

/**
 * Lucene's doc-values format test suite with every binary field declared as holding {@link
 * org.apache.lucene.document.LateInteractionField} values: arbitrary bytes must reach the delegate
 * format untouched, and bytes that happen to parse as matrices must round-trip through panels.
 */
public class TestDeclaredLateInteractionDocValuesFormat extends BaseDocValuesFormatTestCase {
  private final Codec codec = new MultiVector104Codec(field -> true);

  @Override
  protected Codec getCodec() {
    return codec;
  }
}
