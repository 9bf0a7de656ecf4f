package dev.multivector.bench.data;

import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.SplittableRandom;
import java.util.function.Supplier;

/**
 * Seeded synthetic multi-vector data sets with known relevant documents per query.
 *
 * <p>A vocabulary of {@code vocabulary} centroids is drawn uniformly on the unit sphere. A
 * document is {@code n} tokens, {@code n} drawn from a log-normal around {@code medianTokens}
 * and clipped to {@code [minTokens, maxTokens]}; each token picks a centroid with Zipf-like
 * frequency (rank r has weight 1/r, so a few centroids are common to most documents, like
 * function words, and most are rare), adds Gaussian noise of norm about {@code noise} and is
 * normalised. A query picks a target document at random; each of its {@code queryTokens} tokens
 * is a random token of the target plus noise of norm about {@code queryNoise}, normalised. The
 * target is the query's one relevant document (gain 1); with the default noise it is the exact
 * MaxSim top-1 for nearly every query.
 *
 * <p>With {@link Topics}, relevance is graded instead, as in judged text collections: documents
 * are about topics. Each topic owns {@link Topics#vocabulary} content centroids, drawn from a pool
 * of {@code count * vocabulary / 2} shared by all topics (so a content centroid belongs to about
 * two topics, as a word has several senses). A document belongs to one topic, chosen uniformly;
 * each of its tokens comes, with probability {@code share} (uniform in {@code [minShare,
 * maxShare]}, drawn per document), from a uniformly chosen centroid of its topic, else from the
 * Zipf vocabulary above. A query picks the topic of a random document; each query token comes with
 * probability {@code queryShare} from a centroid of the topic, else from the Zipf vocabulary, plus
 * noise of norm about {@code queryNoise}. Every document of the topic is relevant, with gain 1, 2
 * or 3 by its share (the lowest, middle or highest third of the share range). Without topics the
 * one-target data above is generated, draw for draw as before.
 *
 * <p>Everything is drawn from one {@link SplittableRandom} seeded with {@code seed}, in order:
 * the same configuration gives the same data on every run and JDK.
 */
public final class SyntheticMultiVectors {
  private SyntheticMultiVectors() {}

  /**
   * What to generate.
   *
   * @param name the data set's name
   * @param documents number of documents
   * @param queries number of queries
   * @param dimension vector dimension
   * @param minTokens fewest tokens in a document
   * @param medianTokens median tokens in a document (the log-normal's median, before clipping)
   * @param maxTokens most tokens in a document
   * @param queryTokens tokens in a query
   * @param vocabulary number of centroids
   * @param noise about the norm of the noise added to a document token's centroid
   * @param queryNoise about the norm of the noise added to a query token's source token
   * @param seed the seed
   * @param topics graded relevance by topic, or null for one target document per query
   */
  public record Config(
      String name,
      int documents,
      int queries,
      int dimension,
      int minTokens,
      int medianTokens,
      int maxTokens,
      int queryTokens,
      int vocabulary,
      float noise,
      float queryNoise,
      long seed,
      Topics topics) {
    public Config {
      if (documents < 1 || queries < 0 || dimension < 1 || queryTokens < 1 || vocabulary < 1) {
        throw new IllegalArgumentException("sizes must be positive");
      }
      if (minTokens < 1 || minTokens > medianTokens || medianTokens > maxTokens) {
        throw new IllegalArgumentException("need 1 <= minTokens <= medianTokens <= maxTokens");
      }
    }
  }

  /**
   * Topics for graded relevance (see the class javadoc).
   *
   * @param count number of topics
   * @param vocabulary content centroids per topic
   * @param minShare least share of a document's tokens drawn from its topic
   * @param maxShare greatest share of a document's tokens drawn from its topic
   * @param queryShare share of a query's tokens drawn from its topic
   */
  public record Topics(int count, int vocabulary, float minShare, float maxShare, float queryShare) {
    public Topics {
      if (count < 2 || vocabulary < 1) {
        throw new IllegalArgumentException("need at least 2 topics and 1 centroid per topic");
      }
      if (!(0 <= minShare && minShare <= maxShare && maxShare <= 1 && 0 <= queryShare && queryShare <= 1)) {
        throw new IllegalArgumentException("shares must satisfy 0 <= minShare <= maxShare <= 1, 0 <= queryShare <= 1");
      }
    }
  }

