package dev.multivector.lucene.document;

import dev.multivector.lucene.pooling.HierarchicalTokenPooler;
import java.util.HashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Objects;
import java.util.concurrent.ConcurrentHashMap;
import org.apache.lucene.document.FieldType;
import org.apache.lucene.index.FieldInfo;
import org.apache.lucene.index.VectorSimilarityFunction;

/**
 * The configuration of a multi-vector field: the token dimension, the similarity, how tokens are
 * stored, and how many a document may have.
 *
 * <p>The configuration is recorded in the index with the field (as {@link FieldInfo} attributes)
 * and read back with {@link #fromFieldInfo(FieldInfo)}. Dimension and similarity are the field's
 * schema: Lucene itself refuses, at {@code addDocument}, a document whose dimension or similarity
 * differs from the index's. The other settings say how documents are prepared and how segments
 * are written; each segment records the settings it was written with. Lucene does not compare
 * field attributes across documents, so nothing refuses a document whose other settings differ:
 * give every document of a field the same configuration. A segment whose documents had several
 * records the last one's, and a merged segment the last merged one's.
 *
 * <p>Instances are immutable; build them with {@link #builder(int)}.
 *
 * @lucene.experimental
 */
public final class MultiVectorFieldConfig {

  /**
   * Largest token dimension: Lucene's limit for vectors, as for {@link
   * org.apache.lucene.document.LateInteractionField}.
   */
  public static final int MAX_DIMENSION = 1024;

  /**
   * Largest dimension of a summary vector: an {@link Fde} may have up to 16,384 (64 KB as float32).
   * {@code MultiVector104Codec} accepts vectors of this many dimensions in every vector field;
   * Lucene's own codecs refuse more than 1,024, and so the default FDE, at {@code addDocument}.
   */
  public static final int MAX_SUMMARY_DIMENSION = 1 << 14;

  /** Default for {@link Builder#maxTokens(int)}. */
  public static final int DEFAULT_MAX_TOKENS = 8192;

  /**
   * Largest magnitude of a token vector's component: with at most {@link #MAX_DIMENSION}
   * dimensions and {@link dev.multivector.lucene.search.LateInteractionQuery#MAX_QUERY_TOKENS}
   * query tokens of the same bound, a MaxSim is at most {@code 2^20 * 1e32}, about 1e38, and
   * float32 holds it (3.4e38).
   */
  public static final float MAX_ABS_VALUE = 1e16f;

  /** Largest value for {@link Builder#maxTokens(int)}. */
  public static final int MAX_TOKENS_LIMIT = 1 << 20;

  /**
   * The settings of an HNSW graph: {@code maxConn} neighbours per node (Lucene's M) and the beam
   * width used while building it.
   */
  public record Graph(int maxConn, int beamWidth) {
    /** Lucene's defaults: M 16, beam width 100. */
    public static final Graph DEFAULT = new Graph(16, 100);

    public Graph {
      if (maxConn < 2 || maxConn > 512) {
        throw new IllegalArgumentException("graph maxConn must be in [2, 512], got " + maxConn);
      }
      if (beamWidth < 1 || beamWidth > 3200) {
        throw new IllegalArgumentException("graph beamWidth must be in [1, 3200], got " + beamWidth);
      }
    }

    static Graph parse(String value) {
      if (value.equals("none")) {
        return null;
      }
      String[] parts = value.split(",");
      return new Graph(Integer.parseInt(parts[0]), Integer.parseInt(parts[1]));
    }

    static String format(Graph graph) {
      return graph == null ? "none" : graph.maxConn + "," + graph.beamWidth;
    }
  }

  /**
   * The settings of a centroid token index (PLAID/WARP-style): each segment's tokens clustered
   * around {@code centroids} k-means centroids (0: chosen from the segment's token count, about
   * {@code 16 * sqrt(tokens)} rounded down to a power of two, at most {@value
   * #MAX_CENTROIDS}), each token stored as its centroid and {@code residualBits} (2 or 4) bits a
   * dimension of residual.
   */
  public record CentroidIndex(int residualBits, int centroids) {
    /** The most centroids a segment's index has. */
    public static final int MAX_CENTROIDS = 1 << 18;

