package dev.multivector.lucene.codec;

import java.io.Closeable;
import java.io.IOException;
import java.util.List;
import java.util.concurrent.Executor;
import org.apache.lucene.index.FieldInfo;
import org.apache.lucene.util.IORunnable;
import org.apache.lucene.util.IOSupplier;

/**
 * Writes the token indexes of a segment's fields, one {@link #addField} per field, then {@link
 * #finish}.
 *
 * @lucene.experimental
 */
public abstract class TokenIndexWriter implements Closeable {

  /** Sole constructor. */
  protected TokenIndexWriter() {}

  /**
   * A field's tokens: {@code tokenCount} tokens of {@code dimension} floats, read a document at a
   * time from {@code documents} (each call a new pass, in the order tokens are numbered).
   */
  public record FieldTokens(
      FieldInfo field, int dimension, int tokenCount, IOSupplier<MultiVectorValues> documents) {}

  /**
   * One merged segment's token index of the field, for a writer that can grow it instead of
   * starting again.
   *
   * @param reader the merged segment's token indexes, or null if it has none of this format
   * @param tokenCount the number of the field's tokens in the merged segment
   * @param newTokens computes, for each of its tokens, the token's number in the new segment, or -1
   *     if its document was deleted
   */
  public record MergedIndex(
      TokenIndexReader reader, int tokenCount, IOSupplier<int[]> newTokens) {}

  /**
   * What a merge offers: the merged segments' indexes of the field, the merge's executor for work
   * in parallel (null if none), and its abort check, to call often: it throws once the merge is
   * aborted (a rollback or a close that does not wait must not wait for a long build).
   */
  public record Merge(List<MergedIndex> indexes, Executor executor, IORunnable abortCheck) {}

  /**
   * Indexes a field's tokens.
   *
   * @param merge at a merge, what it offers; null at flush
   */
  public abstract void addField(FieldTokens tokens, Merge merge) throws IOException;

  /** Called once every field is added, before {@link #close}. */
  public abstract void finish() throws IOException;
}
