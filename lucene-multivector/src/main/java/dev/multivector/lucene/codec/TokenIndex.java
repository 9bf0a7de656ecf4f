package dev.multivector.lucene.codec;

import java.io.IOException;
import org.apache.lucene.codecs.KnnVectorsReader;
import org.apache.lucene.search.AcceptDocs;
import org.apache.lucene.search.KnnCollector;
import org.apache.lucene.util.Bits;
import org.apache.lucene.util.LongValues;
import org.apache.lucene.util.packed.DirectMonotonicReader;

/**
 * The per-token HNSW index of a multi-vector field in one segment (see {@link
 * dev.multivector.lucene.document.MultiVectorFieldConfig#tokenGraph()}): nearest tokens to a
 * query token, by dot product, and the documents that hold them. Tokens are numbered from 0 in the
 * order of the field's documents, then of their tokens.
 *
 * <p>Get one from {@link MultiVectorValues#tokenIndex()}. Searches are thread-safe; the other
 * methods, like the doc values the instance came from, are for one thread.
 *
 * @lucene.experimental
 */
public final class TokenIndex {
  private final KnnVectorsReader reader;
  private final String field;
  private final int dimension;
  private final int tokenCount;
  private final int docCount;
  private final DirectMonotonicReader firstTokens; // docCount + 1 cumulative token counts
  private final LongValues ordToDoc; // null: dense, the ordinal is the doc id

  TokenIndex(
      KnnVectorsReader reader,
      String field,
      int dimension,
      int tokenCount,
      int docCount,
      DirectMonotonicReader firstTokens,
      LongValues ordToDoc) {
    this.reader = reader;
    this.field = field;
    this.dimension = dimension;
    this.tokenCount = tokenCount;
    this.docCount = docCount;
    this.firstTokens = firstTokens;
    this.ordToDoc = ordToDoc;
  }

  /** The token dimension. */
  public int dimension() {
    return dimension;
  }

  /** The number of tokens in the segment. */
  public int tokenCount() {
    return tokenCount;
  }

  /**
   * Collects the tokens nearest to {@code target} among the accepted ones. The collector sees token
   * numbers (as doc ids) and Lucene's MAXIMUM_INNER_PRODUCT scores of the dot product {@code s}:
   * {@code 1 + s} if {@code s >= 0}, else {@code 1 / (1 - s)}.
   *
   * @param acceptTokens the tokens that may be collected (see {@link #acceptTokens}), or null for
   *     all
   */
  public void search(float[] target, KnnCollector collector, Bits acceptTokens) throws IOException {
    reader.search(field, target, collector, AcceptDocs.fromLiveDocs(acceptTokens, tokenCount));
  }

  /** The doc id of the document holding {@code token}. */
  public int docOfToken(int token) {
    return docOfOrd(ordOfToken(token));
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

  /** The ordinal (rank among the documents with a value) of the document holding {@code token}. */
  int ordOfToken(int token) {
    long found = firstTokens.binarySearch(0, docCount + 1L, token);
    return (int) (found >= 0 ? found : -2 - found);
  }

  int docOfOrd(int ord) {
    return ordToDoc == null ? ord : (int) ordToDoc.get(ord);
  }

  /** The number of the first token of the document of ordinal {@code ord}. */
  long firstToken(int ord) {
    return firstTokens.get(ord);
  }

  KnnVectorsReader reader() {
    return reader;
  }
}