    public CentroidIndex {
      if (residualBits != 2 && residualBits != 4) {
        throw new IllegalArgumentException(
            "centroid index residualBits must be 2 or 4, got " + residualBits);
      }
      if (centroids < 0 || centroids > MAX_CENTROIDS) {
        throw new IllegalArgumentException(
            "centroid index centroids must be in [0, " + MAX_CENTROIDS + "] (0: from the token"
                + " count), got " + centroids);
      }
    }

    /** The number of centroids for a segment of {@code tokens} tokens. */
    public int centroidsFor(long tokens) {
      long wanted =
          centroids > 0
              ? centroids
              : Math.min(MAX_CENTROIDS, Long.highestOneBit(Math.max(1, (long) (16 * Math.sqrt(tokens)))));
      return (int) Math.max(1, Math.min(wanted, tokens));
    }

    static CentroidIndex parse(String value) {
      if (value == null || value.equals("none")) {
        return null;
      }
      String[] parts = value.split(",");
      return new CentroidIndex(Integer.parseInt(parts[0]), Integer.parseInt(parts[1]));
    }

    static String format(CentroidIndex index) {
      return index == null ? "none" : index.residualBits + "," + index.centroids;
    }
  }

  /**
   * The settings of a {@link SummaryVector#FDE} summary vector (MUVERA's fixed-dimensional
   * encoding): {@code repetitions} x 2<sup>{@code simHashBits}</sup> blocks of {@code
   * projectionDimension} floats, at most {@link #MAX_SUMMARY_DIMENSION} in all, drawn from {@code
   * seed}.
   */
  public record Fde(int repetitions, int simHashBits, int projectionDimension, long seed) {
    /**
     * 16 repetitions of 16 buckets of 16 floats: 4,096 dimensions (see docs/benchmarks.md for the
     * measurements that chose it).
     */
    public static final Fde DEFAULT = new Fde(16, 4, 16, 42);

    public Fde {
      // At most 256 buckets: each costs every document and query a block, filled and projected.
      if (repetitions < 1 || simHashBits < 0 || simHashBits > 8 || projectionDimension < 1) {
        throw new IllegalArgumentException(
            "FDE repetitions and projectionDimension must be at least 1 and simHashBits in [0, 8],"
                + " got " + repetitions + ", " + projectionDimension + " and " + simHashBits);
      }
      long encoded = (long) repetitions * (1L << simHashBits) * projectionDimension;
      if (encoded > MAX_SUMMARY_DIMENSION) {
        throw new IllegalArgumentException(
            "FDE of repetitions x 2^simHashBits x projectionDimension = " + encoded
                + " dimensions, more than " + MAX_SUMMARY_DIMENSION);
      }
    }

    static Fde parse(String value) {
      String[] parts = value.split(",");
      return new Fde(
          Integer.parseInt(parts[0]),
          Integer.parseInt(parts[1]),
          Integer.parseInt(parts[2]),
          Long.parseLong(parts[3]));
    }

    String format() {
      return repetitions + "," + simHashBits + "," + projectionDimension + "," + seed;
    }
  }

  /** How the codec stores token vectors. Versioned: later encodings are added, never renumbered. */
  public enum Encoding {
    /** IEEE float32, bit-exact: 4 bytes a component. */
    FLOAT32,
    /**
     * One signed byte a component and a float32 scale a token (each token quantized on its own):
     * {@code dim + 4} bytes a token. Queries stay float32; scores are within a small bound of the
     * float32 MaxSim.
     */
    INT8,
    /**
     * One sign bit a component and a float32 scale a token: {@code 4 * ceil(dim / 32) + 4} bytes
     * a token (20 at dim 128).
     * Queries are binarised too and compared by Hamming distance: a fast, coarse first ranking, to
     * be rescored with the raw float32 vectors.
     */
    BIT
  }

