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

  /**
   * Searches for several targets at once, {@code collectors[i]} collecting target {@code i}'s
   * tokens as {@link #search(String, float[], KnnCollector, Bits)} does: a format may share work
   * among them (see {@link #searchesTargetsTogether()}). By default, one search a target.
   *
   * @param probes for a format that keeps its tokens in lists by centroid, the lists each target
   *     searches; others ignore it
   */
  public void search(
      String field, float[][] targets, int probes, KnnCollector[] collectors, Bits acceptTokens)
      throws IOException {
    for (int i = 0; i < targets.length; i++) {
      search(field, targets[i], collectors[i], acceptTokens);
    }
  }

  /**
   * Whether searching targets together saves work, so that callers should rather than search
   * them in parallel one by one. False by default.
   */
  public boolean searchesTargetsTogether() {
    return false;
  }

  /**
   * Checks the field's index against its tokens, as {@link org.apache.lucene.index.CheckIndex}
   * checks a segment's data, beyond checksums.
   *
   * @param values the field's tokens, at their first document
   * @throws org.apache.lucene.index.CorruptIndexException if the index does not match them
   */
  public abstract void checkTokens(String field, MultiVectorValues values) throws IOException;

  /** Verifies the checksums of the files, as {@link org.apache.lucene.codecs.CodecUtil} does. */
  public abstract void checkIntegrity() throws IOException;
}
