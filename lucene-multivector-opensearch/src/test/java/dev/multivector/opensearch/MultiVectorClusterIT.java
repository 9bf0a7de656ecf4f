package dev.multivector.opensearch;

import static org.opensearch.test.hamcrest.OpenSearchAssertions.assertAcked;

import dev.multivector.lucene.codec.MultiVector104Codec;
import dev.multivector.lucene.document.MultiVectorField;
import dev.multivector.lucene.document.MultiVectorFieldConfig;
import dev.multivector.lucene.search.LateInteractionQuery;
import java.util.ArrayList;
import java.util.Collection;
import java.util.List;
import java.util.Locale;
import org.apache.lucene.document.Document;
import org.apache.lucene.document.Field;
import org.apache.lucene.document.StringField;
import org.apache.lucene.index.DirectoryReader;
import org.apache.lucene.index.IndexWriter;
import org.apache.lucene.index.IndexWriterConfig;
import org.apache.lucene.index.LeafReaderContext;
import org.apache.lucene.index.SegmentReader;
import org.apache.lucene.index.Term;
import org.apache.lucene.search.IndexSearcher;
import org.apache.lucene.search.ScoreDoc;
import org.apache.lucene.search.TermQuery;
import org.apache.lucene.search.TopDocs;
import org.apache.lucene.store.ByteBuffersDirectory;
import org.apache.lucene.store.Directory;
import org.opensearch.action.bulk.BulkRequestBuilder;
import org.opensearch.action.bulk.BulkResponse;
import org.opensearch.action.search.SearchPhaseExecutionException;
import org.opensearch.action.search.SearchResponse;
import org.opensearch.action.support.WriteRequest;
import org.opensearch.common.lucene.Lucene;
import org.opensearch.common.settings.Setting;
import org.opensearch.common.settings.Settings;
import org.opensearch.core.common.Strings;
import org.opensearch.core.rest.RestStatus;
import org.opensearch.core.xcontent.MediaTypeRegistry;
import org.opensearch.core.xcontent.XContentBuilder;
import org.opensearch.common.xcontent.XContentFactory;
import org.opensearch.index.IndexService;
import org.opensearch.index.engine.Engine;
import org.opensearch.index.mapper.MapperParsingException;
import org.opensearch.index.query.QueryBuilder;
import org.opensearch.index.query.QueryBuilders;
import org.opensearch.index.shard.IndexShard;
import org.opensearch.indices.IndicesService;
import org.opensearch.plugins.Plugin;
import org.opensearch.search.SearchHit;
import org.opensearch.test.OpenSearchIntegTestCase;

/**
 * The plugin on a cluster of 3 data nodes: an index of 3 shards and 1 replica holds the same
 * documents as one Lucene index built by the library, and the {@code late_interaction} query and
 * rescorer return the library's documents and scores, also after a node is stopped.
 */
@OpenSearchIntegTestCase.ClusterScope(scope = OpenSearchIntegTestCase.Scope.SUITE, numDataNodes = 3, supportsDedicatedMasters = false)
public class MultiVectorClusterIT extends OpenSearchIntegTestCase {

  private static final String INDEX = "pages";
  private static final String FIELD = "colbert";
  private static final int DIMS = 16;

  @Override
  protected Collection<Class<? extends Plugin>> nodePlugins() {
    return List.of(MultiVectorPlugin.class, KnnSettingPlugin.class);
  }

  /** Registers the k-NN plugin's index setting, as the k-NN plugin would (it is not on Maven Central for 3.8+). */
  public static final class KnnSettingPlugin extends Plugin {
    @Override
    public List<Setting<?>> getSettings() {
      return List.of(Setting.boolSetting(MultiVectorPlugin.INDEX_KNN, false, Setting.Property.IndexScope));
    }
  }

  private static Settings indexSettings(boolean multiVector) {
    return Settings.builder()
        .put("index.number_of_shards", 3)
        .put("index.number_of_replicas", 1)
        .put("index.codec", "default") // not the random test codec of OpenSearch's test templates
        .put(MultiVectorPlugin.INDEX_MULTI_VECTOR.getKey(), multiVector)
        .build();
  }

