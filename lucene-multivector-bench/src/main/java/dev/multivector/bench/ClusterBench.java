package dev.multivector.bench;

import dev.multivector.bench.data.VectorDataset;
import dev.multivector.bench.encoder.ProgressBar;
import dev.multivector.bench.metrics.Metrics;
import dev.multivector.lucene.codec.MultiVector104Codec;
import dev.multivector.lucene.document.MultiVectorField;
import dev.multivector.lucene.document.MultiVectorFieldConfig;
import dev.multivector.lucene.search.LateInteractionQuery;
import java.io.IOException;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.apache.lucene.document.Document;
import org.apache.lucene.document.Field;
import org.apache.lucene.document.StringField;
import org.apache.lucene.index.DirectoryReader;
import org.apache.lucene.index.IndexWriter;
import org.apache.lucene.index.IndexWriterConfig;
import org.apache.lucene.index.StoredFields;
import org.apache.lucene.search.IndexSearcher;
import org.apache.lucene.search.ScoreDoc;
import org.apache.lucene.search.TopDocs;
import org.apache.lucene.store.FSDirectory;

/**
 * A data set through the OpenSearch plugin on a running cluster (REST) beside the library
 * in-process, the same field configuration and queries: Hit@K and latency of each, one query at a
 * time. The cluster's index has 3 shards and 1 replica; the library's is one Lucene index.
 */
final class ClusterBench {

  private static final String INDEX = "bench";
  private static final String FIELD = "colbert";
  private static final int K = 20;
  private static final int TIMED_PASSES = 3;
  private static final Pattern ID = Pattern.compile("\"_id\":\"([^\"]+)\"");
  private static final Pattern TOOK = Pattern.compile("\"took\":(\\d+)");

  private final HttpClient http = HttpClient.newBuilder().connectTimeout(Duration.ofSeconds(10)).build();
  private final String url;
  private final VectorDataset data;

  private ClusterBench(String url, VectorDataset data) {
    this.url = url;
    this.data = data;
  }

  /** A first stage, as the REST query's options and as the library's builder. */
  private record Stage(String name, String restOptions, int tokensPerQueryToken) {
    LateInteractionQuery query(float[][] vectors) {
      LateInteractionQuery.Builder builder = LateInteractionQuery.builder(FIELD, vectors).k(K);
      return (tokensPerQueryToken > 0 ? builder.tokenKnn(tokensPerQueryToken) : builder).build();
    }
  }

  private record Row(String engine, Stage stage, Map<String, Double> quality, double p50, double p99, double tookP50) {}

  static void run(String url, String title, VectorDataset data, Path out, Path work, int threads, String note) throws Exception {
    new ClusterBench(url, data).run(title, out, work, threads, note);
  }

  private void run(String title, Path out, Path work, int threads, String note) throws Exception {
    int dim = data.dimension();
    MultiVectorFieldConfig config = MultiVectorFieldConfig.builder(dim).centroidIndex(2).build();
    List<Stage> stages =
        List.of(new Stage("exhaustive MaxSim", "", 0), new Stage("centroid token kNN + MaxSim, k'=50", ",\"token_knn\":{\"k_prime\":50}", 50));
    long start = System.nanoTime();
    indexCluster(dim);
    double clusterSeconds = (System.nanoTime() - start) / 1e9;
    start = System.nanoTime();
    Path dir = Files.createDirectories(work.resolve("cluster-bench-library"));
    try (FSDirectory directory = FSDirectory.open(dir);
        IndexWriter writer = new IndexWriter(directory, new IndexWriterConfig().setCodec(new MultiVector104Codec()))) {
      for (int i = 0; i < data.documents().size(); i++) {
        Document doc = new Document();
        doc.add(new StringField("id", data.docIds().get(i), Field.Store.YES));
        doc.add(new MultiVectorField(FIELD, data.documents().get(i), config));
        writer.addDocument(doc);
      }
      writer.commit();
      double librarySeconds = (System.nanoTime() - start) / 1e9;
      List<Row> rows = new ArrayList<>();
      ExecutorService executor = Executors.newFixedThreadPool(threads);
      try (DirectoryReader reader = DirectoryReader.open(directory)) {
        IndexSearcher searcher = new IndexSearcher(reader, executor);
        for (Stage stage : stages) {
          rows.add(measure("library, in-process", stage, q -> library(searcher, stage, q)));
          rows.add(measure("OpenSearch, 3 nodes, REST", stage, q -> cluster(stage, q)));
        }
      } finally {
        executor.shutdown();
      }
      report(title, rows, clusterSeconds, librarySeconds, threads, out, note);
    }
  }