  /**
   * ColBERT-like passages: dim 128, 30 to 180 tokens (median 70, as MS MARCO passages under
   * ColBERT's tokenizer), 32 query tokens, 8,192 centroids.
   */
  public static Config colbertLike(int documents, int queries, long seed) {
    return new Config(
        "synthetic-colbert", documents, queries, 128, 30, 70, 180, 32, 8192, 0.4f, 0.6f, seed, null);
  }

  /** ColPali-shaped pages: 1,024 patch vectors of dim 128 per page, 20 query tokens. */
  public static Config colpaliLike(int pages, int queries, long seed) {
    return new Config(
        "synthetic-colpali", pages, queries, 128, 1024, 1024, 1024, 20, 8192, 0.5f, 0.6f, seed, null);
  }

  /** Generates the data set a configuration describes. */
  public static VectorDataset generate(Config config) {
    if (config.topics() != null) {
      DocumentStream stream = new DocumentStream(config);
      List<String> docIds = new ArrayList<>();
      List<float[][]> documents = new ArrayList<>();
      for (Document doc = stream.next(); doc != null; doc = stream.next()) {
        docIds.add(doc.id());
        documents.add(doc.tokens());
      }
      VectorDataset queries = stream.queries();
      return new VectorDataset(config.name(), docIds, documents, queries.queryIds(), queries.queries(), queries.qrels());
    }
    SplittableRandom random = new SplittableRandom(config.seed());
    return oneTarget(config, new Vocabulary(config, random), random);
  }

  private static VectorDataset oneTarget(Config config, Vocabulary common, SplittableRandom random) {
    List<String> docIds = new ArrayList<>();
    List<float[][]> documents = new ArrayList<>();
    for (int d = 0; d < config.documents(); d++) {
      docIds.add("doc-" + d);
      documents.add(tokens(tokenCount(config, random), () -> common.draw(random), config.noise(), random));
    }

    List<String> queryIds = new ArrayList<>();
    List<float[][]> queries = new ArrayList<>();
    Map<String, Map<String, Integer>> gains = new LinkedHashMap<>();
    for (int q = 0; q < config.queries(); q++) {
      int target = random.nextInt(documents.size());
      float[][] doc = documents.get(target);
      String id = "query-" + q;
      queryIds.add(id);
      queries.add(tokens(config.queryTokens(), () -> doc[random.nextInt(doc.length)], config.queryNoise(), random));
      gains.put(id, Map.of(docIds.get(target), 1));
    }
    return new VectorDataset(config.name(), docIds, documents, queryIds, queries, new Qrels(gains));
  }

  /** A generated document: its number, its id ({@code doc-<number>}) and its tokens. */
  public record Document(int number, String id, float[][] tokens) {}

  /**
   * The documents of a configuration with topics one at a time, drawn exactly as {@link
   * #generate} draws them, then its queries: a corpus larger than the heap, generated as it is
   * indexed, and again, the same, for its exact ranking. Keeps the vocabulary, the topics'
   * centroids (a shared pool of {@code topics x topic vocabulary / 2} vectors: 410 MB at a million
   * documents) and two ints a document. Thread-safe.
   */
  public static final class DocumentStream {
    private final Config config;
    private final SplittableRandom random;
    private final Vocabulary common;
    private final float[][][] topicCentroids;
    private final int[] docTopic;
    private final int[] docGain;
    private int next;

    public DocumentStream(Config config) {
      if (config.topics() == null) {
        throw new IllegalArgumentException("a document stream needs topics");
      }
      this.config = config;
      this.random = new SplittableRandom(config.seed());
      this.common = new Vocabulary(config, random);
      Topics topics = config.topics();
      float[][] pool = new float[topics.count() * topics.vocabulary() / 2][];
      for (int i = 0; i < pool.length; i++) {
        pool[i] = noisy(new float[config.dimension()], 1f, random);
      }
      topicCentroids = new float[topics.count()][topics.vocabulary()][];
      for (float[][] topic : topicCentroids) {
        for (int i = 0; i < topic.length; i++) {
          topic[i] = pool[random.nextInt(pool.length)];
        }
      }
      docTopic = new int[config.documents()];
      docGain = new int[config.documents()];
    }

    /** The number of documents. */
    public int size() {
      return config.documents();
    }

