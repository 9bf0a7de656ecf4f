package dev.multivector.opensearch;

import dev.multivector.lucene.document.MultiVectorField;
import dev.multivector.lucene.document.MultiVectorFieldConfig;
import dev.multivector.lucene.document.SummaryVector;
import dev.multivector.lucene.pooling.HierarchicalTokenPooler;
import java.io.IOException;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Set;
import java.util.function.Function;
import org.apache.lucene.index.VectorSimilarityFunction;
import org.apache.lucene.search.Query;
import org.opensearch.core.xcontent.XContentParser;
import org.opensearch.index.mapper.ArraySourceValueFetcher;
import org.opensearch.index.mapper.FieldMapper;
import org.opensearch.index.mapper.MappedFieldType;
import org.opensearch.index.mapper.MapperParsingException;
import org.opensearch.index.mapper.ParametrizedFieldMapper;
import org.opensearch.index.mapper.ParseContext;
import org.opensearch.index.mapper.TextSearchInfo;
import org.opensearch.index.mapper.ValueFetcher;
import org.opensearch.index.query.QueryShardContext;
import org.opensearch.index.query.QueryShardException;
import org.opensearch.search.lookup.SearchLookup;

/**
 * The {@code multi_vector} field: one matrix of token vectors a document, given as an array of
 * arrays of numbers, stored as a {@link MultiVectorField}. Its mapping parameters mirror {@link
 * MultiVectorFieldConfig}:
 *
 * <pre>
 * {"type": "multi_vector", "dims": 128,
 *  "similarity": "dot_product" | "cosine",
 *  "encoding": "float32" | "int8" | "bit", "keep_raw_vectors": true,
 *  "max_tokens": 8192, "pool_factor": 1, "protected_tokens": 1,
 *  "summary_vector": "mean" | "max" | "fde",
 *  "fde": {"repetitions": 16, "sim_hash_bits": 4, "projection_dimension": 16, "seed": 42},
 *  "summary_bits": 32 | 8 | 7 | 4 | 2 | 1, "summary_graph": {"m": 16, "ef_construction": 100},
 *  "token_index": {"type": "centroid", "residual_bits": 2, "centroids": 0}
 *               | {"type": "hnsw", "m": 16, "ef_construction": 100}}
 * </pre>
 *
 * Every parameter but {@code dims} is optional, with the library's defaults; none can change once
 * mapped.
 */
public final class MultiVectorFieldMapper extends ParametrizedFieldMapper {

  /** The field type's name in mappings. */
  public static final String CONTENT_TYPE = "multi_vector";

  /**
   * The mapping parser. It checks the index setting here, where the index's settings are at hand:
   * merges of an existing mapping (a new field, the same mapping again) rebuild the field without
   * them.
   */
  public static final TypeParser PARSER =
      new TypeParser(
          (name, context) -> {
            if (MultiVectorPlugin.INDEX_MULTI_VECTOR.get(context.getSettings()) == false) {
              throw new MapperParsingException(
                  "field [" + name + "] of type [" + CONTENT_TYPE + "] needs the index setting ["
                      + MultiVectorPlugin.INDEX_MULTI_VECTOR.getKey() + ": true] when the index is created");
            }
            return new Builder(name);
          });

  private static MultiVectorFieldMapper cast(FieldMapper mapper) {
    return (MultiVectorFieldMapper) mapper;
  }

  /** The mapping parameters, with the library's defaults, and the configuration they make. */
  public static final class Builder extends ParametrizedFieldMapper.Builder {
    private final Parameter<Integer> dims = Parameter.intParam("dims", false, m -> cast(m).builder.dims.get(), -1);
    private final Parameter<String> similarity =
        Parameter.stringParam("similarity", false, m -> cast(m).builder.similarity.get(), "dot_product");
    private final Parameter<String> encoding =
        Parameter.stringParam("encoding", false, m -> cast(m).builder.encoding.get(), "float32");
    private final Parameter<Boolean> keepRawVectors =
        Parameter.boolParam("keep_raw_vectors", false, m -> cast(m).builder.keepRawVectors.get(), true);
    private final Parameter<Integer> maxTokens =
        Parameter.intParam("max_tokens", false, m -> cast(m).builder.maxTokens.get(), MultiVectorFieldConfig.DEFAULT_MAX_TOKENS);
    private final Parameter<Integer> poolFactor = Parameter.intParam("pool_factor", false, m -> cast(m).builder.poolFactor.get(), 1);
    private final Parameter<Integer> protectedTokens =
        Parameter.intParam(
            "protected_tokens", false, m -> cast(m).builder.protectedTokens.get(), HierarchicalTokenPooler.DEFAULT_PROTECTED_TOKENS);
    private final Parameter<String> summaryVector =
        Parameter.stringParam("summary_vector", false, m -> cast(m).builder.summaryVector.get(), "mean");
    private final Parameter<Map<String, Object>> fde = objectParam("fde", m -> cast(m).builder.fde.get());
    private final Parameter<Integer> summaryBits = Parameter.intParam("summary_bits", false, m -> cast(m).builder.summaryBits.get(), 0);
    private final Parameter<Map<String, Object>> summaryGraph = objectParam("summary_graph", m -> cast(m).builder.summaryGraph.get());
    private final Parameter<Map<String, Object>> tokenIndex = objectParam("token_index", m -> cast(m).builder.tokenIndex.get());
    private final Parameter<Map<String, String>> meta = Parameter.metaParam();