  private static XContentBuilder mapping() throws Exception {
    return XContentFactory.jsonBuilder()
        .startObject()
        .startObject("properties")
        .startObject(FIELD)
        .field("type", "multi_vector")
        .field("dims", DIMS)
        .startObject("token_index")
        .field("type", "centroid")
        .field("residual_bits", 4)
        .endObject()
        .endObject()
        .startObject("color")
        .field("type", "keyword")
        .endObject()
        .endObject()
        .endObject();
  }

  private float[][] randomMatrix(int tokens) {
    float[][] m = new float[tokens][DIMS];
    for (float[] row : m) {
      for (int j = 0; j < DIMS; j++) {
        row[j] = random().nextFloat() * 2 - 1;
      }
    }
    return m;
  }

  public void testQueriesMatchTheLibraryAndSurviveANodeLoss() throws Exception {
    prepareCreate(INDEX).setSettings(indexSettings(true)).setMapping(mapping()).get();
    ensureGreen(INDEX);

    int numDocs = 2000;
    float[][][] matrices = new float[numDocs][][];
    MultiVectorFieldConfig config = MultiVectorFieldConfig.builder(DIMS).centroidIndex(4).build();
    try (Directory dir = new ByteBuffersDirectory();
        IndexWriter library = new IndexWriter(dir, new IndexWriterConfig().setCodec(new MultiVector104Codec()))) {
      for (int start = 0; start < numDocs; start += 500) {
        BulkRequestBuilder bulk = client().prepareBulk();
        for (int i = start; i < start + 500; i++) {
          matrices[i] = randomMatrix(1 + random().nextInt(20));
          String color = i % 3 == 0 ? "red" : "blue";
          XContentBuilder source = XContentFactory.jsonBuilder().startObject().field("color", color).startArray(FIELD);
          for (float[] row : matrices[i]) {
            source.value(row);
          }
          bulk.add(client().prepareIndex(INDEX).setId(Integer.toString(i)).setSource(source.endArray().endObject()));
          Document doc = new Document();
          doc.add(new StringField("_id", Integer.toString(i), Field.Store.YES));
          doc.add(new StringField("color", color, Field.Store.NO));
          doc.add(new MultiVectorField(FIELD, matrices[i], config));
          library.addDocument(doc);
        }
        BulkResponse response = bulk.get();
        assertFalse(response.buildFailureMessage(), response.hasFailures());
      }
      refresh(INDEX);
      assertSegmentsUseTheCodec();
      try (DirectoryReader reader = DirectoryReader.open(library)) {
        IndexSearcher searcher = new IndexSearcher(reader);
        List<float[][]> queries = new ArrayList<>();
        for (int q = 0; q < 3; q++) {
          queries.add(randomMatrix(1 + random().nextInt(8)));
        }
        assertQueriesMatch(searcher, queries);

        // A node goes: replicas are promoted, every document is still there, results unchanged.
        internalCluster().stopRandomDataNode();
        ensureYellow(INDEX);
        assertEquals(numDocs, client().prepareSearch(INDEX).setSize(0).get().getHits().getTotalHits().value());
        assertQueriesMatch(searcher, queries);
      }
    }
  }

