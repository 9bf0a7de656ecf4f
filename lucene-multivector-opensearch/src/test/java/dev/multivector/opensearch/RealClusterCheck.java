package dev.multivector.opensearch;

import dev.multivector.lucene.codec.MultiVector104Codec;
import dev.multivector.lucene.document.MultiVectorField;
import dev.multivector.lucene.document.MultiVectorFieldConfig;
import dev.multivector.lucene.search.LateInteractionQuery;
import java.io.IOException;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.time.Duration;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Random;
import org.apache.lucene.document.Document;
import org.apache.lucene.document.Field;
import org.apache.lucene.document.StringField;
import org.apache.lucene.index.DirectoryReader;
import org.apache.lucene.index.IndexWriter;
import org.apache.lucene.index.IndexWriterConfig;
import org.apache.lucene.index.Term;
import org.apache.lucene.search.IndexSearcher;
import org.apache.lucene.search.ScoreDoc;
import org.apache.lucene.search.TermQuery;
import org.apache.lucene.search.TopDocs;
import org.apache.lucene.store.ByteBuffersDirectory;
import org.opensearch.common.xcontent.XContentHelper;
import org.opensearch.common.xcontent.json.JsonXContent;

/**
 * The REST checks of {@code src/test/cluster/real-cluster-test.sh}, against real OpenSearch nodes:
 * {@code index URL} creates the index, bulk-indexes the documents (and bad ones, which must get
 * 400s) and checks the queries; {@code verify URL} checks that every document is still there and
 * that the queries return what they did. Expected results come from the library over the same
 * documents (generated again from a fixed seed) in one Lucene index: exact MaxSim, filtered, and
 * token kNN with every token retrieved, hence exact too. Exits non-zero on the first difference.
 */
public final class RealClusterCheck {

  static final String INDEX = "checks";
  static final String FIELD = "colbert";
  static final int DIMS = 32;
  static final int DOCS = 3000;
  static final int QUERIES = 5;
  static final long SEED = 20261202L;

  private final HttpClient http = HttpClient.newBuilder().connectTimeout(Duration.ofSeconds(10)).build();
  private final String url;

  private RealClusterCheck(String url) {
    this.url = url;
  }

  public static void main(String[] args) throws Exception {
    if (args.length != 2 || (args[0].equals("index") == false && args[0].equals("verify") == false)) {
      System.err.println("usage: RealClusterCheck index|verify http://host:port");
      System.exit(2);
    }
    RealClusterCheck check = new RealClusterCheck(args[1]);
    if (args[0].equals("index")) {
      check.index();
    }
    check.verify();
    System.out.println("RealClusterCheck " + args[0] + ": all checks passed against " + args[1]);
  }

  /** The corpus: document i's matrix and color, the same on every call. */
  static float[][][] documents() {
    Random random = new Random(SEED);
    float[][][] docs = new float[DOCS][][];
    for (int i = 0; i < DOCS; i++) {
      docs[i] = matrix(random, 1 + random.nextInt(40));
    }
    return docs;
  }

  static float[][] matrix(Random random, int tokens) {
    float[][] m = new float[tokens][DIMS];
    for (float[] row : m) {
      for (int j = 0; j < DIMS; j++) {
        row[j] = random.nextFloat() * 2 - 1;
      }
    }
    return m;
  }

  static String color(int doc) {
    return doc % 3 == 0 ? "red" : "blue";
  }

  static String json(float[][] matrix) {
    StringBuilder b = new StringBuilder("[");
    for (int t = 0; t < matrix.length; t++) {
      b.append(t == 0 ? "[" : ",[");
      for (int j = 0; j < matrix[t].length; j++) {
        b.append(j == 0 ? "" : ",").append(matrix[t][j]); // Float.toString reads back to the same float
      }
      b.append(']');
    }
    return b.append(']').toString();
  }

  private void index() throws Exception {
    expect(
        200,
        "PUT",
        "/" + INDEX,
        """
        {"settings": {"index.multi_vector": true, "number_of_shards": 3, "number_of_replicas": 1},
         "mappings": {"properties": {
           "%s": {"type": "multi_vector", "dims": %d, "token_index": {"type": "centroid", "residual_bits": 4}},
           "color": {"type": "keyword"}}}}"""
            .formatted(FIELD, DIMS));
    float[][][] docs = documents();
    for (int start = 0; start < DOCS; start += 500) {
      StringBuilder bulk = new StringBuilder();
      for (int i = start; i < start + 500; i++) {
        bulk.append("{\"index\":{\"_id\":\"").append(i).append("\"}}\n");
        bulk.append("{\"color\":\"").append(color(i)).append("\",\"").append(FIELD).append("\":").append(json(docs[i])).append("}\n");
      }
      // Bad documents in the same bulk: each item refused with a 400 naming the field and the problem.
      bulk.append("{\"index\":{\"_id\":\"bad-dims-").append(start).append("\"}}\n{\"").append(FIELD).append("\":[[1,2]]}\n");
      bulk.append("{\"index\":{\"_id\":\"bad-shape-").append(start).append("\"}}\n{\"").append(FIELD).append("\":[1,2]}\n");
      Map<String, Object> response = expect(200, "POST", "/" + INDEX + "/_bulk", bulk.toString());
      @SuppressWarnings("unchecked")
      List<Map<String, Map<String, Object>>> items = (List<Map<String, Map<String, Object>>>) response.get("items");
      for (Map<String, Map<String, Object>> item : items) {
        Map<String, Object> result = item.get("index");
        String id = (String) result.get("_id");
        int status = ((Number) result.get("status")).intValue();
        if (id.startsWith("bad-")) {
          String error = String.valueOf(result.get("error"));
          check(status == 400, "bad document " + id + ": status " + status);
          check(error.contains("[" + FIELD + "]") && error.contains(id.startsWith("bad-dims") ? "dimension" : "array of token vectors"),
              "bad document " + id + ": reason " + error);
        } else {
          check(status == 201, "document " + id + ": status " + status + " " + result);
        }
      }
    }
    expect(200, "POST", "/" + INDEX + "/_refresh", "");
    // A query of another dimension: 400, naming the problem.
    String badQuery = "{\"query\":{\"late_interaction\":{\"field\":\"" + FIELD + "\",\"query_vectors\":[[1,2]],\"k\":3}}}";
    Map<String, Object> error = expect(400, "POST", "/" + INDEX + "/_search", badQuery);
    check(error.toString().contains("2 dimensions, field [" + FIELD + "] has " + DIMS), "bad query: " + error);
  }