  // FieldInfo attribute keys. Part of the index format: never rename.
  static final String ATTR_VERSION = "multivector.version";
  static final String ATTR_DIMENSION = "multivector.dimension";
  static final String ATTR_SIMILARITY = "multivector.similarity";
  static final String ATTR_ENCODING = "multivector.encoding";
  static final String ATTR_MAX_TOKENS = "multivector.maxTokens";
  static final String ATTR_POOL_FACTOR = "multivector.poolFactor";
  static final String ATTR_PROTECTED_TOKENS = "multivector.protectedTokens";
  static final String ATTR_SUMMARY_VECTOR = "multivector.summaryVector";
  static final String ATTR_TOKEN_GRAPH = "multivector.tokenGraph";
  static final String ATTR_CENTROID_INDEX = "multivector.centroidIndex"; // absent before centroid indexes
  static final String ATTR_SUMMARY_GRAPH = "multivector.summaryGraph";
  static final String ATTR_FDE = "multivector.fde"; // only with an FDE summary vector
  static final String ATTR_SUMMARY_BITS = "multivector.summaryBits"; // absent: 32, float32
  static final String ATTR_RAW_VECTORS = "multivector.rawVectors"; // absent in indexes older than encodings
  static final int ATTRIBUTES_VERSION = 1;

  private final int dimension;
  private final VectorSimilarityFunction similarity;
  private final Encoding encoding;
  private final boolean keepRawVectors;
  private final int maxTokens;
  private final int poolFactor;
  private final int protectedTokens;
  private final SummaryVector summaryVector;
  private final HierarchicalTokenPooler pooler; // null: no pooling
  private final Graph tokenGraph; // null: none
  private final CentroidIndex centroidIndex; // null: none
  private final Graph summaryGraph; // null: none
  private final int summaryBits;
  private final Fde fde; // null unless the summary vector is an FDE
  private final FixedDimensionalEncoding encoder; // likewise
  private final FieldType fieldType; // the fields' Lucene type, shared by the fields of this instance

  private MultiVectorFieldConfig(Builder b) {
    this.dimension = b.dimension;
    this.similarity = b.similarity;
    this.encoding = b.encoding;
    this.keepRawVectors = b.keepRawVectors;
    this.maxTokens = b.maxTokens;
    this.poolFactor = b.poolFactor;
    this.protectedTokens = b.protectedTokens;
    this.summaryVector = b.summaryVector;
    this.pooler = poolFactor > 1 ? new HierarchicalTokenPooler(poolFactor, protectedTokens) : null;
    this.tokenGraph = b.tokenGraph;
    this.centroidIndex = b.centroidIndex;
    this.summaryGraph = b.summaryGraph;
    this.fde = summaryVector == SummaryVector.FDE ? (b.fde == null ? Fde.DEFAULT : b.fde) : null;
    this.summaryBits = b.summaryBits != 0 ? b.summaryBits : fde != null ? 1 : 32;
    this.encoder = fde == null ? null : encoder(dimension, fde);
    this.fieldType = MultiVectorField.newFieldType(this);
  }

  FieldType fieldType() {
    return fieldType;
  }

  /**
   * Encoders by dimension and settings. A query reads its field's configuration from each segment,
   * and drawing an encoder's random matrices takes milliseconds; the few settings an index uses are
   * kept, at most {@link #MAX_CACHED_ENCODERS} of them.
   */
  private static final Map<List<Object>, FixedDimensionalEncoding> ENCODERS = new ConcurrentHashMap<>();

  private static final int MAX_CACHED_ENCODERS = 64;

  private static FixedDimensionalEncoding encoder(int dimension, Fde fde) {
    List<Object> key = List.of(dimension, fde);
    FixedDimensionalEncoding encoder = ENCODERS.get(key);
    if (encoder == null) {
      encoder =
          new FixedDimensionalEncoding(
              dimension, fde.repetitions(), fde.simHashBits(), fde.projectionDimension(), fde.seed());
      if (ENCODERS.size() >= MAX_CACHED_ENCODERS) {
        ENCODERS.clear(); // bounded: settings are few, so this is a safety net, not a policy
      }
      ENCODERS.put(key, encoder);
    }
    return encoder;
  }

  /**
   * Starts a configuration for tokens of the given dimension, with defaults for everything else:
   * {@link VectorSimilarityFunction#DOT_PRODUCT}, {@link Encoding#FLOAT32}, {@link
   * #DEFAULT_MAX_TOKENS}, no token pooling, a {@link SummaryVector#MEAN} summary vector.
   *
   * @throws IllegalArgumentException if the dimension is not in [1, {@link #MAX_DIMENSION}]
   */
  public static Builder builder(int dimension) {
    return new Builder(dimension);
  }

