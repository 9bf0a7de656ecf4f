package dev.multivector.lucene.search;

import static dev.multivector.lucene.search.TestLateInteractionQuery.randomMatrix;

import dev.multivector.lucene.MaxSimReference;
import dev.multivector.lucene.codec.MultiVector104Codec;
import dev.multivector.lucene.codec.MultiVectorValues;
import dev.multivector.lucene.document.MultiVectorField;
import dev.multivector.lucene.document.MultiVectorFieldConfig;
import dev.multivector.lucene.document.MultiVectorFieldConfig.Encoding;
import java.io.IOException;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.Comparator;
import java.util.HashMap;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import org.apache.lucene.codecs.lucene104.Lucene104HnswScalarQuantizedVectorsFormat;
import org.apache.lucene.document.Document;
import org.apache.lucene.document.Field;
import org.apache.lucene.document.StringField;
import org.apache.lucene.index.DirectoryReader;
import org.apache.lucene.index.IndexWriter;
import org.apache.lucene.index.IndexWriterConfig;
import org.apache.lucene.index.LeafReader;
import org.apache.lucene.index.LeafReaderContext;
import org.apache.lucene.index.Term;
import org.apache.lucene.search.Explanation;
import org.apache.lucene.search.IndexSearcher;
import org.apache.lucene.search.Query;
import org.apache.lucene.search.ScoreDoc;
import org.apache.lucene.search.TermQuery;
import org.apache.lucene.search.TopDocs;
import org.apache.lucene.store.Directory;
import org.apache.lucene.store.MMapDirectory;
import org.apache.lucene.tests.util.LuceneTestCase;
import org.apache.lucene.tests.util.TestUtil;
import org.apache.lucene.util.BytesRef;

/**
 * The INT8 and BIT encodings: their scores against float32 MaxSim, rescoring with the raw
 * vectors, and the raw vectors kept through merges.
 */
public class TestEncodings extends LuceneTestCase {

  private static final String FIELD = "mv";

  private Directory dir;
  private DirectoryReader reader;
  private final Map<String, float[][]> matrices = new HashMap<>(); // live docs with a value, by id

  @Override
  public void tearDown() throws Exception {
    if (reader != null) {
      reader.close();
    }
    if (dir != null) {
      dir.close();
    }
    super.tearDown();
  }

  /**
   * Random documents over several segments with deletions, the first half with {@code first}'s
   * encoding and the rest with {@code second}'s (each segment records one).
   */
  private IndexSearcher index(int dim, int numDocs, MultiVectorFieldConfig first, MultiVectorFieldConfig second)
      throws IOException {
    dir = random().nextBoolean() ? new MMapDirectory(createTempDir("encodings")) : newDirectory();
    IndexWriterConfig iwc =
        newIndexWriterConfig().setCodec(new MultiVector104Codec()).setMaxBufferedDocs(TestUtil.nextInt(random(), 10, 40));
    try (IndexWriter writer = new IndexWriter(dir, iwc)) {
      for (int i = 0; i < numDocs; i++) {
        if (i == numDocs / 2) {
          writer.commit(); // the second configuration starts a segment
        }
        String id = Integer.toString(i);
        Document doc = new Document();
        doc.add(new StringField("id", id, Field.Store.YES));
        doc.add(new StringField("color", i % 3 == 0 ? "red" : "blue", Field.Store.NO));
        float[][] matrix = randomMatrix(TestUtil.nextInt(random(), 1, 40), dim);
        doc.add(new MultiVectorField(FIELD, matrix, i < numDocs / 2 ? first : second));
        matrices.put(id, matrix);
        writer.addDocument(doc);
        if (random().nextInt(15) == 0) {
          String deleted = Integer.toString(random().nextInt(i + 1));
          writer.deleteDocuments(new Term("id", deleted));
          matrices.remove(deleted);
        }
      }
      if (random().nextBoolean()) {
        writer.forceMerge(1); // merges encode the raw vectors again, with the last configuration
      }
    }
    reader = DirectoryReader.open(dir);
    return newSearcher(reader);
  }