  /** Exact, filtered, token-kNN and rescored searches against the library's exact top 10. */
  private void assertQueriesMatch(IndexSearcher library, List<float[][]> queries) throws Exception {
    for (float[][] query : queries) {
      TopDocs exact = library.search(LateInteractionQuery.builder(FIELD, query).k(10).build(), 10);
      assertSameHits(library, exact, search(new LateInteractionQueryBuilder(FIELD, query, 10), null));
      TopDocs red =
          library.search(LateInteractionQuery.builder(FIELD, query).k(10).filter(new TermQuery(new Term("color", "red"))).build(), 10);
      assertSameHits(
          library, red, search(new LateInteractionQueryBuilder(FIELD, query, 10).filter(QueryBuilders.termQuery("color", "red")), null));
      // Every token retrieved: every document is a candidate, scored exactly.
      assertSameHits(library, exact, search(new LateInteractionQueryBuilder(FIELD, query, 10).tokenKnn(100_000, 1 << 18), null));
      // The other first stages, as JSON the shards parse (a wrapper query): toXContent and fromXContent agree.
      for (LateInteractionQueryBuilder allCandidates :
          List.of(
              new LateInteractionQueryBuilder(FIELD, query, 10).summaryKnn(100_000, 2),
              new LateInteractionQueryBuilder(FIELD, query, 10).candidates(QueryBuilders.matchAllQuery(), 100_000),
              new LateInteractionQueryBuilder(FIELD, query, 10).tokenKnn(100_000, 1 << 18).xtrEstimate(true).rescore(100_000))) {
        String json = Strings.toString(MediaTypeRegistry.JSON, allCandidates);
        assertSameHits(library, exact, search(QueryBuilders.wrapperQuery(json), null));
      }
      // Every hit of match_all rescored in each shard.
      assertSameHits(library, exact, search(QueryBuilders.matchAllQuery(), new LateInteractionRescorerBuilder(FIELD, query)));
      // A window smaller than the hits: each shard's hits still come in score order.
      SearchHit[] windowed = search(QueryBuilders.matchAllQuery(), new LateInteractionRescorerBuilder(FIELD, query).windowSize(3)).getHits().getHits();
      for (int i = 1; i < windowed.length; i++) {
        assertTrue("rank " + i, windowed[i - 1].getScore() >= windowed[i].getScore());
      }
      // Inside bool, as any query.
      assertSameHits(
          library,
          red,
          search(
              QueryBuilders.boolQuery()
                  .must(new LateInteractionQueryBuilder(FIELD, query, 10).filter(QueryBuilders.termQuery("color", "red")))
                  .filter(QueryBuilders.termQuery("color", "red")),
              null));
    }
    // explain names MaxSim and the first stage.
    SearchResponse explained =
        client().prepareSearch(INDEX).setQuery(new LateInteractionQueryBuilder(FIELD, queries.get(0), 3).tokenKnn(20, 0)).setExplain(true).get();
    String explanation = explained.getHits().getAt(0).getExplanation().toString();
    assertTrue(
        explanation,
        explanation.contains("MaxSim") && explanation.contains("token kNN") && explanation.contains("best document token"));
  }

  /** Every segment of the index, on every node, was written by the library's codec. */
  private void assertSegmentsUseTheCodec() throws Exception {
    int segments = 0;
    for (IndicesService indices : internalCluster().getDataNodeInstances(IndicesService.class)) {
      for (IndexService index : indices) {
        for (IndexShard shard : index) {
          try (Engine.Searcher searcher = shard.acquireSearcher("test")) {
            for (LeafReaderContext leaf : searcher.getIndexReader().leaves()) {
              SegmentReader segment = Lucene.segmentReader(leaf.reader());
              assertEquals(MultiVector104Codec.NAME, segment.getSegmentInfo().info.getCodec().getName());
              segments++;
            }
          }
        }
      }
    }
    assertTrue(segments > 0);
  }

  private SearchResponse search(QueryBuilder query, LateInteractionRescorerBuilder rescorer) {
    var request = client().prepareSearch(INDEX).setQuery(query).setSize(10);
    if (rescorer != null) {
      request.addRescorer(rescorer.windowSize() == null ? rescorer.windowSize(10_000) : rescorer);
    }
    SearchResponse response = request.get();
    assertEquals(0, response.getFailedShards());
    return response;
  }

  private static void assertSameHits(IndexSearcher library, TopDocs expected, SearchResponse actual) throws Exception {
    SearchHit[] hits = actual.getHits().getHits();
    assertEquals(expected.scoreDocs.length, hits.length);
    for (int i = 0; i < hits.length; i++) {
      ScoreDoc e = expected.scoreDocs[i];
      String rank = String.format(Locale.ROOT, "rank %d", i);
      assertEquals(rank, library.storedFields().document(e.doc).get("_id"), hits[i].getId());
      assertEquals(rank, e.score, hits[i].getScore(), 1e-5f * Math.abs(e.score));
    }
  }