    public Builder(String name) {
      super(name);
    }

    @Override
    protected List<Parameter<?>> getParameters() {
      return List.of(
          dims, similarity, encoding, keepRawVectors, maxTokens, poolFactor, protectedTokens, summaryVector, fde, summaryBits,
          summaryGraph, tokenIndex, meta);
    }

    @Override
    public MultiVectorFieldMapper build(BuilderContext context) {
      String fullName = buildFullName(context);
      MultiVectorFieldConfig config;
      try {
        config = config();
      } catch (IllegalArgumentException e) {
        throw new MapperParsingException("field [" + fullName + "] of type [" + CONTENT_TYPE + "]: " + e.getMessage(), e);
      }
      MultiFields multiFields = multiFieldsBuilder.build(this, context);
      CopyTo copyToFields = copyTo.build();
      if (multiFields.iterator().hasNext() || copyToFields.copyToFields().isEmpty() == false) {
        // The parser has read the whole matrix by the time they would see the value.
        throw new MapperParsingException("field [" + fullName + "] of type [" + CONTENT_TYPE + "] takes no [fields] or [copy_to]");
      }
      return new MultiVectorFieldMapper(name, new MultiVectorFieldType(fullName, config, meta.get()), multiFields, copyToFields, this);
    }

    /** The library's configuration of these parameters; IllegalArgumentException names a bad one. */
    MultiVectorFieldConfig config() {
      if (dims.get() < 1) {
        throw new IllegalArgumentException("[dims] is required and must be positive, got " + dims.get());
      }
      MultiVectorFieldConfig.Builder config =
          MultiVectorFieldConfig.builder(dims.get())
              .similarity(VectorSimilarityFunction.valueOf(choice(similarity, "dot_product", "cosine")))
              .encoding(MultiVectorFieldConfig.Encoding.valueOf(choice(encoding, "float32", "int8", "bit")))
              .keepRawVectors(keepRawVectors.get())
              .maxTokens(maxTokens.get())
              .pooling(poolFactor.get(), protectedTokens.get())
              .summaryVector(SummaryVector.valueOf(choice(summaryVector, "mean", "max", "fde")));
      if (fde.get() != null) {
        if (summaryVector.get().equals("fde") == false && summaryVector.isConfigured()) {
          throw new IllegalArgumentException("[fde] sets an FDE summary vector; [summary_vector] is [" + summaryVector.get() + "]");
        }
        ObjectValue value = new ObjectValue("fde", fde.get(), Set.of("repetitions", "sim_hash_bits", "projection_dimension", "seed"));
        MultiVectorFieldConfig.Fde d = MultiVectorFieldConfig.Fde.DEFAULT;
        config.fde(
            new MultiVectorFieldConfig.Fde(
                value.intValue("repetitions", d.repetitions()),
                value.intValue("sim_hash_bits", d.simHashBits()),
                value.intValue("projection_dimension", d.projectionDimension()),
                value.longValue("seed", d.seed())));
      }
      if (summaryBits.get() != 0) {
        config.summaryBits(summaryBits.get());
      }
      if (summaryGraph.get() != null) {
        config.summaryGraph(graph(new ObjectValue("summary_graph", summaryGraph.get(), Set.of("m", "ef_construction"))));
      }
      if (tokenIndex.get() != null) {
        Map<String, Object> index = tokenIndex.get();
        Object type = index.get("type");
        if ("hnsw".equals(type)) {
          config.tokenGraph(graph(new ObjectValue("token_index", index, Set.of("type", "m", "ef_construction"))));
        } else if ("centroid".equals(type)) {
          ObjectValue value = new ObjectValue("token_index", index, Set.of("type", "residual_bits", "centroids"));
          config.centroidIndex(
              new MultiVectorFieldConfig.CentroidIndex(value.intValue("residual_bits", 2), value.intValue("centroids", 0)));
        } else {
          throw new IllegalArgumentException("[token_index.type] must be [centroid] or [hnsw], got [" + type + "]");
        }
      }
      return config.build();
    }

    /** The parameter's value, one of {@code choices}, as the library's constant name. */
    private static String choice(Parameter<String> parameter, String... choices) {
      String value = parameter.get();
      if (List.of(choices).contains(value) == false) {
        throw new IllegalArgumentException("[" + parameter.name + "] must be one of " + List.of(choices) + ", got [" + value + "]");
      }
      return value.toUpperCase(Locale.ROOT);
    }

    private static MultiVectorFieldConfig.Graph graph(ObjectValue value) {
      MultiVectorFieldConfig.Graph d = MultiVectorFieldConfig.Graph.DEFAULT;
      return new MultiVectorFieldConfig.Graph(value.intValue("m", d.maxConn()), value.intValue("ef_construction", d.beamWidth()));
    }