  private static MultiVectorFieldConfig config(int dim, Encoding encoding) {
    return MultiVectorFieldConfig.builder(dim).encoding(encoding).build();
  }

  private static Encoding randomCompressed() {
    return random().nextBoolean() ? Encoding.INT8 : Encoding.BIT;
  }

  private String id(IndexSearcher searcher, int doc) throws IOException {
    return searcher.storedFields().document(doc).get("id");
  }

  /** The ids of the exact top k by a double-precision MaxSim. */
  private List<String> exactTopK(float[][] query, int k) {
    List<String> ids = new ArrayList<>(matrices.keySet());
    ids.sort(
        Comparator.comparingDouble((String id) -> -MaxSimReference.maxSim(query, matrices.get(id)))
            .thenComparing(id -> id));
    return ids.subList(0, Math.min(k, ids.size()));
  }

  public void testInt8ScoresAreWithinTheirErrorBound() throws Exception {
    int dim = TestUtil.nextInt(random(), 1, 200);
    IndexSearcher searcher = index(dim, atLeast(80), config(dim, Encoding.INT8), config(dim, Encoding.INT8));
    float[][] query = randomMatrix(TestUtil.nextInt(random(), 1, 12), dim);
    TopDocs hits = searcher.search(LateInteractionQuery.builder(FIELD, query).k(matrices.size()).build(), matrices.size());
    assertEquals(matrices.size(), hits.scoreDocs.length);
    for (ScoreDoc hit : hits.scoreDocs) {
      float[][] doc = matrices.get(id(searcher, hit.doc));
      // Each component is off by at most half its token's step, max |x| / 254.
      double bound = 0;
      for (float[] q : query) {
        double l1 = 0;
        for (float x : q) {
          l1 += Math.abs(x);
        }
        double worst = 0;
        for (float[] token : doc) {
          for (float x : token) {
            worst = Math.max(worst, Math.abs(x) / 254);
          }
        }
        bound += l1 * worst;
      }
      double exact = MaxSimReference.maxSim(query, doc);
      assertEquals(exact, LateInteractionQuery.maxSim(hit.score), bound * 1.01 + MaxSimReference.tolerance(query, doc));
    }
  }

  public void testEncodedRankingTracksFloat32() throws Exception {
    int dim = 64;
    Encoding encoding = randomCompressed();
    IndexSearcher searcher = index(dim, 300, config(dim, encoding), config(dim, encoding));
    int found = 0, wanted = 0;
    for (int iter = 0; iter < 10; iter++) {
      float[][] query = randomMatrix(8, dim);
      Set<String> expected = new HashSet<>(exactTopK(query, 10));
      TopDocs hits = searcher.search(LateInteractionQuery.builder(FIELD, query).k(10).build(), 10);
      for (ScoreDoc hit : hits.scoreDocs) {
        found += expected.contains(id(searcher, hit.doc)) ? 1 : 0;
      }
      wanted += expected.size();
    }
    // Measured over 12 seeds of this unstructured Gaussian data: INT8 keeps 0.98 to 1.0 of the top
    // 10, BIT 0.21 to 0.30 (a first ranking, to be rescored); a random ranking keeps 10 / 300.
    double recall = (double) found / wanted;
    assertTrue(encoding + " recall@10 " + recall, recall >= (encoding == Encoding.INT8 ? 0.9 : 0.12));
  }