  /** The token vector dimension. */
  public int dimension() {
    return dimension;
  }

  /**
   * The similarity of a query token and a document token: {@link
   * VectorSimilarityFunction#DOT_PRODUCT} (values stored as given) or {@link
   * VectorSimilarityFunction#COSINE} (tokens L2-normalised at index time, then dot product).
   */
  public VectorSimilarityFunction similarity() {
    return similarity;
  }

  /** How token vectors are stored. */
  public Encoding encoding() {
    return encoding;
  }

  /**
   * Whether the raw float32 vectors are kept beside a compressed encoding (the default), for
   * rescoring, reads and merges; always true for FLOAT32, whose panels are the raw vectors.
   */
  public boolean keepRawVectors() {
    return keepRawVectors;
  }

  /** The most tokens a document may have (before pooling); documents with more are refused. */
  public int maxTokens() {
    return maxTokens;
  }

  /**
   * How many tokens, on average, {@link HierarchicalTokenPooler hierarchical pooling} merges into
   * one at index time; 1 (the default) keeps every token.
   */
  public int poolFactor() {
    return poolFactor;
  }

  /** How many leading tokens pooling keeps as they are. */
  public int protectedTokens() {
    return protectedTokens;
  }

  /** How the document's single summary vector is computed. */
  public SummaryVector summaryVector() {
    return summaryVector;
  }

  /** The settings of the {@link SummaryVector#FDE} summary vector, or null if it is another. */
  public Fde fde() {
    return fde;
  }

  /** Dimensions of the summary vector: the tokens' for the mean or max, the FDE's for an FDE. */
  public int summaryDimension() {
    return encoder == null ? dimension : encoder.encodedDimension();
  }

  /**
   * A document's summary vector, from its prepared tokens: the mean or max (L2-normalised for
   * COSINE), or the document's FDE.
   */
  public float[] documentSummary(float[][] tokens) {
    return encoder == null ? summaryVector.of(tokens, cosine()) : encoder.encodeDocument(tokens);
  }

  /**
   * A query's summary vector, as the summary-vector first stage searches it: the mean or max of
   * its tokens (L2-normalised for COSINE), or the query's FDE.
   */
  public float[] querySummary(float[][] tokens) {
    return encoder == null ? summaryVector.of(tokens, cosine()) : encoder.encodeQuery(tokens);
  }

  private boolean cosine() {
    return similarity == VectorSimilarityFunction.COSINE;
  }

  /**
   * The HNSW graph over every token vector of a segment, for the per-token (XTR-style) first stage,
   * or null if there is none (the default).
   */
  public Graph tokenGraph() {
    return tokenGraph;
  }

  /**
   * The centroid token index of each segment, for the per-token (XTR-style) first stage, or null
   * if there is none (the default). With a token graph too, the first stage searches the
   * centroid index.
   */
  public CentroidIndex centroidIndex() {
    return centroidIndex;
  }

  /**
   * The HNSW graph over the documents' summary vectors, or null if there is none (the default):
   * the summary vectors are then stored flat and searched exhaustively.
   */
  public Graph summaryGraph() {
    return summaryGraph;
  }

  /**
   * Bits a component of the stored summary vectors: 32 (float32), or 8, 7, 4, 2 or 1 for Lucene's
   * scalar-quantized vectors format, which searches the quantized copy and keeps the float32
   * vectors for merges. By default 1 for an {@link SummaryVector#FDE}, 32 for the others.
   */
  public int summaryBits() {
    return summaryBits;
  }

  /** The pooler these settings ask for, or null if tokens are kept as they are. */
  HierarchicalTokenPooler pooler() {
    return pooler;
  }

  /**
   * The configuration recorded with a field in a segment, or {@code null} if the field is not a
   * multi-vector field.
   *
   * @throws IllegalArgumentException if the recorded configuration is not one this version reads
   */
  public static MultiVectorFieldConfig fromFieldInfo(FieldInfo fieldInfo) {
    return fromAttributes(fieldInfo.name, fieldInfo.attributes());
  }

