package dev.multivector.lucene.codec;

import java.io.IOException;
import org.apache.lucene.codecs.CodecUtil;
import org.apache.lucene.index.SegmentReadState;
import org.apache.lucene.index.SegmentWriteState;
import org.apache.lucene.util.hnsw.HnswGraph;
import org.apache.lucene.util.packed.DirectMonotonicWriter;

/**
 * A token index that is an HNSW graph over int8 copies of a field's tokens, built with Lucene's
 * HNSW builders (see {@link dev.multivector.lucene.document.MultiVectorFieldConfig#tokenGraph()}
 * for its settings). It keeps no float copy of the tokens: the field's matrices are the exact
 * copy, which a first stage's second stage reads anyway. Searches score int8 codes; merges grow
 * the largest merged graph (with at most 40% of its tokens deleted) on the merge's threads.
 *
 * <p><b>Quantization.</b> Each token {@code x} of dimension {@code d} is stored as {@code d}
 * signed bytes {@code c[i] = round(x[i] / a)}, {@code a = max|x[i]| / 127} (all zeros when
 * {@code x} is), and {@code a}. A query token is quantized the same way, and the dot product
 * estimated as {@code a_q * a_x * sum(c_q[i] * c_x[i])}. Each component is off by at most half
 * its step, {@code a / 2}, so the estimate is off by at most {@code (a_q * sum|x[i]| + a_x *
 * sum|q[i]|) / 2 + d * a_q * a_x / 4}.
 *
 * <p>Files, each with a {@link CodecUtil#writeIndexHeader index header} (segment id, and the
 * suffix {@code [segment suffix_]}{@value #NAME}) and a {@link CodecUtil#writeFooter checksum
 * footer}; numbers little-endian.
 *
 * <h2>{@code .htm}: metadata</h2>
 *
 * <p>Header {@value #META_CODEC} version {@value #VERSION_CURRENT}, then for each field:
 *
 * <ul>
 *   <li><b>[int32]</b> field number
 *   <li><b>[vint]</b> token dimension {@code d}
 *   <li><b>[int32]</b> token count {@code N}
 *   <li><b>[byte]</b> token encoding: 1 = int8 codes with a float32 scale per token
 *   <li><b>[int64, int64]</b> offset and length in {@code .htv} of the tokens
 *   <li><b>[vint]</b> the graph's M (a node has at most {@code 2M} neighbours on level 0, {@code
 *       M} above)
 *   <li><b>[int32]</b> number of levels {@code L}, <b>[int32]</b> entry node
 *   <li>for each level 1 to {@code L - 1}: <b>[vint]</b> its node count, then its nodes in
 *       ascending order, each <b>[vint]</b> the difference to the previous one (to 0 for the first)
 *   <li><b>[int64, int64]</b> offset and length in {@code .htg} of the neighbour lists
 *   <li>neighbour list addresses: <b>[int64]</b> offset in {@code .htg} of a {@link
 *       DirectMonotonicWriter} (block shift <b>[vint]</b>) of each list's start, relative to the
 *       first list, in the order the lists are written; its metadata; <b>[int64]</b> its length
 * </ul>
 *
 * <p>then <b>[int32]</b> -1 and the footer.
 *
 * <h2>{@code .htv}: tokens</h2>
 *
 * <p>Header {@value #VECTORS_CODEC}, then for each field, in metadata order, its {@code N}
 * tokens in token order, {@code d + 4} bytes each: the {@code d} codes, then the scale {@code a}
 * as float32. Then the footer.
 *
 * <h2>{@code .htg}: graph</h2>
 *
 * <p>Header {@value #GRAPH_CODEC}, then for each field, in metadata order: for level 0 then each
 * level above, for each node of the level in ascending order, its neighbour list: <b>[vint]</b>
 * the number of neighbours, then the neighbours in ascending order, each <b>[vint]</b> the
 * difference to the previous one (to 0 for the first); then the neighbour list addresses. Then
 * the footer.
 *
 * @lucene.experimental
 */
public final class HnswTokenIndexFormat extends TokenIndexFormat {

  /** The format's name. */
  public static final String NAME = "HnswTokenIndex";

  static final String META_CODEC = "HnswTokenIndexMeta";
  static final String VECTORS_CODEC = "HnswTokenIndexVectors";
  static final String GRAPH_CODEC = "HnswTokenIndexGraph";
  static final String META_EXTENSION = "htm";
  static final String VECTORS_EXTENSION = "htv";
  static final String GRAPH_EXTENSION = "htg";
  static final int VERSION_START = 0;
  static final int VERSION_CURRENT = VERSION_START;

  /** Wire number of the int8 token encoding. */
  static final byte INT8_PER_TOKEN_SCALE = 1;

  static final int ADDRESSES_BLOCK_SHIFT = 16;

  /** The format; its settings (M, beam width) are each field's. */
  public HnswTokenIndexFormat() {
    super(NAME);
  }

  @Override
  public TokenIndexWriter fieldsWriter(SegmentWriteState state) throws IOException {
    return new HnswTokenIndexWriter(state);
  }

  @Override
  public TokenIndexReader fieldsReader(SegmentReadState state) throws IOException {
    return new HnswTokenIndexReader(state);
  }

  /** The HNSW graph of a field, from a reader of this format, for merges; null if none. */
  static HnswGraph graph(TokenIndexReader reader, String field, int maxConn) throws IOException {
    return reader instanceof HnswTokenIndexReader hnsw ? hnsw.graph(field, maxConn) : null;
  }
}