  public void testRescoringEverythingIsExact() throws Exception {
    int dim = TestUtil.nextInt(random(), 2, 48);
    IndexSearcher searcher =
        index(dim, atLeast(100), config(dim, randomCompressed()), config(dim, randomCompressed()));
    for (int iter = 0; iter < 3; iter++) {
      float[][] query = randomMatrix(TestUtil.nextInt(random(), 1, 8), dim);
      int k = TestUtil.nextInt(random(), 1, 10);
      TopDocs hits =
          searcher.search(LateInteractionQuery.builder(FIELD, query).k(k).rescore(matrices.size()).build(), k);
      List<String> expected = exactTopK(query, k);
      assertEquals(expected.size(), hits.scoreDocs.length);
      for (int i = 0; i < k; i++) {
        float[][] doc = matrices.get(expected.get(i));
        float actual = LateInteractionQuery.maxSim(hits.scoreDocs[i].score);
        assertEquals("rank " + i, MaxSimReference.maxSim(query, doc), actual, MaxSimReference.tolerance(query, doc));
      }
    }
  }

  public void testRescoringFewerThanKRescoresK() throws Exception {
    int dim = TestUtil.nextInt(random(), 2, 16);
    IndexSearcher searcher = index(dim, 40, config(dim, Encoding.BIT), config(dim, Encoding.BIT));
    float[][] query = randomMatrix(2, dim);
    TopDocs hits = searcher.search(LateInteractionQuery.builder(FIELD, query).k(10).rescore(1).build(), 10);
    assertEquals(Math.min(10, matrices.size()), hits.scoreDocs.length);
    for (ScoreDoc hit : hits.scoreDocs) {
      float[][] doc = matrices.get(id(searcher, hit.doc));
      assertEquals(MaxSimReference.maxSim(query, doc), LateInteractionQuery.maxSim(hit.score), MaxSimReference.tolerance(query, doc));
    }
  }

  public void testTimeoutsNeverMixEncodedAndExactScores() throws Exception {
    int dim = TestUtil.nextInt(random(), 2, 16);
    IndexSearcher searcher = index(dim, atLeast(60), config(dim, Encoding.BIT), config(dim, Encoding.BIT));
    float[][] query = randomMatrix(2, dim);
    for (int calls = 0; calls < 40; calls += TestUtil.nextInt(random(), 1, 4)) {
      // Whenever the timeout strikes (before, during or after rescoring), each hit's score is
      // what its explanation computes: all exact if rescored, all encoded if not.
      searcher.setTimeout(TestReaderWrappers.exitAfter(calls));
      Query rewritten = searcher.rewrite(LateInteractionQuery.builder(FIELD, query).k(5).rescore(20).build());
      TopDocs hits = searcher.search(rewritten, 5);
      searcher.setTimeout(null);
      assertTrue(hits.scoreDocs.length <= 5);
      for (ScoreDoc hit : hits.scoreDocs) {
        assertEquals(rewritten.toString(), hit.score, searcher.explain(rewritten, hit.doc).getValue().floatValue(), 1e-5f);
      }
    }
  }

  public void testRescoreWithFilterAndExplain() throws Exception {
    int dim = TestUtil.nextInt(random(), 2, 32);
    Encoding encoding = randomCompressed();
    IndexSearcher searcher = index(dim, atLeast(60), config(dim, encoding), config(dim, encoding));
    float[][] query = randomMatrix(3, dim);
    Query filter = new TermQuery(new Term("color", "red"));
    Query rescored = LateInteractionQuery.builder(FIELD, query).k(5).filter(filter).rescore(20).build();
    TopDocs hits = searcher.search(rescored, 5);
    assertTrue(hits.scoreDocs.length > 0);
    for (ScoreDoc hit : hits.scoreDocs) {
      int number = Integer.parseInt(id(searcher, hit.doc));
      assertEquals("the filter applies", 0, number % 3);
      float[][] doc = matrices.get(Integer.toString(number));
      assertEquals(MaxSimReference.maxSim(query, doc), LateInteractionQuery.maxSim(hit.score), MaxSimReference.tolerance(query, doc));
      Explanation explanation = searcher.explain(rescored, hit.doc);
      assertEquals(hit.score, explanation.getValue().floatValue(), 1e-5f);
      String text = explanation.toString();
      if (reader.leaves().size() == 1 || text.contains(encoding.name())) {
        // A segment of this encoding shows both values.
        assertTrue(text, text.contains(encoding + " MaxSim, from the compressed tokens: the first ranking"));
        assertTrue(text, text.contains("exact (float32) MaxSim"));
      }
      assertTrue(text, text.contains("rescored with exact MaxSim"));
    }
    // Without rescoring, the score is the encoded MaxSim and the explanation says so.
    Query encoded = LateInteractionQuery.builder(FIELD, query).k(5).build();
    ScoreDoc top = searcher.search(encoded, 1).scoreDocs[0];
    Explanation explanation = searcher.explain(encoded, top.doc);
    assertEquals(top.score, explanation.getValue().floatValue(), 1e-5f);
    assertTrue(explanation.toString(), explanation.toString().contains(encoding + " MaxSim, from the compressed tokens: the score"));
  }