  static MultiVectorFieldConfig fromAttributes(String field, Map<String, String> attributes) {
    String version = attributes.get(ATTR_VERSION);
    if (version == null) {
      return null;
    }
    try {
      if (Integer.parseInt(version) != ATTRIBUTES_VERSION) {
        throw new IllegalArgumentException(
            "multi-vector field \"" + field + "\" has configuration version " + version
                + ", this version reads " + ATTRIBUTES_VERSION);
      }
      // A merged segment holds the union of its sources' attributes, the last source's winning:
      // settings that only some sources recorded are read only where they apply.
      Encoding encoding = Encoding.valueOf(attributes.get(ATTR_ENCODING));
      SummaryVector summaryVector = SummaryVector.valueOf(attributes.get(ATTR_SUMMARY_VECTOR));
      return builder(Integer.parseInt(attributes.get(ATTR_DIMENSION)))
          .similarity(VectorSimilarityFunction.valueOf(attributes.get(ATTR_SIMILARITY)))
          .encoding(encoding)
          .keepRawVectors(
              encoding == Encoding.FLOAT32
                  || Boolean.parseBoolean(attributes.getOrDefault(ATTR_RAW_VECTORS, "true")))
          .maxTokens(Integer.parseInt(attributes.get(ATTR_MAX_TOKENS)))
          .pooling(
              Integer.parseInt(attributes.get(ATTR_POOL_FACTOR)),
              Integer.parseInt(attributes.get(ATTR_PROTECTED_TOKENS)))
          .summaryVector(summaryVector)
          .tokenGraph(Graph.parse(attributes.get(ATTR_TOKEN_GRAPH)))
          .centroidIndex(CentroidIndex.parse(attributes.get(ATTR_CENTROID_INDEX)))
          .summaryGraph(Graph.parse(attributes.get(ATTR_SUMMARY_GRAPH)))
          .summaryBits(Integer.parseInt(attributes.getOrDefault(ATTR_SUMMARY_BITS, "32")))
          // An FDE's settings are always recorded (parse throws if absent): a default would encode
          // queries unlike the documents.
          .fde(summaryVector == SummaryVector.FDE ? Fde.parse(attributes.get(ATTR_FDE)) : null)
          .build();
    } catch (NullPointerException | IllegalArgumentException e) {
      throw new IllegalArgumentException(
          "multi-vector field \"" + field + "\" has an unreadable configuration " + attributes, e);
    }
  }

  /**
   * The FieldInfo attributes that record this configuration.
   *
   * @lucene.internal
   */
  public Map<String, String> toAttributes() {
    Map<String, String> attributes = new HashMap<>();
    attributes.put(ATTR_VERSION, Integer.toString(ATTRIBUTES_VERSION));
    attributes.put(ATTR_DIMENSION, Integer.toString(dimension));
    attributes.put(ATTR_SIMILARITY, similarity.name());
    attributes.put(ATTR_ENCODING, encoding.name());
    attributes.put(ATTR_RAW_VECTORS, Boolean.toString(keepRawVectors));
    attributes.put(ATTR_MAX_TOKENS, Integer.toString(maxTokens));
    attributes.put(ATTR_POOL_FACTOR, Integer.toString(poolFactor));
    attributes.put(ATTR_PROTECTED_TOKENS, Integer.toString(protectedTokens));
    attributes.put(ATTR_SUMMARY_VECTOR, summaryVector.name());
    attributes.put(ATTR_TOKEN_GRAPH, Graph.format(tokenGraph));
    attributes.put(ATTR_CENTROID_INDEX, CentroidIndex.format(centroidIndex));
    attributes.put(ATTR_SUMMARY_GRAPH, Graph.format(summaryGraph));
    attributes.put(ATTR_SUMMARY_BITS, Integer.toString(summaryBits));
    if (fde != null) {
      attributes.put(ATTR_FDE, fde.format());
    }
    return attributes;
  }

