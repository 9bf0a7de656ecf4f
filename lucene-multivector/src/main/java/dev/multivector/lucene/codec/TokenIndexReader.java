package dev.multivector.lucene.codec;

import java.io.Closeable;
import java.io.IOException;
import org.apache.lucene.search.KnnCollector;
import org.apache.lucene.util.Bits;

/**
 * Reads the token indexes of a segment's fields. Searches are thread-safe.
 *
 * @lucene.experimental
 */
public abstract class TokenIndexReader implements Closeable {

  /** Sole constructor. */
  protected TokenIndexReader() {}

  /**
   * Collects the field's tokens nearest {@code target} by dot product, among the accepted ones.
   * The collector sees token numbers (as doc ids), and scores that rank as the dot products do,
   * {@code s} reported as {@link org.apache.lucene.util.VectorUtil#scaleMaxInnerProductScore
   * VectorUtil.scaleMaxInnerProductScore(s)}; a format may estimate {@code s}.
   *
   * @param acceptTokens the tokens that may be collected, or null for all
   */
  public abstract void search(String field, float[] target, KnnCollector collector, Bits acceptTokens)
      throws IOException;

  /** Verifies the checksums of the files, as {@link org.apache.lucene.codecs.CodecUtil} does. */
  public abstract void checkIntegrity() throws IOException;
}