  public void testRescoreAfterEveryFirstStage() throws Exception {
    int dim = TestUtil.nextInt(random(), 2, 24);
    MultiVectorFieldConfig config =
        MultiVectorFieldConfig.builder(dim)
            .encoding(randomCompressed())
            .tokenGraph(new MultiVectorFieldConfig.Graph(16, 50))
            // the summary-vector first stage on the mean or on an FDE
            .fde(random().nextBoolean() ? new MultiVectorFieldConfig.Fde(4, 2, 4, random().nextLong()) : null)
            .build();
    IndexSearcher searcher = index(dim, atLeast(60), config, config);
    float[][] query = randomMatrix(TestUtil.nextInt(random(), 1, 6), dim);
    int k = 5;
    List<LateInteractionQuery.Builder> builders =
        List.of(
            LateInteractionQuery.builder(FIELD, query).k(k).tokenKnn(1000),
            LateInteractionQuery.builder(FIELD, query).k(k).tokenKnn(1000).xtrEstimate(),
            LateInteractionQuery.builder(FIELD, query).k(k).summaryKnn(matrices.size()),
            LateInteractionQuery.builder(FIELD, query).k(k).candidates(new TermQuery(new Term("color", "blue")), 1000));
    for (LateInteractionQuery.Builder builder : builders) {
      // Every candidate rescored: the hits are the exact top k of the candidates, with exact scores.
      Query rescored = builder.rescore(matrices.size()).build();
      TopDocs hits = searcher.search(rescored, k);
      assertTrue(rescored.toString(), hits.scoreDocs.length > 0);
      for (ScoreDoc hit : hits.scoreDocs) {
        float[][] doc = matrices.get(id(searcher, hit.doc));
        assertEquals(
            rescored.toString(),
            MaxSimReference.maxSim(query, doc),
            LateInteractionQuery.maxSim(hit.score),
            MaxSimReference.tolerance(query, doc));
        assertEquals(hit.score, searcher.explain(rescored, hit.doc).getValue().floatValue(), 1e-5f);
      }
    }
  }

  public void testRawVectorsSurviveMerges() throws Exception {
    int dim = TestUtil.nextInt(random(), 1, 40);
    IndexSearcher searcher = index(dim, atLeast(50), config(dim, randomCompressed()), config(dim, randomCompressed()));
    int checked = 0;
    for (LeafReaderContext leaf : reader.leaves()) {
      MultiVectorValues values = MultiVectorValues.of(leaf.reader(), FIELD);
      for (int doc = values.nextDoc(); doc != MultiVectorValues.NO_MORE_DOCS; doc = values.nextDoc()) {
        if (leaf.reader().getLiveDocs() != null && leaf.reader().getLiveDocs().get(doc) == false) {
          continue;
        }
        float[][] expected = matrices.get(leaf.reader().storedFields().document(doc).get("id"));
        float[] tokens = new float[values.tokenCount() * dim];
        values.readTokens(tokens);
        for (int t = 0; t < expected.length; t++) {
          for (int k = 0; k < dim; k++) {
            assertEquals(Float.floatToIntBits(expected[t][k]), Float.floatToIntBits(tokens[t * dim + k]));
          }
        }
        BytesRef value = values.binaryValue();
        assertEquals(Integer.BYTES + expected.length * dim * Float.BYTES, value.length);
        checked++;
      }
    }
    assertEquals(matrices.size(), checked);
    assertNotNull(searcher);
  }