  /** Creates the index and bulk-indexes every document, a few at a time. */
  private void indexCluster(int dim) throws Exception {
    request("DELETE", "/" + INDEX, "", true);
    request(
        "PUT",
        "/" + INDEX,
        """
        {"settings": {"index.multi_vector": true, "number_of_shards": 3, "number_of_replicas": 1, "refresh_interval": "-1"},
         "mappings": {"properties": {"%s": {"type": "multi_vector", "dims": %d, "token_index": {"type": "centroid", "residual_bits": 2}}}}}"""
            .formatted(FIELD, dim),
        false);
    int n = data.documents().size();
    try (ProgressBar progress = new ProgressBar("indexing into the cluster", n, "docs")) {
      StringBuilder bulk = new StringBuilder();
      for (int i = 0; i < n; i++) {
        bulk.append("{\"index\":{\"_id\":\"").append(data.docIds().get(i)).append("\"}}\n{\"").append(FIELD).append("\":");
        appendMatrix(bulk, data.documents().get(i)).append("}\n");
        if (bulk.length() > 8 << 20 || i == n - 1) {
          String response = request("POST", "/" + INDEX + "/_bulk", bulk.toString(), false);
          if (response.contains("\"errors\":true")) {
            throw new IllegalStateException("bulk indexing failed: " + response.substring(0, Math.min(2000, response.length())));
          }
          bulk.setLength(0);
        }
        progress.advance(1);
      }
    }
    request("POST", "/" + INDEX + "/_refresh", "", false);
    request("GET", "/_cluster/health/" + INDEX + "?wait_for_status=green&timeout=120s", "", false);
  }

  private List<String> library(IndexSearcher searcher, Stage stage, float[][] query) throws IOException {
    TopDocs top = searcher.search(stage.query(query), K);
    StoredFields stored = searcher.storedFields();
    List<String> ids = new ArrayList<>();
    for (ScoreDoc hit : top.scoreDocs) {
      ids.add(stored.document(hit.doc).get("id"));
    }
    return ids;
  }

  private int lastTook; // the cluster's own "took" of the last search, ms

  private List<String> cluster(Stage stage, float[][] query) throws Exception {
    StringBuilder body = new StringBuilder("{\"size\":").append(K).append(",\"_source\":false,\"query\":{\"late_interaction\":{\"field\":\"");
    body.append(FIELD).append("\",\"k\":").append(K).append(stage.restOptions()).append(",\"query_vectors\":");
    appendMatrix(body, query).append("}}}");
    String response = request("POST", "/" + INDEX + "/_search", body.toString(), false);
    if (response.contains("\"failed\":0") == false) {
      throw new IllegalStateException("shard failures: " + response.substring(0, Math.min(2000, response.length())));
    }
    Matcher took = TOOK.matcher(response);
    lastTook = took.find() ? Integer.parseInt(took.group(1)) : -1;
    List<String> ids = new ArrayList<>();
    for (Matcher m = ID.matcher(response); m.find(); ) {
      ids.add(m.group(1));
    }
    return ids;
  }

  private interface Search {
    List<String> search(float[][] query) throws Exception;
  }

