package dev.multivector.opensearch;

import dev.multivector.lucene.codec.MultiVector104Codec;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import org.apache.logging.log4j.LogManager;
import org.apache.logging.log4j.Logger;
import org.apache.lucene.codecs.Codec;
import org.apache.lucene.codecs.lucene104.Lucene104Codec;
import org.opensearch.index.codec.CodecService;
import org.opensearch.index.codec.CodecServiceConfig;

/**
 * OpenSearch's codecs ({@code index.codec}: default, best_compression, ...) with multi-vector
 * fields stored by {@link MultiVector104Codec}: every other field is written as OpenSearch writes
 * it. Segments record the codec name {@value MultiVector104Codec#NAME}, so the plugin is needed to
 * open the index, as any plugin's codec is.
 */
final class MultiVectorCodecService extends CodecService {

  private static final Logger LOGGER = LogManager.getLogger(MultiVectorCodecService.class);

  private final String index;
  private final Map<String, Codec> codecs = new ConcurrentHashMap<>();

  MultiVectorCodecService(CodecServiceConfig config) {
    super(config.getMapperService(), config.getIndexSettings(), config.getLogger(), config.getAdditionalCodecs());
    this.index = config.getIndexSettings().getIndex().getName();
  }

  @Override
  public Codec codec(String name) {
    // Asked often (each writer, realtime gets, replication): one codec a name.
    return codecs.computeIfAbsent(name, this::wrap);
  }

  private Codec wrap(String name) {
    Codec codec = super.codec(name);
    if (codec instanceof Lucene104Codec) {
      return new MultiVector104Codec(codec);
    }
    // Another codec (a plugin's such as zstd, a composite index's, or lucene_default under
    // Lucene's randomized tests) could not be read back under our codec's name: Lucene's
    // defaults write the other fields instead, without that codec's features.
    LOGGER.warn(
        "index [{}]: index.codec [{}] is {}, not a Lucene104Codec; fields other than multi_vector fields are written with"
            + " Lucene's default codec",
        index,
        name,
        codec.getName());
    return new MultiVector104Codec();
  }
}
