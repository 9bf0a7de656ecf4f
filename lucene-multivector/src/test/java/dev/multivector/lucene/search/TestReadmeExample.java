package dev.multivector.lucene.search;

import static dev.multivector.lucene.search.TestLateInteractionQuery.randomMatrix;

import dev.multivector.lucene.codec.MultiVector104Codec;
import dev.multivector.lucene.document.MultiVectorField;
import dev.multivector.lucene.document.MultiVectorFieldConfig;
import java.util.List;
import org.apache.lucene.document.Document;
import org.apache.lucene.document.Field;
import org.apache.lucene.document.LateInteractionField;
import org.apache.lucene.document.TextField;
import org.apache.lucene.index.DirectoryReader;
import org.apache.lucene.index.IndexWriter;
import org.apache.lucene.index.IndexWriterConfig;
import org.apache.lucene.index.Term;
import org.apache.lucene.index.VectorSimilarityFunction;
import org.apache.lucene.queries.function.FunctionScoreQuery;
import org.apache.lucene.search.FieldExistsQuery;
import org.apache.lucene.search.IndexSearcher;
import org.apache.lucene.search.Query;
import org.apache.lucene.search.TermQuery;
import org.apache.lucene.search.TopDocs;
import org.apache.lucene.store.ByteBuffersDirectory;
import org.apache.lucene.store.Directory;
import org.apache.lucene.tests.util.LuceneTestCase;

/** The README's examples, as written there. */
public class TestReadmeExample extends LuceneTestCase {

  public void testIndexAndSearch() throws Exception {
    float[][] tokenVectors = randomMatrix(40, 128); // one document's token vectors
    float[][] queryVectors = randomMatrix(32, 128);

    // --- README: indexing ---
    MultiVectorFieldConfig config =
        MultiVectorFieldConfig.builder(128) // token dimension
            .similarity(VectorSimilarityFunction.DOT_PRODUCT) // the default; COSINE normalises
            .centroidIndex(2) // optional: per-token index (tokenKnn), PLAID/WARP-style
            .encoding(MultiVectorFieldConfig.Encoding.INT8) // optional: score int8 (or BIT) copies
            .pooling(2, 1) // optional: hierarchical token pooling, factor 2
            .build();
    Directory dir = new ByteBuffersDirectory();
    IndexWriter writer = new IndexWriter(dir, new IndexWriterConfig().setCodec(new MultiVector104Codec()));
    Document doc = new Document();
    doc.add(new TextField("body", "lucene rocks", Field.Store.NO));
    doc.add(new MultiVectorField("colbert", tokenVectors, config));
    writer.addDocument(doc);
    writer.close();

    // --- README: searching ---
    IndexSearcher searcher = new IndexSearcher(DirectoryReader.open(dir));
    Query exact = LateInteractionQuery.builder("colbert", queryVectors).k(10).build();
    Query tokenKnn = LateInteractionQuery.builder("colbert", queryVectors).k(10).tokenKnn(200).build();
    Query xtr =
        LateInteractionQuery.builder("colbert", queryVectors).k(10).tokenKnn(200).xtrEstimate().rescore(100).build();
    Query rescored = LateInteractionQuery.builder("colbert", queryVectors).k(10).rescore(100).build();
    Query hybrid =
        LateInteractionQuery.builder("colbert", queryVectors)
            .k(10)
            .candidates(new TermQuery(new Term("body", "lucene")), 100)
            .build();
    TopDocs hits = searcher.search(exact, 10);
    for (Query q : List.of(tokenKnn, xtr, rescored, hybrid)) {
      assertEquals(hits.scoreDocs[0].doc, searcher.search(q, 10).scoreDocs[0].doc);
    }
    float maxSim = LateInteractionQuery.maxSim(hits.scoreDocs[0].score); // the raw MaxSim
    assertTrue(Float.isFinite(maxSim));

    TopDocs bm25Hits = searcher.search(new TermQuery(new Term("body", "lucene")), 100);
    TopDocs reranked = new MaxSimRescorer("colbert", queryVectors).rescore(searcher, bm25Hits, 10);
    Query everyDoc =
        new FunctionScoreQuery(
            new FieldExistsQuery("colbert"), new MaxSimValuesSource("colbert", queryVectors));
    // The rescorer and the values source score exactly, as rescore(n) does: INT8 scores are close.
    float exactScore = searcher.search(rescored, 1).scoreDocs[0].score;
    assertEquals(exactScore, reranked.scoreDocs[0].score, 0f);
    assertEquals(exactScore, searcher.search(everyDoc, 1).scoreDocs[0].score, 0f);
    assertEquals(exactScore, hits.scoreDocs[0].score, 0.01f * exactScore);
    searcher.getIndexReader().close();
    dir.close();
  }

  public void testComingFromLateInteractionField() throws Exception {
    Directory dir = new ByteBuffersDirectory();
    // --- README: a field of Lucene's LateInteractionField, declared to the codec ---
    IndexWriterConfig iwc = new IndexWriterConfig().setCodec(new MultiVector104Codec(List.of("colbert")));
    IndexWriter writer = new IndexWriter(dir, iwc);
    Document doc = new Document();
    doc.add(new LateInteractionField("colbert", randomMatrix(10, 64)));
    writer.addDocument(doc);
    writer.forceMerge(1); // rewrites older segments in the fast layout
    writer.close();
    IndexSearcher searcher = new IndexSearcher(DirectoryReader.open(dir));
    Query query = LateInteractionQuery.builder("colbert", randomMatrix(3, 64)).k(10).build();
    assertEquals(1, searcher.search(query, 10).totalHits.value());
    searcher.getIndexReader().close();
    dir.close();
  }
}