  /** One warm-up pass, then timed passes over the queries, one at a time. */
  private Row measure(String engine, Stage stage, Search search) throws Exception {
    List<float[][]> queries = data.queries();
    for (float[][] query : queries) {
      search.search(query);
    }
    double[] millis = new double[queries.size() * TIMED_PASSES];
    double[] took = new double[millis.length];
    Map<String, List<String>> rankings = new LinkedHashMap<>();
    for (int pass = 0, i = 0; pass < TIMED_PASSES; pass++) {
      for (int q = 0; q < queries.size(); q++, i++) {
        long start = System.nanoTime();
        List<String> ids = search.search(queries.get(q));
        millis[i] = (System.nanoTime() - start) / 1e6;
        took[i] = lastTook;
        rankings.put(data.queryIds().get(q), ids);
      }
    }
    Arrays.sort(millis);
    Arrays.sort(took);
    Map<String, Double> quality = new LinkedHashMap<>();
    for (int k : new int[] {1, 5, 20}) {
      quality.put("Hit@" + k, Metrics.mean(data.qrels(), rankings, (ranking, gains) -> Metrics.hit(ranking, gains, k)));
    }
    boolean rest = engine.startsWith("OpenSearch");
    return new Row(
        engine,
        stage,
        quality,
        ExhaustiveLatency.percentile(millis, 50),
        ExhaustiveLatency.percentile(millis, 99),
        rest ? ExhaustiveLatency.percentile(took, 50) : Double.NaN);
  }

  private void report(String title, List<Row> rows, double clusterSeconds, double librarySeconds, int threads, Path out, String note)
      throws IOException {
    StringBuilder md = new StringBuilder("## ").append(title).append(", through OpenSearch and in-process\n\n");
    md.append("| first stage | engine | Hit@1 | Hit@5 | Hit@20 | p50 ms | p99 ms | p50 `took` ms |\n|---|---|---|---|---|---|---|---|\n");
    for (Row row : rows) {
      md.append(
          String.format(
              Locale.ROOT,
              "| %s | %s | %.3f | %.3f | %.3f | %.2f | %.2f | %s |\n",
              row.stage().name(),
              row.engine(),
              row.quality().get("Hit@1"),
              row.quality().get("Hit@5"),
              row.quality().get("Hit@20"),
              row.p50(),
              row.p99(),
              Double.isNaN(row.tookP50()) ? "" : String.format(Locale.ROOT, "%.0f", row.tookP50())));
    }
    md.append(
        String.format(
            Locale.ROOT,
            "\nIndexing: the cluster (REST bulk, 3 shards, 1 replica, refresh at the end) %.1f s; the library"
                + " (one IndexWriter, committed; searched with %d threads) %.1f s. p50/p99: client wall time a query, one at a time, %d timed"
                + " passes after a warm-up pass; `took` is the cluster's own time. The 3 nodes (512 MB heap each) and"
                + " the client share the machine's cores.\n\n%s\n",
            clusterSeconds,
            threads,
            librarySeconds,
            TIMED_PASSES,
            note));
    System.out.println(md);
    Files.writeString(out.resolve("cluster.md"), md);
    System.out.println("wrote " + out.resolve("cluster.md"));
  }

  private static StringBuilder appendMatrix(StringBuilder b, float[][] matrix) {
    b.append('[');
    for (int t = 0; t < matrix.length; t++) {
      b.append(t == 0 ? "[" : ",[");
      for (int j = 0; j < matrix[t].length; j++) {
        b.append(j == 0 ? "" : ",").append(matrix[t][j]);
      }
      b.append(']');
    }
    return b.append(']');
  }

  private String request(String method, String path, String body, boolean mayFail) throws Exception {
    HttpRequest request =
        HttpRequest.newBuilder(URI.create(url + path))
            .timeout(Duration.ofMinutes(5))
            .header("Content-Type", path.endsWith("/_bulk") ? "application/x-ndjson" : "application/json")
            .method(method, body.isEmpty() ? HttpRequest.BodyPublishers.noBody() : HttpRequest.BodyPublishers.ofString(body))
            .build();
    HttpResponse<String> response = http.send(request, HttpResponse.BodyHandlers.ofString());
    if (response.statusCode() >= 300 && mayFail == false) {
      String text = response.body();
      throw new IllegalStateException(
          method + " " + path + ": status " + response.statusCode() + ": " + text.substring(0, Math.min(2000, text.length())));
    }
    return response.body();
  }
}