  /** The values a token stands for in {@code encoding}, computed as the codec documents them. */
  private static float[][] decoded(float[][] tokens, Encoding encoding) {
    int dim = tokens[0].length;
    float[][] decoded = new float[tokens.length][dim];
    for (int t = 0; t < tokens.length; t++) {
      float maxAbs = 0;
      double l1 = 0;
      for (float x : tokens[t]) {
        maxAbs = Math.max(maxAbs, Math.abs(x));
        l1 += Math.abs(x);
      }
      for (int k = 0; k < dim; k++) {
        float x = tokens[t][k];
        decoded[t][k] =
            encoding == Encoding.INT8
                ? maxAbs / 127 * Math.round(x / maxAbs * 127)
                : (x > 0 ? 1 : -1) * (float) (l1 / dim);
      }
    }
    return decoded;
  }

  public void testDroppedRawVectorsReadAsDecodedThroughMerges() throws Exception {
    int dim = TestUtil.nextInt(random(), 1, 40);
    Encoding encoding = randomCompressed();
    MultiVectorFieldConfig config =
        MultiVectorFieldConfig.builder(dim).encoding(encoding).keepRawVectors(false).build();
    IndexSearcher searcher = index(dim, atLeast(60), config, config);
    matrices.replaceAll((id, matrix) -> decoded(matrix, encoding));
    long rawBytes = 0, encodedBytes = 0;
    for (String file : dir.listAll()) {
      rawBytes += file.endsWith(".mvd") ? dir.fileLength(file) : 0;
      encodedBytes += file.endsWith(".mve") ? dir.fileLength(file) : 0;
    }
    // Without the raw panels, the data file holds only addresses (or is in a compound file).
    assertTrue(rawBytes + " bytes of .mvd, " + encodedBytes + " of .mve", rawBytes < encodedBytes || encodedBytes == 0);
    for (LeafReaderContext leaf : reader.leaves()) {
      MultiVectorValues values = MultiVectorValues.of(leaf.reader(), FIELD);
      assertFalse(values.hasRawVectors());
      for (int doc = values.nextDoc(); doc != MultiVectorValues.NO_MORE_DOCS; doc = values.nextDoc()) {
        float[][] expected = matrices.get(leaf.reader().storedFields().document(doc).get("id"));
        if (expected == null) {
          continue; // deleted
        }
        float[] tokens = new float[values.tokenCount() * dim];
        values.readTokens(tokens);
        for (int t = 0; t < expected.length; t++) {
          for (int k = 0; k < dim; k++) {
            // Merges encode the decoded values again: the same codes, a scale within rounding.
            assertEquals(expected[t][k], tokens[t * dim + k], 1e-6f * Math.abs(expected[t][k]));
          }
        }
      }
    }
    // Rescoring reads the decoded values: rescoring everything is exact over them.
    float[][] query = randomMatrix(3, dim);
    int k = 5;
    TopDocs hits = searcher.search(LateInteractionQuery.builder(FIELD, query).k(k).rescore(matrices.size()).build(), k);
    List<String> expected = exactTopK(query, k);
    for (int i = 0; i < hits.scoreDocs.length; i++) {
      float[][] doc = matrices.get(expected.get(i));
      assertEquals(MaxSimReference.maxSim(query, doc), LateInteractionQuery.maxSim(hits.scoreDocs[i].score), 1e-4 + MaxSimReference.tolerance(query, doc));
    }
  }

