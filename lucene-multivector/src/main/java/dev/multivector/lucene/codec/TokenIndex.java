package dev.multivector.lucene.codec;

import java.io.IOException;
import org.apache.lucene.search.KnnCollector;
import org.apache.lucene.util.Bits;
import org.apache.lucene.util.LongValues;

/**
 * The token index of a multi-vector field in one segment: the tokens nearest a query token, and
 * the documents that hold them. Tokens are numbered from 0 in the order of the field's documents,
 * then of their tokens; each token's document is found in constant time.
 *
 * <p>Get one from {@link MultiVectorValues#tokenIndex()}. Like the values, an instance is for one
 * thread: get one per thread.
 *
 * @lucene.experimental
 */
public final class TokenIndex {
  private final TokenIndexReader reader;
  private final String field;
  private final int tokenCount;
  private final LongValues docOfToken;

  TokenIndex(TokenIndexReader reader, String field, int tokenCount, LongValues docOfToken) {
    this.reader = reader;
    this.field = field;
    this.tokenCount = tokenCount;
    this.docOfToken = docOfToken;
  }

  /** The number of tokens in the segment. */
  public int tokenCount() {
    return tokenCount;
  }

  /**
   * Collects the tokens nearest to {@code target} by dot product among the accepted ones. The
   * collector sees token numbers (as doc ids) and {@link
   * org.apache.lucene.util.VectorUtil#scaleMaxInnerProductScore} of their (possibly estimated) dot
   * products with the target: {@code 1 + s} if {@code s >= 0}, else {@code 1 / (1 - s)}.
   *
   * @param acceptTokens the tokens that may be collected (see {@link #acceptTokens}), or null for
   *     all
   */
  public void search(float[] target, KnnCollector collector, Bits acceptTokens) throws IOException {
    reader.search(field, target, collector, acceptTokens);
  }

  TokenIndexReader reader() {
    return reader;
  }

  /** The doc id of the document holding {@code token}. */
  public int docOfToken(int token) {
    return (int) docOfToken.get(token);
  }

  /** The tokens of the accepted documents, or null if {@code acceptDocs} is null (all). */
  public Bits acceptTokens(Bits acceptDocs) {
    if (acceptDocs == null) {
      return null;
    }
    return new Bits() {
      @Override
      public boolean get(int token) {
        return acceptDocs.get(docOfToken(token));
      }

      @Override
      public int length() {
        return tokenCount;
      }
    };
  }
}
