package dev.multivector.lucene.codec;

import java.io.IOException;
import org.apache.lucene.search.DocIdSetIterator;

/**
 * Reads a field's tokens in token order (document by document, as token indexes number them),
 * each document's into one reused row-major buffer.
 */
final class TokenRows {

  /** Receives a document's tokens: {@code count} rows of {@code rows}, numbered from {@code firstToken}. */
  interface Consumer {
    void accept(int firstToken, float[] rows, int count) throws IOException;
  }

  private TokenRows() {}

  /**
   * Passes every document's tokens to {@code consumer}.
   *
   * @param values unpositioned
   * @return the number of tokens read
   */
  static int forEach(MultiVectorValues values, Consumer consumer) throws IOException {
    float[] rows = new float[0];
    int token = 0;
    for (int doc = values.nextDoc(); doc != DocIdSetIterator.NO_MORE_DOCS; doc = values.nextDoc()) {
      int n = values.tokenCount();
      int floats = n * values.dimension();
      if (rows.length < floats) {
        rows = new float[floats];
      }
      values.readTokens(rows);
      consumer.accept(token, rows, n);
      token += n;
    }
    return token;
  }
}
