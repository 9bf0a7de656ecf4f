package dev.multivector.opensearch;

import java.util.List;
import java.util.Map;
import java.util.Optional;
import org.opensearch.common.settings.Setting;
import org.opensearch.index.IndexSettings;
import org.opensearch.index.codec.CodecServiceFactory;
import org.opensearch.index.mapper.Mapper;
import org.opensearch.plugins.EnginePlugin;
import org.opensearch.plugins.MapperPlugin;
import org.opensearch.plugins.Plugin;
import org.opensearch.plugins.SearchPlugin;

/**
 * The OpenSearch plugin: the {@code multi_vector} field, the {@code late_interaction} query and
 * rescorer, and, in indexes created with {@code index.multi_vector: true}, the codec that stores
 * multi-vector fields for fast MaxSim.
 */
public final class MultiVectorPlugin extends Plugin implements MapperPlugin, SearchPlugin, EnginePlugin {

  /**
   * The index setting that turns the library's codec on for an index, and that {@code
   * multi_vector} fields need: as the k-NN plugin's {@code index.knn}, one plugin's codec per index.
   */
  public static final Setting<Boolean> INDEX_MULTI_VECTOR =
      Setting.boolSetting("index.multi_vector", false, Setting.Property.IndexScope, Setting.Property.Final);

  /** The k-NN plugin's index setting: its codec and ours cannot serve the same index. */
  static final String INDEX_KNN = "index.knn";

  @Override
  public List<Setting<?>> getSettings() {
    return List.of(INDEX_MULTI_VECTOR);
  }

  @Override
  public Map<String, Mapper.TypeParser> getMappers() {
    return Map.of(MultiVectorFieldMapper.CONTENT_TYPE, MultiVectorFieldMapper.PARSER);
  }

  @Override
  public List<QuerySpec<?>> getQueries() {
    return List.of(
        new QuerySpec<>(
            LateInteractionQueryBuilder.NAME, LateInteractionQueryBuilder::new, LateInteractionQueryBuilder::fromXContent));
  }

  @Override
  public List<RescorerSpec<?>> getRescorers() {
    return List.of(
        new RescorerSpec<>(
            LateInteractionRescorerBuilder.NAME,
            LateInteractionRescorerBuilder::new,
            LateInteractionRescorerBuilder::fromXContent));
  }

  @Override
  public Optional<CodecServiceFactory> getCustomCodecServiceFactory(IndexSettings indexSettings) {
    if (INDEX_MULTI_VECTOR.get(indexSettings.getSettings()) == false) {
      return Optional.empty();
    }
    if (indexSettings.getSettings().getAsBoolean(INDEX_KNN, false)) {
      throw new IllegalArgumentException(
          "index.multi_vector and index.knn cannot both be true: each asks for its plugin's codec;"
              + " keep multi_vector fields and knn_vector fields in separate indexes");
    }
    return Optional.of(MultiVectorCodecService::new);
  }
}
