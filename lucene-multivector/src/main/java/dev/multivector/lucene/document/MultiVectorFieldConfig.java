package dev.multivector.lucene.document;

import java.util.HashMap;
import java.util.Locale;
import java.util.Map;
import java.util.Objects;
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
 * are written; each segment records the settings it was written with.
 *
 * <p>Instances are immutable; build them with {@link #builder(int)}.
 *
 * @lucene.experimental
 */
public final class MultiVectorFieldConfig {

  /** Largest token dimension: the limit of Lucene's vector formats, which hold the pooled vector. */
  public static final int MAX_DIMENSION = 1024;

  /** Default for {@link Builder#maxTokens(int)}. */
  public static final int DEFAULT_MAX_TOKENS = 8192;

  /** Largest value for {@link Builder#maxTokens(int)}. */
  public static final int MAX_TOKENS_LIMIT = 1 << 20;

  /** How the codec stores token vectors. Versioned: later encodings are added, never renumbered. */
  public enum Encoding {
    /** IEEE float32, bit-exact. */
    FLOAT32
  }

  // FieldInfo attribute keys. Part of the index format: never rename.
  static final String ATTR_VERSION = "multivector.version";
  static final String ATTR_DIMENSION = "multivector.dimension";
  static final String ATTR_SIMILARITY = "multivector.similarity";
  static final String ATTR_ENCODING = "multivector.encoding";
  static final String ATTR_MAX_TOKENS = "multivector.maxTokens";
  static final int ATTRIBUTES_VERSION = 1;

  private final int dimension;
  private final VectorSimilarityFunction similarity;
  private final Encoding encoding;
  private final int maxTokens;

  private MultiVectorFieldConfig(Builder b) {
    this.dimension = b.dimension;
    this.similarity = b.similarity;
    this.encoding = b.encoding;
    this.maxTokens = b.maxTokens;
  }

  /**
   * Starts a configuration for tokens of the given dimension, with defaults for everything else:
   * {@link VectorSimilarityFunction#DOT_PRODUCT}, {@link Encoding#FLOAT32}, {@link
   * #DEFAULT_MAX_TOKENS}.
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

  /** The most tokens a document may have; documents with more are refused. */
  public int maxTokens() {
    return maxTokens;
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
      return builder(Integer.parseInt(attributes.get(ATTR_DIMENSION)))
          .similarity(VectorSimilarityFunction.valueOf(attributes.get(ATTR_SIMILARITY)))
          .encoding(Encoding.valueOf(attributes.get(ATTR_ENCODING)))
          .maxTokens(Integer.parseInt(attributes.get(ATTR_MAX_TOKENS)))
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
    attributes.put(ATTR_MAX_TOKENS, Integer.toString(maxTokens));
    return attributes;
  }

  @Override
  public boolean equals(Object o) {
    return o instanceof MultiVectorFieldConfig other
        && dimension == other.dimension
        && similarity == other.similarity
        && encoding == other.encoding
        && maxTokens == other.maxTokens;
  }

  @Override
  public int hashCode() {
    return Objects.hash(dimension, similarity, encoding, maxTokens);
  }

  @Override
  public String toString() {
    return String.format(
        Locale.ROOT,
        "MultiVectorFieldConfig(dimension=%d, similarity=%s, encoding=%s, maxTokens=%d)",
        dimension,
        similarity,
        encoding,
        maxTokens);
  }

  /** Builds a {@link MultiVectorFieldConfig}. */
  public static final class Builder {
    private final int dimension;
    private VectorSimilarityFunction similarity = VectorSimilarityFunction.DOT_PRODUCT;
    private Encoding encoding = Encoding.FLOAT32;
    private int maxTokens = DEFAULT_MAX_TOKENS;

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

    /** How tokens are stored; FLOAT32 (the default) is the only encoding so far. */
    public Builder encoding(Encoding encoding) {
      this.encoding = Objects.requireNonNull(encoding, "encoding");
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

    public MultiVectorFieldConfig build() {
      return new MultiVectorFieldConfig(this);
    }
  }
}