  private void verify() throws Exception {
    Map<String, Object> count = expect(200, "GET", "/" + INDEX + "/_count", "");
    check(((Number) count.get("count")).intValue() == DOCS, "count " + count);
    float[][][] docs = documents();
    MultiVectorFieldConfig config = MultiVectorFieldConfig.builder(DIMS).centroidIndex(4).build();
    try (ByteBuffersDirectory dir = new ByteBuffersDirectory();
        IndexWriter writer = new IndexWriter(dir, new IndexWriterConfig().setCodec(new MultiVector104Codec()))) {
      for (int i = 0; i < DOCS; i++) {
        Document doc = new Document();
        doc.add(new StringField("id", Integer.toString(i), Field.Store.YES));
        doc.add(new StringField("color", color(i), Field.Store.NO));
        doc.add(new MultiVectorField(FIELD, docs[i], config));
        writer.addDocument(doc);
      }
      try (DirectoryReader reader = DirectoryReader.open(writer)) {
        IndexSearcher library = new IndexSearcher(reader);
        Random random = new Random(SEED + 1);
        for (int q = 0; q < QUERIES; q++) {
          float[][] query = matrix(random, 1 + random.nextInt(16));
          TopDocs exact = library.search(LateInteractionQuery.builder(FIELD, query).k(10).build(), 10);
          String vectors = json(query);
          assertSame(library, exact, search("\"k\":10", vectors), "exact, query " + q);
          assertSame(library, exact, search("\"k\":10,\"token_knn\":{\"k_prime\":200000,\"probes\":262144}", vectors), "token kNN, query " + q);
          TopDocs red =
              library.search(
                  LateInteractionQuery.builder(FIELD, query).k(10).filter(new TermQuery(new Term("color", "red"))).build(),
                  10);
          assertSame(library, red, search("\"k\":10,\"filter\":{\"term\":{\"color\":\"red\"}}", vectors), "filtered, query " + q);
        }
      }
    }
  }

  private Map<String, Object> search(String options, String vectors) throws Exception {
    String body =
        "{\"size\":10,\"_source\":false,\"query\":{\"late_interaction\":{\"field\":\"" + FIELD + "\",\"query_vectors\":" + vectors + ","
            + options + "}}}";
    Map<String, Object> response = expect(200, "POST", "/" + INDEX + "/_search", body);
    @SuppressWarnings("unchecked")
    Map<String, Object> shards = (Map<String, Object>) response.get("_shards");
    check(((Number) shards.get("failed")).intValue() == 0, "failed shards: " + shards);
    return response;
  }

  @SuppressWarnings("unchecked")
  private static void assertSame(IndexSearcher library, TopDocs expected, Map<String, Object> response, String what) throws IOException {
    List<Map<String, Object>> hits = (List<Map<String, Object>>) ((Map<String, Object>) response.get("hits")).get("hits");
    check(hits.size() == expected.scoreDocs.length, what + ": " + hits.size() + " hits, expected " + expected.scoreDocs.length);
    for (int i = 0; i < hits.size(); i++) {
      ScoreDoc e = expected.scoreDocs[i];
      String id = library.storedFields().document(e.doc).get("id");
      float score = ((Number) hits.get(i).get("_score")).floatValue();
      check(
          id.equals(hits.get(i).get("_id")) && Math.abs(score - e.score) <= 1e-5f * Math.abs(e.score),
          String.format(Locale.ROOT, "%s, rank %d: got %s (%s), expected %s (%s)", what, i, hits.get(i).get("_id"), score, id, e.score));
    }
  }

  private Map<String, Object> expect(int status, String method, String path, String requestBody) throws Exception {
    HttpRequest request =
        HttpRequest.newBuilder(URI.create(url + path))
            .timeout(Duration.ofSeconds(120))
            .header("Content-Type", path.endsWith("/_bulk") ? "application/x-ndjson" : "application/json")
            .method(method, requestBody.isEmpty() ? HttpRequest.BodyPublishers.noBody() : HttpRequest.BodyPublishers.ofString(requestBody))
            .build();
    HttpResponse<String> response = http.send(request, HttpResponse.BodyHandlers.ofString());
    String body = response.body();
    check(
        response.statusCode() == status,
        method + " " + path + ": status " + response.statusCode() + ", expected " + status + ": "
            + (body.length() > 2000 ? body.substring(0, 2000) + "..." : body));
    return XContentHelper.convertToMap(JsonXContent.jsonXContent, body, false);
  }

  private static void check(boolean condition, String message) {
    if (condition == false) {
      throw new AssertionError(message);
    }
  }
}
