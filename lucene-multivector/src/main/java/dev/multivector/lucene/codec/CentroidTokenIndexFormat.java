package dev.multivector.lucene.codec;

import java.io.IOException;
import org.apache.lucene.codecs.CodecUtil;
import org.apache.lucene.index.SegmentReadState;
import org.apache.lucene.index.SegmentWriteState;
import org.apache.lucene.util.packed.DirectMonotonicWriter;
import org.apache.lucene.util.packed.DirectWriter;

/**
 * A token index of centroids (PLAID/WARP-style; see {@link
 * dev.multivector.lucene.document.MultiVectorFieldConfig#centroidIndex()} for its settings): each
 * segment's tokens clustered around k-means centroids, each token stored in its centroid's list
 * as its number and a residual of {@code b} bits a dimension ({@link ResidualCodec}). A search
 * scores every centroid against the query token, probes the lists of the best, and scores their
 * tokens from the codes through a lookup table, never decoding them: a token's estimated dot
 * product is {@code q . c + q . r~}.
 *
 * <p><b>Build.</b> At flush and at every merge, from the field's tokens (merges do not reuse the
 * merged segments' centroids): {@link CentroidCodebook} trains the centroids by two-level k-means
 * on a sample of {@value #SAMPLE_PER_CENTROID} tokens a centroid, at most {@value
 * #MAX_SAMPLE_VALUES} values (tokens x dimension), drawn with a fixed seed, so the same tokens
 * give the same index; every token is then assigned to its nearest centroid among those of its
 * nearest coarse cluster, and the bucket cutoffs are the quantiles of the sample's residuals.
 *
 * <p>Files, each with a {@link CodecUtil#writeIndexHeader index header} (segment id, and the
 * suffix {@code [segment suffix_]}{@value #NAME}) and a {@link CodecUtil#writeFooter checksum
 * footer}; numbers little-endian.
 *
 * <h2>{@code .ctm}: metadata</h2>
 *
 * <p>Header {@value #META_CODEC} version {@value #VERSION_CURRENT}, then for each field:
 *
 * <ul>
 *   <li><b>[int32]</b> field number
 *   <li><b>[vint]</b> token dimension {@code d}; <b>[int32]</b> token count {@code N}; <b>[byte]</b>
 *       residual bits {@code b} (2 or 4); <b>[int32]</b> centroid count {@code C}
 *   <li><b>[float32 x (2^b - 1)]</b> bucket cutoffs, ascending; <b>[float32 x 2^b]</b> bucket
 *       weights
 *   <li><b>[int64, int64]</b> offset and length in {@code .ctd} of the centroids
 *   <li><b>list starts</b>: {@code C + 1} cumulative list lengths (centroid {@code c}'s list is
 *       positions {@code S[c] .. S[c+1]-1}, {@code S[0] = 0}, {@code S[C] = N}), as a {@link
 *       DirectMonotonicWriter} block: <b>[int64]</b> its offset in {@code .ctd}, <b>[vint]</b> its
 *       block shift ({@value #LIST_STARTS_BLOCK_SHIFT}), its metadata, <b>[int64]</b> its length
 *   <li><b>[byte]</b> bits per token number {@code t}; <b>[int64, int64]</b> offset and length in
 *       {@code .ctd} of the token numbers
 *   <li><b>[int64, int64]</b> offset and length in {@code .ctd} of the codes
 * </ul>
 *
 * <p>then <b>[int32]</b> -1 and the footer.
 *
 * <h2>{@code .ctd}: data</h2>
 *
 * <p>Header {@value #DATA_CODEC}, then for each field, in metadata order:
 *
 * <ul>
 *   <li>zero bytes up to a multiple of 64 bytes from the start of the file, then the centroids as
 *       {@code ceil(C / 16)} float32 panels of {@code 16 * d} values (value {@code k * 16 + j} of
 *       panel {@code p} is component {@code k} of centroid {@code 16 * p + j}; lanes past {@code
 *       C} are zeros);
 *   <li>the list starts;
 *   <li>the token numbers of every list in list order, each list ascending: {@code N} values of
 *       {@code t} bits, written by {@link DirectWriter};
 *   <li>the codes, in the same order: {@code N} times {@code ceil(d * b / 8)} bytes, packed as
 *       {@link ResidualCodec} describes.
 * </ul>
 *
 * <p>then the footer. At dimension 128 a token takes {@code 16 * b} bytes of codes and {@code t / 8}
 * of number ({@code t} is 24 for up to 16M tokens), and the centroids {@code 4 * d * C / N} bytes a
 * token.
 *
 * @lucene.experimental
 */
public final class CentroidTokenIndexFormat extends TokenIndexFormat {

  /** The format's name. */
  public static final String NAME = "CentroidTokenIndex";

  static final String META_CODEC = "CentroidTokenIndexMeta";
  static final String DATA_CODEC = "CentroidTokenIndexData";
  static final String META_EXTENSION = "ctm";
  static final String DATA_EXTENSION = "ctd";
  static final int VERSION_START = 0;
  static final int VERSION_CURRENT = VERSION_START;

  static final int LIST_STARTS_BLOCK_SHIFT = 16;

  /**
   * The most values (tokens x dimension) of the sample k-means trains on: 512 MB of heap, 1M tokens
   * at dimension 128, reached there by segments of 67M tokens or more (131,072 centroids or more).
   * Measured on the synthetic million's 111M tokens and 131,072 centroids (2 December), recall@10
   * at k' = 100, 32 probes and its p50 at 2 threads: 0.810 at 44.4 ms with 262,144 sample tokens (2
   * a centroid, the cap before), 0.934 at 50.2 ms with 1,048,576 (8), 0.918 at 59.1 ms with
   * 2,097,152 (16).
   */
  static final int MAX_SAMPLE_VALUES = 1 << 27;

  /**
   * Sample tokens a centroid, if the segment has them and the sample stays within its maximum.
   * Measured on the synthetic 100k corpus (2 December; 11.1M tokens, 32,768 centroids after the
   * force-merge), recall@10 at k' = 20, 8 probes: 0.978 with 8 a centroid, 0.960 with 32, the whole
   * index built in 135.1 s instead of 159.9 s (one run each); at the million, 8 ranked better than
   * 16 (see {@link #MAX_SAMPLE_VALUES}).
   */
  static final int SAMPLE_PER_CENTROID = 8;

  /** The seed of the sample and of k-means. */
  static final long SEED = 42;

  /** The format; its settings (residual bits, centroids) are each field's. */
  public CentroidTokenIndexFormat() {
    super(NAME);
  }

  @Override
  public TokenIndexWriter fieldsWriter(SegmentWriteState state) throws IOException {
    return new CentroidTokenIndexWriter(state);
  }

  @Override
  public TokenIndexReader fieldsReader(SegmentReadState state) throws IOException {
    return new CentroidTokenIndexReader(state);
  }
}