  @Override
  public boolean equals(Object o) {
    return o instanceof MultiVectorFieldConfig other
        && dimension == other.dimension
        && similarity == other.similarity
        && encoding == other.encoding
        && keepRawVectors == other.keepRawVectors
        && maxTokens == other.maxTokens
        && poolFactor == other.poolFactor
        && protectedTokens == other.protectedTokens
        && summaryVector == other.summaryVector
        && Objects.equals(tokenGraph, other.tokenGraph)
        && Objects.equals(centroidIndex, other.centroidIndex)
        && Objects.equals(summaryGraph, other.summaryGraph)
        && summaryBits == other.summaryBits
        && Objects.equals(fde, other.fde);
  }

  @Override
  public int hashCode() {
    return Objects.hash(
        dimension,
        similarity,
        encoding,
        keepRawVectors,
        maxTokens,
        poolFactor,
        protectedTokens,
        summaryVector,
        tokenGraph,
        centroidIndex,
        summaryGraph,
        summaryBits,
        fde);
  }

  @Override
  public String toString() {
    return String.format(
        Locale.ROOT,
        "MultiVectorFieldConfig(dimension=%d, similarity=%s, encoding=%s%s, maxTokens=%d,"
            + " poolFactor=%d, protectedTokens=%d, summaryVector=%s%s, tokenGraph=%s, centroidIndex=%s,"
            + " summaryGraph=%s, summaryBits=%d)",
        dimension,
        similarity,
        encoding,
        keepRawVectors ? "" : " (no raw vectors)",
        maxTokens,
        poolFactor,
        protectedTokens,
        summaryVector,
        fde == null ? "" : "(" + fde.format() + ")",
        Graph.format(tokenGraph),
        CentroidIndex.format(centroidIndex),
        Graph.format(summaryGraph),
        summaryBits);
  }

  /** Builds a {@link MultiVectorFieldConfig}. */
  public static final class Builder {
    private final int dimension;
    private VectorSimilarityFunction similarity = VectorSimilarityFunction.DOT_PRODUCT;
    private Encoding encoding = Encoding.FLOAT32;
    private boolean keepRawVectors = true;
    private int maxTokens = DEFAULT_MAX_TOKENS;
    private int poolFactor = 1;
    private int protectedTokens = HierarchicalTokenPooler.DEFAULT_PROTECTED_TOKENS;
    private SummaryVector summaryVector = SummaryVector.MEAN;
    private Graph tokenGraph;
    private CentroidIndex centroidIndex;
    private Graph summaryGraph;
    private int summaryBits; // 0: the summary vector kind's default
    private Fde fde;

    private Builder(int dimension) {
      if (dimension < 1 || dimension > MAX_DIMENSION) {
        throw new IllegalArgumentException(
            "dimension must be in [1, " + MAX_DIMENSION + "], got " + dimension);
      }
      this.dimension = dimension;
    }

    /** DOT_PRODUCT (the default) or COSINE. */
    public Builder similarity(VectorSimilarityFunction similarity) {
      Objects.requireNonNull(similarity, "similarity");
      if (similarity != VectorSimilarityFunction.DOT_PRODUCT
          && similarity != VectorSimilarityFunction.COSINE) {
        throw new IllegalArgumentException(
            "similarity must be DOT_PRODUCT or COSINE for MaxSim, got " + similarity);
      }
      this.similarity = similarity;
      return this;
    }

    /**
     * How tokens are scored: {@link Encoding#FLOAT32} (the default), or a compressed copy, INT8 or
     * BIT, beside the raw float32 vectors, which rescoring reads.
     */
    public Builder encoding(Encoding encoding) {
      this.encoding = Objects.requireNonNull(encoding, "encoding");
      return this;
    }

    /**
     * With {@code false}, a compressed encoding's field keeps no raw float32 vectors, for users
     * short of disk: rescoring, {@link org.apache.lucene.index.BinaryDocValues#binaryValue()} and
     * merges then read the values the encoding stands for (a merge re-encodes them to the same
     * codes). True by default.
     */
    public Builder keepRawVectors(boolean keep) {
      this.keepRawVectors = keep;
      return this;
    }