    @SuppressWarnings("unchecked")
    private static Parameter<Map<String, Object>> objectParam(String name, Function<FieldMapper, Map<String, Object>> init) {
      return new Parameter<Map<String, Object>>(
          name,
          false,
          () -> null,
          (n, context, value) -> {
            if (value instanceof Map<?, ?> map) {
              return (Map<String, Object>) map;
            }
            throw new MapperParsingException("[" + n + "] must be an object, got [" + value + "]");
          },
          init)
          .acceptsNull();
    }
  }

  /** An object parameter's values, with the keys it may have. */
  private record ObjectValue(String name, Map<String, Object> values, Set<String> keys) {
    ObjectValue {
      for (String key : values.keySet()) {
        if (keys.contains(key) == false) {
          throw new IllegalArgumentException("[" + name + "] has no parameter [" + key + "]; it takes " + keys);
        }
      }
    }

    int intValue(String key, int defaultValue) {
      long value = longValue(key, defaultValue);
      if (value != (int) value) {
        throw new IllegalArgumentException("[" + name + "." + key + "] is out of range: " + value);
      }
      return (int) value;
    }

    long longValue(String key, long defaultValue) {
      Object value = values.get(key);
      if (value == null) {
        return defaultValue;
      }
      if (value instanceof Number n && n.doubleValue() == n.longValue()) {
        return n.longValue();
      }
      throw new IllegalArgumentException("[" + name + "." + key + "] must be an integer, got [" + value + "]");
    }
  }

  /** The field's type: its configuration, for queries and rescorers. */
  public static final class MultiVectorFieldType extends MappedFieldType {
    private final MultiVectorFieldConfig config;

    MultiVectorFieldType(String name, MultiVectorFieldConfig config, Map<String, String> meta) {
      super(name, false, false, true, TextSearchInfo.NONE, meta);
      this.config = config;
    }

    /** The library's configuration of this field. */
    public MultiVectorFieldConfig config() {
      return config;
    }

    /**
     * The multi-vector field {@code field} names (an alias resolved) in a shard, for query vectors
     * of {@code dimension}; null if the shard has no mapping for it. {@code user} names the query
     * or rescorer in errors.
     *
     * @throws QueryShardException if the field is of another type or dimension
     */
    static MultiVectorFieldType resolve(QueryShardContext context, String field, int dimension, String user) {
      MappedFieldType type = context.fieldMapper(field);
      if (type == null) {
        return null;
      }
      if (type instanceof MultiVectorFieldType == false) {
        throw new QueryShardException(
            context, user + " needs a field of type [" + CONTENT_TYPE + "], field [" + field + "] is of type [" + type.typeName() + "]");
      }
      MultiVectorFieldType multiVector = (MultiVectorFieldType) type;
      if (dimension != multiVector.config.dimension()) {
        throw new QueryShardException(
            context, user + " query vectors have " + dimension + " dimensions, field [" + field + "] has " + multiVector.config.dimension());
      }
      return multiVector;
    }

    @Override
    public String typeName() {
      return CONTENT_TYPE;
    }

    @Override
    public ValueFetcher valueFetcher(QueryShardContext context, SearchLookup lookup, String format) {
      return new ArraySourceValueFetcher(name(), context) {
        @Override
        protected Object parseSourceValue(Object value) {
          return List.of(value); // the whole matrix as one value
        }
      };
    }

    @Override
    public Query termQuery(Object value, QueryShardContext context) {
      throw new QueryShardException(
          context, "field [" + name() + "] of type [" + CONTENT_TYPE + "] supports only the [late_interaction] query and rescorer");
    }
  }

  private final Builder builder;
  private final MultiVectorFieldConfig config;

  private MultiVectorFieldMapper(
      String simpleName, MultiVectorFieldType type, MultiFields multiFields, CopyTo copyTo, Builder builder) {
    super(simpleName, type, multiFields, copyTo);
    this.builder = builder;
    this.config = type.config();
  }

  @Override
  public ParametrizedFieldMapper.Builder getMergeBuilder() {
    return new Builder(simpleName()).init(this);
  }

  @Override
  protected String contentType() {
    return CONTENT_TYPE;
  }

  @Override
  public boolean parsesArrayValue() {
    return true;
  }

  @Override
  protected void parseCreateField(ParseContext context) throws IOException {
    XContentParser parser = context.parser();
    if (parser.currentToken() == XContentParser.Token.VALUE_NULL) {
      return;
    }
    float[][] matrix = TokenMatrix.parse(parser, "field [" + name() + "]");
    if (context.doc().getByKey(name()) != null) {
      throw new IllegalArgumentException("field [" + name() + "] has one matrix a document; it was given twice");
    }
    // Validates the matrix (dimension, finite values, token count) and prepares it (pooling, summary).
    context.doc().addWithKey(name(), new MultiVectorField(name(), matrix, config));
  }
}