  /**
   * A 1-bit FDE summary vector, oversampled and reordered by its float32 copy in each shard: with
   * every document a candidate, the exact ranking.
   */
  public void testOversampledFdeFirstStage() throws Exception {
    String index = "fde";
    prepareCreate(index)
        .setSettings(indexSettings(true))
        .setMapping(
            "{\"properties\": {\"" + FIELD + "\": {\"type\": \"multi_vector\", \"dims\": " + DIMS + ", \"summary_vector\": \"fde\","
                + " \"fde\": {\"repetitions\": 4, \"sim_hash_bits\": 3, \"projection_dimension\": 8}, \"summary_bits\": 1}}}")
        .get();
    ensureGreen(index);
    BulkRequestBuilder bulk = client().prepareBulk().setRefreshPolicy(WriteRequest.RefreshPolicy.IMMEDIATE);
    for (int i = 0; i < 300; i++) {
      bulk.add(client().prepareIndex(index).setId(Integer.toString(i)).setSource(FIELD, randomMatrix(1 + random().nextInt(20))));
    }
    assertFalse(bulk.get().hasFailures());
    float[][] query = randomMatrix(4);
    SearchHit[] exact =
        client().prepareSearch(index).setQuery(new LateInteractionQueryBuilder(FIELD, query, 10)).get().getHits().getHits();
    SearchHit[] oversampled =
        client().prepareSearch(index)
            .setQuery(new LateInteractionQueryBuilder(FIELD, query, 10).summaryKnn(300, 2))
            .get()
            .getHits()
            .getHits();
    assertEquals(10, exact.length);
    assertEquals(exact.length, oversampled.length);
    for (int i = 0; i < exact.length; i++) {
      assertEquals("rank " + i, exact[i].getId(), oversampled[i].getId());
      assertEquals("rank " + i, exact[i].getScore(), oversampled[i].getScore(), 0f);
    }
  }