    /** The most tokens a document may have, in [1, {@link #MAX_TOKENS_LIMIT}]. */
    public Builder maxTokens(int maxTokens) {
      if (maxTokens < 1 || maxTokens > MAX_TOKENS_LIMIT) {
        throw new IllegalArgumentException(
            "maxTokens must be in [1, " + MAX_TOKENS_LIMIT + "], got " + maxTokens);
      }
      this.maxTokens = maxTokens;
      return this;
    }

    /**
     * Hierarchical token pooling at index time: about {@code poolFactor} tokens become one,
     * except the first {@code protectedTokens}, which are kept. Documents are added with all their
     * tokens; the index stores the pooled ones. {@code poolFactor} 1 keeps every token. A document
     * with more than {@link HierarchicalTokenPooler#MAX_TOKENS} tokens to pool is refused when its
     * field is built (pooling holds their pairwise distances in memory).
     */
    public Builder pooling(int poolFactor, int protectedTokens) {
      new HierarchicalTokenPooler(poolFactor, protectedTokens); // validates both
      this.poolFactor = poolFactor;
      this.protectedTokens = protectedTokens;
      return this;
    }

    /** How the document's single summary vector is computed; {@link SummaryVector#MEAN} by default. */
    public Builder summaryVector(SummaryVector summaryVector) {
      this.summaryVector = Objects.requireNonNull(summaryVector, "summaryVector");
      return this;
    }

    /**
     * A {@link SummaryVector#FDE} summary vector with these settings ({@link Fde#DEFAULT} if the
     * summary vector is set to FDE without them); null leaves the summary vector as it is.
     */
    public Builder fde(Fde settings) {
      this.fde = settings;
      if (settings != null) {
        this.summaryVector = SummaryVector.FDE;
      }
      return this;
    }

    /**
     * Builds an HNSW graph over every token vector of each segment (null: none, the default), for
     * the per-token first stage of {@link dev.multivector.lucene.search.LateInteractionQuery}.
     */
    public Builder tokenGraph(Graph graph) {
      this.tokenGraph = graph;
      return this;
    }

    /**
     * Builds a centroid token index of each segment with {@code residualBits} (2 or 4) bits of
     * residual a dimension and as many centroids as the segment's token count asks for, for the
     * per-token first stage of {@link dev.multivector.lucene.search.LateInteractionQuery}.
     */
    public Builder centroidIndex(int residualBits) {
      return centroidIndex(new CentroidIndex(residualBits, 0));
    }

    /** Builds a centroid token index with these settings (null: none, the default). */
    public Builder centroidIndex(CentroidIndex settings) {
      this.centroidIndex = settings;
      return this;
    }

    /**
     * Builds an HNSW graph over the documents' summary vectors (null: none, the default, and the
     * summary vectors are searched exhaustively).
     */
    public Builder summaryGraph(Graph graph) {
      this.summaryGraph = graph;
      return this;
    }

    /**
     * Stores the summary vectors with {@code bits} bits a component: 32 (float32), or 8, 7, 4, 2 or
     * 1 in Lucene's scalar-quantized vectors format (optimized scalar quantization; with 1 and 2,
     * queries are quantized to 4 bits). Searches read the quantized copy, and the candidates are
     * then scored by MaxSim; the float32 vectors stay on disk for merges. By default 1 for an
     * {@link SummaryVector#FDE} (4,096 dimensions by default: searches read 528 bytes a document
     * instead of 16 KB, at little cost in ranking, see docs/benchmarks.md) and 32 for the mean and
     * max.
     */
    public Builder summaryBits(int bits) {
      if (bits != 32 && bits != 8 && bits != 7 && bits != 4 && bits != 2 && bits != 1) {
        throw new IllegalArgumentException("summaryBits must be 32, 8, 7, 4, 2 or 1, got " + bits);
      }
      this.summaryBits = bits;
      return this;
    }

    /**
     * @throws IllegalArgumentException if the raw vectors are dropped from a FLOAT32 field
     */
    public MultiVectorFieldConfig build() {
      if (keepRawVectors == false && encoding == Encoding.FLOAT32) {
        throw new IllegalArgumentException(
            "keepRawVectors(false) needs a compressed encoding: FLOAT32 panels are the raw vectors");
      }
      return new MultiVectorFieldConfig(this);
    }
  }
}
