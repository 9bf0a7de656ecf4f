package dev.multivector.lucene.document;

import dev.multivector.lucene.pooling.HierarchicalTokenPooler;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.FloatBuffer;
import java.util.Map;
import org.apache.lucene.document.FieldType;
import org.apache.lucene.document.KnnFloatVectorField;
import org.apache.lucene.document.LateInteractionField;
import org.apache.lucene.index.DocValuesType;
import org.apache.lucene.index.VectorEncoding;
import org.apache.lucene.index.VectorSimilarityFunction;
import org.apache.lucene.util.ArrayUtil;
import org.apache.lucene.util.BytesRef;

/**
 * One document's matrix of token vectors (n tokens x dimension), for late-interaction (MaxSim)
 * retrieval.
 *
 * <pre class="prettyprint">
 * MultiVectorFieldConfig config = MultiVectorFieldConfig.builder(128).build();
 * Document doc = new Document();
 * doc.add(new MultiVectorField("colbert", tokenVectors, config));
 * writer.addDocument(doc); // an IndexWriter whose codec is MultiVector104Codec
 * </pre>
 *
 * <p>What is indexed:
 *
 * <ul>
 *   <li>the matrix, as a binary doc value in the layout of Lucene's {@link LateInteractionField}
 *       (little-endian int dimension, then the tokens' float32 values row by row), which {@code
 *       MultiVector104Codec} stores in its own SIMD-friendly layout;
 *   <li>one summary vector, by default the mean of the tokens (see {@link
 *       MultiVectorFieldConfig#summaryVector()}; for COSINE, L2-normalised), as the field's vector
 *       value. Lucene checks the vector's dimension and similarity across all documents of
 *       the index, so a document whose dimension or similarity differs from the field's is refused
 *       at {@code addDocument} with an {@link IllegalArgumentException}, and the writer stays
 *       usable. The vector's similarity is {@link VectorSimilarityFunction#MAXIMUM_INNER_PRODUCT}
 *       for a DOT_PRODUCT field (the mean is not unit length) and {@link
 *       VectorSimilarityFunction#DOT_PRODUCT} for a COSINE field; an {@link SummaryVector#FDE}
 *       has its own dimension ({@link MultiVectorFieldConfig#summaryDimension()}) and is compared
 *       by {@link VectorSimilarityFunction#MAXIMUM_INNER_PRODUCT}.
 * </ul>
 *
 * <p>With {@link MultiVectorFieldConfig#poolFactor()} above 1, the tokens are pooled ({@link
 * HierarchicalTokenPooler}) when the field is built, and the index keeps the pooled tokens; the
 * summary vector summarises the tokens before pooling.
 *
 * <p>The matrix is validated when the field is built: null or empty matrix, null or empty rows,
 * rows of unequal length, a dimension unlike the configuration's, NaN or infinite values, more
 * tokens than {@link MultiVectorFieldConfig#maxTokens()}, and (COSINE) zero vectors are refused
 * with an {@link IllegalArgumentException} that names the problem. The caller's arrays are never
 * modified or retained.
 *
 * <p>Instances are immutable.
 *
 * @lucene.experimental
 */
public final class MultiVectorField extends KnnFloatVectorField {

  private final MultiVectorFieldConfig config;
  private final int tokenCount;
  private final BytesRef matrix;

  /**
   * One document's matrix with the default configuration for its dimension ({@link
   * MultiVectorFieldConfig#builder(int)}).
   */
  public MultiVectorField(String name, float[][] vectors) {
    this(name, vectors, MultiVectorFieldConfig.builder(dimensionOf(vectors)).build());
  }

  /** One document's matrix, validated against (and prepared by) the given configuration. */
  public MultiVectorField(String name, float[][] vectors, MultiVectorFieldConfig config) {
    this(name, config, prepare(name, vectors, config));
  }

  private MultiVectorField(String name, MultiVectorFieldConfig config, float[][] prepared) {
    super(
        name,
        config.documentSummary(prepared),
        fieldType(config));
    this.config = config;
    float[][] stored = config.pooler() == null ? prepared : config.pooler().pool(prepared);
    this.tokenCount = stored.length;
    this.matrix = encode(stored);
  }

  /**
   * The Lucene field type of multi-vector fields with this configuration: binary doc values, the
   * summary vector's dimension and similarity, and the configuration as attributes.
   */
  public static FieldType fieldType(MultiVectorFieldConfig config) {
    return config.fieldType();
  }

  /** The field type of {@code config}, built once per configuration instance. */
  static FieldType newFieldType(MultiVectorFieldConfig config) {
    FieldType type = new FieldType();
    type.setDocValuesType(DocValuesType.BINARY);
    type.setVectorAttributes(
        config.summaryDimension(),
        VectorEncoding.FLOAT32,
        // An FDE is not normalised: its raw inner product is what approximates MaxSim.
        config.fde() != null
            ? VectorSimilarityFunction.MAXIMUM_INNER_PRODUCT
            : summaryVectorSimilarity(config.similarity()));
    config.toAttributes().forEach(type::putAttribute);
    type.freeze();
    return type;
  }

