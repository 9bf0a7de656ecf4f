package dev.multivector.lucene.codec;

import java.io.IOException;
import java.util.Set;
import org.apache.lucene.index.SegmentReadState;
import org.apache.lucene.index.SegmentWriteState;
import org.apache.lucene.util.NamedSPILoader;

/**
 * A per-segment index over the token vectors of multi-vector fields, for first stages that find
 * each query token's nearest document tokens (see {@link TokenIndex}). {@link
 * MultiVectorDocValuesFormat} drives it: it writes a field's token index at flush and merge after
 * the field's matrices, records the format's name, and opens it again by that name, so formats
 * are registered like Lucene's own, through {@code META-INF/services}.
 *
 * <p>Tokens are numbered from 0 within a field of a segment: the tokens of the field's first
 * document (in doc id order), then the second's, and so on. The doc-values format maps token
 * numbers to documents.
 *
 * @lucene.experimental
 */
public abstract class TokenIndexFormat implements NamedSPILoader.NamedSPI {

  private static final class Holder {
    private static final NamedSPILoader<TokenIndexFormat> LOADER =
        new NamedSPILoader<>(TokenIndexFormat.class);
  }

  private final String name;

  /**
   * @param name the format's name, written in the index and looked up with {@link #forName}
   */
  protected TokenIndexFormat(String name) {
    NamedSPILoader.checkServiceName(name);
    this.name = name;
  }

  @Override
  public final String getName() {
    return name;
  }

  /** Writes the token indexes of a segment. */
  public abstract TokenIndexWriter fieldsWriter(SegmentWriteState state) throws IOException;

  /** Reads the token indexes of a segment. */
  public abstract TokenIndexReader fieldsReader(SegmentReadState state) throws IOException;

  /** The registered format of this name. */
  public static TokenIndexFormat forName(String name) {
    return Holder.LOADER.lookup(name);
  }

  /** The names of the registered formats. */
  public static Set<String> availableTokenIndexFormats() {
    return Holder.LOADER.availableServices();
  }

  @Override
  public String toString() {
    return name;
  }
}