  /** Bad documents and queries get 400s that name the problem; the index keeps what it had. */
  public void testBadInputIsRefused() throws Exception {
    String index = "bad-input";
    prepareCreate(index).setSettings(indexSettings(true)).setMapping(mapping()).get();
    ensureGreen(index);
    client().prepareIndex(index).setId("good").setSource(FIELD, randomMatrix(3)).setRefreshPolicy(WriteRequest.RefreshPolicy.IMMEDIATE).get();

    Object[] badValues = {
      new float[][] {new float[DIMS - 1]}, // wrong dimension
      new float[0][], // no tokens
      new float[] {1, 2}, // a vector, not a matrix
      "text", // not an array
      new Object[] {new Object[] {"a", "b"}}, // not numbers
      new float[][] {{1e30f, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0}}, // beyond the value bound
      new double[][] {{1e39, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0}}, // beyond float: infinite
      new Object[] {new Object[] {"NaN", 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0}}, // JSON has no NaN number
    };
    String[] reasons = {
      "dimension", "no token vectors", "array of token vectors", "array of token vectors", "not a number", "1.0E16", "non-finite",
      "not a number"
    };
    for (int i = 0; i < badValues.length; i++) {
      Object value = badValues[i];
      MapperParsingException e =
          expectThrows(MapperParsingException.class, () -> client().prepareIndex(index).setId("bad").setSource(FIELD, value).get());
      assertEquals(RestStatus.BAD_REQUEST, e.status());
      assertTrue(e.getMessage(), e.getMessage().contains("[" + FIELD + "]"));
      String detail = e.getCause() == null ? e.getMessage() : e.getCause().getMessage();
      assertTrue(i + ": " + detail, detail.contains(reasons[i]));
    }
    refresh(index);
    assertEquals(1, client().prepareSearch(index).setSize(0).get().getHits().getTotalHits().value());

    // The mapping changes after the field is mapped: a new field, the same mapping again, a
    // dynamic field. Each merges the multi_vector field's mapper, which must not need the index's
    // settings again.
    assertAcked(client().admin().indices().preparePutMapping(index).setSource("title", "type=keyword"));
    assertAcked(client().admin().indices().preparePutMapping(index).setSource(mapping()));
    client().prepareIndex(index).setId("dynamic").setSource(FIELD, randomMatrix(2), "extra", "new field")
        .setRefreshPolicy(WriteRequest.RefreshPolicy.IMMEDIATE).get();
    assertEquals(
        2, client().prepareSearch(index).setQuery(new LateInteractionQueryBuilder(FIELD, randomMatrix(1), 5)).get().getHits().getHits().length);

    // A query of another dimension than the field's.
    SearchPhaseExecutionException e =
        expectThrows(
            SearchPhaseExecutionException.class,
            () -> client().prepareSearch(index).setQuery(new LateInteractionQueryBuilder(FIELD, new float[][] {{1, 2}}, 3)).get());
    assertEquals(RestStatus.BAD_REQUEST, e.status());
    assertTrue(e.toString(), e.toString().contains("2 dimensions, field [" + FIELD + "] has " + DIMS));

    // Too many tokens for the mapping's max_tokens.
    String small = "small-max-tokens";
    prepareCreate(small)
        .setSettings(indexSettings(true))
        .setMapping(FIELD, "type=multi_vector,dims=" + DIMS + ",max_tokens=5")
        .get();
    MapperParsingException tooMany =
        expectThrows(MapperParsingException.class, () -> client().prepareIndex(small).setSource(FIELD, randomMatrix(6)).get());
    assertEquals(RestStatus.BAD_REQUEST, tooMany.status());
    assertTrue(tooMany.getCause().getMessage(), tooMany.getCause().getMessage().contains("more than maxTokens=5"));

    // Mapping parameters: a bad value is refused naming the field and the parameter.
    for (String[] bad :
        new String[][] {
          {"{\"type\": \"multi_vector\"}", "[dims] is required"},
          {"{\"type\": \"multi_vector\", \"dims\": 8, \"summary_bits\": 3}", "summaryBits must be"},
          {"{\"type\": \"multi_vector\", \"dims\": 8, \"token_index\": {\"type\": \"ivf\"}}", "[token_index.type]"},
          {"{\"type\": \"multi_vector\", \"dims\": 8, \"fde\": {\"buckets\": 4}}", "[fde] has no parameter [buckets]"},
          {"{\"type\": \"multi_vector\", \"dims\": 8, \"similarity\": \"l2\"}", "similarity"},
          {"{\"type\": \"multi_vector\", \"dims\": 8, \"copy_to\": \"other\"}", "takes no [fields] or [copy_to]"},
          {"{\"type\": \"multi_vector\", \"dims\": 8, \"summary_vector\": \"max\", \"fde\": {}}", "[summary_vector] is [max]"},
        }) {
      Exception refused =
          expectThrows(
              Exception.class,
              () -> prepareCreate("bad-mapping")
                  .setSettings(indexSettings(true))
                  .setMapping("{\"properties\": {\"" + FIELD + "\": " + bad[0] + "}}")
                  .get());
      assertTrue(bad[0] + ": " + refused, refused.getMessage().contains(bad[1]) && refused.getMessage().contains(FIELD));
    }

    // The k-NN plugin's codec and ours cannot both serve an index.
    IllegalArgumentException both =
        expectThrows(
            IllegalArgumentException.class,
            () -> prepareCreate("both-codecs")
                .setSettings(Settings.builder().put(indexSettings(true)).put(MultiVectorPlugin.INDEX_KNN, true))
                .get());
    assertTrue(both.getMessage(), both.getMessage().contains("index.multi_vector and index.knn cannot both be true"));

    // multi_vector fields need the index setting that gives the index the library's codec.
    MapperParsingException noSetting =
        expectThrows(MapperParsingException.class, () -> prepareCreate("no-setting").setSettings(indexSettings(false)).setMapping(mapping()).get());
    assertTrue(noSetting.getMessage(), noSetting.getMessage().contains("index.multi_vector"));
  }
}
