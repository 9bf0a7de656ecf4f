package dev.multivector.bench.data;

import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.SplittableRandom;

/**
 * Seeded synthetic multi-vector data sets with a known relevant document per query.
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
      long seed) {
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
   * ColBERT-like passages: dim 128, 30 to 180 tokens (median 70, as MS MARCO passages under
   * ColBERT's tokenizer), 32 query tokens, 8,192 centroids.
   */
  public static Config colbertLike(int documents, int queries, long seed) {
    return new Config(
        "synthetic-colbert", documents, queries, 128, 30, 70, 180, 32, 8192, 0.4f, 0.6f, seed);
  }

  /** ColPali-shaped pages: 1,024 patch vectors of dim 128 per page, 20 query tokens. */
  public static Config colpaliLike(int pages, int queries, long seed) {
    return new Config(
        "synthetic-colpali", pages, queries, 128, 1024, 1024, 1024, 20, 8192, 0.5f, 0.6f, seed);
  }

  /** Generates the data set a configuration describes. */
  public static VectorDataset generate(Config config) {
    SplittableRandom random = new SplittableRandom(config.seed());
    int dim = config.dimension();
    float[][] centroids = new float[config.vocabulary()][];
    for (int i = 0; i < centroids.length; i++) {
      centroids[i] = noisy(new float[dim], 1f, random);
    }
    double[] zipfCdf = new double[config.vocabulary()];
    double sum = 0;
    for (int r = 0; r < zipfCdf.length; r++) {
      sum += 1.0 / (r + 1);
      zipfCdf[r] = sum;
    }

    List<String> docIds = new ArrayList<>();
    List<float[][]> documents = new ArrayList<>();
    double logMedian = Math.log(config.medianTokens());
    for (int d = 0; d < config.documents(); d++) {
      int n = (int) Math.round(Math.exp(logMedian + 0.5 * random.nextGaussian()));
      n = Math.clamp(n, config.minTokens(), config.maxTokens());
      float[][] doc = new float[n][];
      for (int t = 0; t < n; t++) {
        int rank = search(zipfCdf, random.nextDouble() * sum);
        doc[t] = noisy(centroids[rank].clone(), config.noise(), random);
      }
      docIds.add("doc-" + d);
      documents.add(doc);
    }

    List<String> queryIds = new ArrayList<>();
    List<float[][]> queries = new ArrayList<>();
    Map<String, Map<String, Integer>> gains = new LinkedHashMap<>();
    for (int q = 0; q < config.queries(); q++) {
      int target = random.nextInt(documents.size());
      float[][] doc = documents.get(target);
      float[][] query = new float[config.queryTokens()][];
      for (int t = 0; t < query.length; t++) {
        query[t] = noisy(doc[random.nextInt(doc.length)].clone(), config.queryNoise(), random);
      }
      String id = "query-" + q;
      queryIds.add(id);
      queries.add(query);
      gains.put(id, Map.of(docIds.get(target), 1));
    }
    return new VectorDataset(config.name(), docIds, documents, queryIds, queries, new Qrels(gains));
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