    /** The next document, or null after the last. */
    public synchronized Document next() {
      if (next == config.documents()) {
        return null;
      }
      int d = next++;
      Topics topics = config.topics();
      docTopic[d] = random.nextInt(topics.count());
      double u = random.nextDouble();
      double share = topics.minShare() + u * (topics.maxShare() - topics.minShare());
      docGain[d] = 1 + Math.min(2, (int) (u * 3));
      float[][] topic = topicCentroids[docTopic[d]];
      return new Document(d, "doc-" + d, tokens(tokenCount(config, random), mixture(share, topic, common, random), config.noise(), random));
    }

    /**
     * The queries and their judgements (its documents list is empty), drawn after the last
     * document. Call it once: the random numbers go on.
     *
     * @throws IllegalStateException if documents are left
     */
    public synchronized VectorDataset queries() {
      if (next != config.documents()) {
        throw new IllegalStateException((config.documents() - next) + " documents are still to be drawn");
      }
      Topics topics = config.topics();
      List<String> queryIds = new ArrayList<>();
      List<float[][]> queries = new ArrayList<>();
      Map<String, Map<String, Integer>> gains = new LinkedHashMap<>();
      for (int q = 0; q < config.queries(); q++) {
        int topicId = docTopic[random.nextInt(config.documents())];
        float[][] topic = topicCentroids[topicId];
        float[][] query =
            tokens(config.queryTokens(), mixture(topics.queryShare(), topic, common, random), config.queryNoise(), random);
        Map<String, Integer> relevant = new LinkedHashMap<>();
        for (int d = 0; d < docTopic.length; d++) {
          if (docTopic[d] == topicId) {
            relevant.put("doc-" + d, docGain[d]);
          }
        }
        String id = "query-" + q;
        queryIds.add(id);
        queries.add(query);
        gains.put(id, relevant);
      }
      return new VectorDataset(config.name(), List.of(), List.of(), queryIds, queries, new Qrels(gains));
    }
  }

  /** {@code count} tokens, each a noisy copy of the next centroid {@code centroids} gives. */
  private static float[][] tokens(int count, Supplier<float[]> centroids, float noise, SplittableRandom random) {
    float[][] tokens = new float[count][];
    for (int t = 0; t < count; t++) {
      tokens[t] = noisy(centroids.get().clone(), noise, random);
    }
    return tokens;
  }

  /** Centroids from {@code topic} with probability {@code share}, from the common vocabulary otherwise. */
  private static Supplier<float[]> mixture(double share, float[][] topic, Vocabulary common, SplittableRandom random) {
    return () -> random.nextDouble() < share ? topic[random.nextInt(topic.length)] : common.draw(random);
  }

  /** A document's token count: log-normal around the median, clipped to the configured range. */
  private static int tokenCount(Config config, SplittableRandom random) {
    int n = (int) Math.round(Math.exp(Math.log(config.medianTokens()) + 0.5 * random.nextGaussian()));
    return Math.clamp(n, config.minTokens(), config.maxTokens());
  }

  /** Centroids uniform on the unit sphere, drawn with Zipf frequencies (rank r has weight 1/r). */
  private static final class Vocabulary {
    final float[][] centroids;
    final double[] cdf;

    Vocabulary(Config config, SplittableRandom random) {
      centroids = new float[config.vocabulary()][];
      for (int i = 0; i < centroids.length; i++) {
        centroids[i] = noisy(new float[config.dimension()], 1f, random);
      }
      cdf = new double[centroids.length];
      double sum = 0;
      for (int r = 0; r < cdf.length; r++) {
        sum += 1.0 / (r + 1);
        cdf[r] = sum;
      }
    }

    float[] draw(SplittableRandom random) {
      return centroids[search(cdf, random.nextDouble() * cdf[cdf.length - 1])];
    }
  }

  /** Adds Gaussian noise of norm about {@code noise} to {@code v} in place, normalises it. */
  private static float[] noisy(float[] v, float noise, SplittableRandom random) {
    double scale = noise / Math.sqrt(v.length);
    double norm = 0;
    for (int i = 0; i < v.length; i++) {
      v[i] += (float) (random.nextGaussian() * scale);
      norm += (double) v[i] * v[i];
    }
    float inv = (float) (1 / Math.sqrt(norm));
    for (int i = 0; i < v.length; i++) {
      v[i] *= inv;
    }
    return v;
  }

  /** The first index whose cumulative weight exceeds {@code x}. */
  private static int search(double[] cdf, double x) {
    int lo = 0;
    int hi = cdf.length - 1;
    while (lo < hi) {
      int mid = (lo + hi) >>> 1;
      if (cdf[mid] > x) {
        hi = mid;
      } else {
        lo = mid + 1;
      }
    }
    return lo;
  }
}