  public void testRawVectorsCannotBeDroppedFromFloat32() {
    IllegalArgumentException e =
        expectThrows(
            IllegalArgumentException.class,
            () -> MultiVectorFieldConfig.builder(4).keepRawVectors(false).build());
    assertTrue(e.getMessage(), e.getMessage().contains("needs a compressed encoding"));
  }

  public void testMergingSegmentsOfDifferentSettings() throws Exception {
    // Lucene merges the segments' field attributes, the last one's winning: a merged field holds
    // settings of several configurations, and must still read as one.
    int dim = TestUtil.nextInt(random(), 1, 24);
    List<MultiVectorFieldConfig> configs =
        new ArrayList<>(
            List.of(
                MultiVectorFieldConfig.builder(dim).encoding(Encoding.INT8).keepRawVectors(false).build(),
                config(dim, Encoding.FLOAT32),
                MultiVectorFieldConfig.builder(dim).encoding(Encoding.BIT).keepRawVectors(false).build(),
                config(dim, Encoding.BIT),
                // summary vectors stored quantized, flat or in a graph
                MultiVectorFieldConfig.builder(dim).summaryBits(1).build(),
                MultiVectorFieldConfig.builder(dim)
                    .encoding(Encoding.INT8)
                    .summaryBits(8)
                    .summaryGraph(new MultiVectorFieldConfig.Graph(8, 20))
                    .build()));
    java.util.Collections.shuffle(configs, random());
    dir = newDirectory();
    try (IndexWriter writer = new IndexWriter(dir, newIndexWriterConfig().setCodec(new MultiVector104Codec()))) {
      for (MultiVectorFieldConfig config : configs) {
        for (int i = 0; i < 10; i++) {
          Document doc = new Document();
          doc.add(new MultiVectorField(FIELD, randomMatrix(TestUtil.nextInt(random(), 1, 20), dim), config));
          writer.addDocument(doc);
        }
        writer.commit();
      }
      writer.forceMerge(1);
    }
    reader = DirectoryReader.open(dir);
    IndexSearcher searcher = newSearcher(reader);
    // The merged segment records one of the configurations (its last source's), and is stored as
    // that one says.
    LeafReader merged = reader.leaves().get(0).reader();
    MultiVectorFieldConfig recorded = MultiVectorFieldConfig.fromFieldInfo(merged.getFieldInfos().fieldInfo(FIELD));
    assertTrue(recorded.toString(), configs.contains(recorded));
    MultiVectorValues values = MultiVectorValues.of(merged, FIELD);
    assertEquals(recorded.encoding(), values.encoding());
    assertEquals(recorded.keepRawVectors(), values.hasRawVectors());
    assertEquals(
        recorded.summaryBits() == 32 ? "Lucene99HnswVectorsFormat" : Lucene104HnswScalarQuantizedVectorsFormat.NAME,
        merged.getFieldInfos().fieldInfo(FIELD).getAttribute("PerFieldKnnVectorsFormat.format"));
    assertEquals(merged.maxDoc(), merged.getFloatVectorValues(FIELD).size());
    float[][] query = randomMatrix(2, dim);
    TopDocs exhaustive = searcher.search(LateInteractionQuery.builder(FIELD, query).k(5).rescore(10).build(), 5);
    assertEquals(5, exhaustive.scoreDocs.length);
    TopDocs bySummary =
        searcher.search(LateInteractionQuery.builder(FIELD, query).k(5).summaryKnn(merged.maxDoc()).rescore(10).build(), 5);
    assertEquals(scores(exhaustive), scores(bySummary));
  }

  private static List<Float> scores(TopDocs hits) {
    return Arrays.stream(hits.scoreDocs).map(hit -> hit.score).toList();
  }

  public void testRescoreMustBePositive() {
    IllegalArgumentException e =
        expectThrows(
            IllegalArgumentException.class,
            () -> LateInteractionQuery.builder(FIELD, new float[][] {{1f}}).k(1).rescore(0));
    assertTrue(e.getMessage(), e.getMessage().contains("rescore must be at least 1"));
  }
}