  /** The similarity of the summary vector's Lucene vector field, for a field similarity. */
  static VectorSimilarityFunction summaryVectorSimilarity(VectorSimilarityFunction similarity) {
    return similarity == VectorSimilarityFunction.COSINE
        ? VectorSimilarityFunction.DOT_PRODUCT
        : VectorSimilarityFunction.MAXIMUM_INNER_PRODUCT;
  }

  /** This field's configuration. */
  public MultiVectorFieldConfig config() {
    return config;
  }

  /** The number of token vectors indexed for this document, after pooling. */
  public int tokenCount() {
    return tokenCount;
  }

  /**
   * The matrix as indexed, in {@link LateInteractionField}'s layout (COSINE tokens normalised).
   */
  @Override
  public BytesRef binaryValue() {
    return matrix;
  }

  /** Not supported: the summary vector is derived from the matrix. */
  @Override
  public void setVectorValue(float[] value) {
    throw new UnsupportedOperationException(
        "the vector value of a MultiVectorField is derived from its matrix; build a new field");
  }

  @Override
  public String toString() {
    return "MultiVectorField<" + name + ": " + tokenCount + " x " + config.dimension() + ">";
  }

  private static int dimensionOf(float[][] vectors) {
    if (vectors == null || vectors.length == 0) {
      throw new IllegalArgumentException("multi-vector value must not be null or empty");
    }
    if (vectors[0] == null || vectors[0].length == 0) {
      throw new IllegalArgumentException("token vector 0 must not be null or empty");
    }
    return vectors[0].length;
  }

  /** Validates the matrix and returns the token vectors to index, as a fresh copy. */
  private static float[][] prepare(String name, float[][] vectors, MultiVectorFieldConfig config) {
    if (name == null) {
      throw new IllegalArgumentException("field name must not be null");
    }
    if (config == null) {
      throw new IllegalArgumentException("config must not be null");
    }
    if (vectors == null || vectors.length == 0) {
      throw new IllegalArgumentException(
          "field \"" + name + "\": multi-vector value must not be null or empty");
    }
    if (vectors.length > config.maxTokens()) {
      throw new IllegalArgumentException(
          "field \"" + name + "\": document has " + vectors.length
              + " token vectors, more than maxTokens=" + config.maxTokens());
    }
    final int dim = config.dimension();
    // maxTokens x dimension may exceed what one binary doc value (a byte array) holds.
    long bytes = Integer.BYTES + (long) vectors.length * dim * Float.BYTES;
    if (bytes > ArrayUtil.MAX_ARRAY_LENGTH) {
      throw new IllegalArgumentException(
          "field \"" + name + "\": document of " + vectors.length + " token vectors of dimension "
              + dim + " takes " + bytes + " bytes, more than one Lucene value holds ("
              + ArrayUtil.MAX_ARRAY_LENGTH + ")");
    }
    final boolean cosine = config.similarity() == VectorSimilarityFunction.COSINE;
    float[][] copy = new float[vectors.length][];
    for (int t = 0; t < vectors.length; t++) {
      float[] v = vectors[t];
      if (v == null || v.length == 0) {
        throw new IllegalArgumentException(
            "field \"" + name + "\": token vector " + t + " is null or empty");
      }
      if (v.length != dim) {
        throw new IllegalArgumentException(
            "field \"" + name + "\": token vector " + t + " has dimension " + v.length
                + ", the field's dimension is " + dim);
      }
      double squaredNorm = 0;
      for (int i = 0; i < dim; i++) {
        float x = v[i];
        if (Float.isFinite(x) == false) {
          throw new IllegalArgumentException(
              "field \"" + name + "\": token vector " + t + " has a non-finite value " + x
                  + " at index " + i);
        }
        if (Math.abs(x) > MultiVectorFieldConfig.MAX_ABS_VALUE) {
          throw new IllegalArgumentException(
              "field \"" + name + "\": token vector " + t + " has a value " + x + " at index " + i
                  + " beyond +-" + MultiVectorFieldConfig.MAX_ABS_VALUE
                  + " (MaxSim over such values could overflow float)");
        }
        squaredNorm += (double) x * x;
      }
      copy[t] = v.clone();
      if (cosine) {
        if (squaredNorm == 0) {
          throw new IllegalArgumentException(
              "field \"" + name + "\": token vector " + t
                  + " is a zero vector, which COSINE cannot normalise");
        }
        // Divide in double: 1/norm overflows a float for vectors of subnormal values.
        double norm = Math.sqrt(squaredNorm);
        for (int i = 0; i < dim; i++) {
          copy[t][i] = (float) (v[i] / norm);
        }
      }
    }
    return copy;
  }

  /** {@link LateInteractionField}'s layout: little-endian int dimension, then row-major floats. */
  private static BytesRef encode(float[][] tokens) {
    int dim = tokens[0].length;
    ByteBuffer buffer =
        ByteBuffer.allocate(Integer.BYTES + tokens.length * dim * Float.BYTES)
            .order(ByteOrder.LITTLE_ENDIAN);
    FloatBuffer values = buffer.putInt(dim).asFloatBuffer();
    for (float[] token : tokens) {
      values.put(token);
    }
    return new BytesRef(buffer.array());
  }
}
