package dev.multivector.lucene.adversarial;

import static dev.multivector.lucene.adversarial.Snapshots.FIELD;

import dev.multivector.lucene.codec.MultiVector104Codec;
import dev.multivector.lucene.document.MultiVectorField;
import dev.multivector.lucene.document.MultiVectorFieldConfig;
import dev.multivector.lucene.search.LateInteractionQuery;
import dev.multivector.lucene.search.MaxSimValuesSource;
import java.util.HashMap;
import java.util.Map;
import java.util.Random;
import org.apache.lucene.document.Document;
import org.apache.lucene.index.DirectoryReader;
import org.apache.lucene.index.IndexWriter;
import org.apache.lucene.index.LeafReaderContext;
import org.apache.lucene.index.VectorSimilarityFunction;
import org.apache.lucene.search.IndexSearcher;
import org.apache.lucene.search.TopDocs;
import org.apache.lucene.store.Directory;
import org.apache.lucene.tests.util.LuceneTestCase;
import org.apache.lucene.util.BytesRef;

/**
 * Random hostile documents and queries (empty, ragged, non-finite, huge, zero vectors for COSINE,
 * wrong dimensions, too many tokens, and some valid ones among them): each is refused with an
 * {@link IllegalArgumentException} that names the problem, or accepted; the writer stays usable,
 * and every accepted document is in the index, bit for bit. More rounds with {@code
 * -Dtests.nightly=true}.
 */
public class TestHostileDocuments extends LuceneTestCase {

  private static final float[] NASTY = {
    Float.NaN,
    Float.POSITIVE_INFINITY,
    Float.NEGATIVE_INFINITY,
    Float.MAX_VALUE,
    -Float.MAX_VALUE,
    1e17f,
    MultiVectorFieldConfig.MAX_ABS_VALUE,
    Float.MIN_VALUE,
    -0f,
    0f
  };

  /** A matrix with, often, one thing wrong with it. */
  private static float[][] hostile(Random random, int dim) {
    int tokens = random.nextInt(12) == 0 ? 0 : 1 + random.nextInt(20);
    float[][] m = Snapshots.matrix(random, tokens, dim);
    if (tokens == 0) {
      return random.nextBoolean() ? m : null;
    }
    switch (random.nextInt(8)) {
      case 0 -> m[random.nextInt(tokens)] = null;
      case 1 -> m[random.nextInt(tokens)] = new float[random.nextInt(2 * dim + 1)];
      case 2, 3 -> m[random.nextInt(tokens)][random.nextInt(dim)] = NASTY[random.nextInt(NASTY.length)];
      case 4 -> m[random.nextInt(tokens)] = new float[dim]; // a zero vector
      default -> {} // valid
    }
    return m;
  }

  public void testHostileDocumentsAndQueries() throws Exception {
    int dim = 4;
    MultiVectorFieldConfig dot =
        MultiVectorFieldConfig.builder(dim)
            .maxTokens(15)
            .tokenGraph(new MultiVectorFieldConfig.Graph(8, 16))
            .centroidIndex(2)
            // the summary vector as a wide FDE (values summed over tokens and projected), quantized
            .fde(random().nextBoolean() ? new MultiVectorFieldConfig.Fde(8, 4, 16, random().nextLong()) : null)
            .summaryBits(random().nextBoolean() ? 1 : 32)
            .build();
    MultiVectorFieldConfig cosine =
        MultiVectorFieldConfig.builder(dim).similarity(VectorSimilarityFunction.COSINE).build();
    Map<String, BytesRef> accepted = new HashMap<>();
    int refused = 0;
    try (Directory dir = newDirectory();
        IndexWriter writer = new IndexWriter(dir, newIndexWriterConfig().setCodec(new MultiVector104Codec()))) {
      int rounds = TEST_NIGHTLY ? 20_000 : 500;
      for (int i = 0; i < rounds; i++) {
        String id = Integer.toString(i);
        float[][] matrix = hostile(random(), dim);
        Document doc;
        if (random().nextInt(4) == 0) { // COSINE refuses zero vectors too; not indexed here
          try {
            new MultiVectorField("other", matrix, cosine);
          } catch (IllegalArgumentException e) {
            assertNotNull(e.getMessage());
          }
        }
        try {
          doc = Snapshots.doc(id, matrix, dot);
        } catch (IllegalArgumentException e) {
          assertNotNull(e.getMessage());
          refused++;
          continue;
        }
        writer.addDocument(doc);
        accepted.put(id, BytesRef.deepCopyOf(doc.getBinaryValue(Snapshots.EXPECTED)));
        if (random().nextInt(100) == 0) {
          writer.commit();
        }
      }
      writer.forceMerge(1); // merges requantize and rebuild from the hostile values
      writer.commit();
      assertTrue("refused " + refused, refused > 0);
      assertTrue("accepted " + accepted.size(), accepted.isEmpty() == false);
      try (DirectoryReader reader = DirectoryReader.open(dir)) {
        Map<String, BytesRef> stored = new HashMap<>();
        for (LeafReaderContext context : reader.leaves()) {
          for (int d = 0; d < context.reader().maxDoc(); d++) {
            Document doc = context.reader().storedFields().document(d);
            stored.put(doc.get(Snapshots.ID), doc.getBinaryValue(Snapshots.EXPECTED));
          }
        }
        assertEquals(accepted, stored);
        IndexSearcher searcher = newSearcher(reader);
        for (int q = 0; q < 200; q++) {
          float[][] query = hostile(random(), random().nextInt(10) == 0 ? dim + 1 : dim);
          boolean tokenKnn = random().nextBoolean();
          TopDocs hits;
          try {
            LateInteractionQuery.Builder builder = LateInteractionQuery.builder(FIELD, query).k(5);
            if (tokenKnn) {
              builder.tokenKnn(1 + random().nextInt(100));
            }
            if (random().nextInt(10) == 0) {
              new MaxSimValuesSource(FIELD, query);
            }
            hits = searcher.search(builder.build(), 5);
          } catch (IllegalArgumentException e) {
            assertNotNull(e.getMessage());
            continue;
          }
          if (tokenKnn == false) { // a small k' is approximate: exact searches are compared
            Snapshots.assertRanksAsBruteForce(searcher, hits, query, 5);
          }
        }
      }
    }
  }
}
