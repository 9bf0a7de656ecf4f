package dev.multivector.bench;

import dev.multivector.bench.data.SyntheticMultiVectors;
import dev.multivector.bench.data.VectorDataset;
import dev.multivector.lucene.codec.MultiVector104Codec;
import dev.multivector.lucene.document.MultiVectorField;
import dev.multivector.lucene.document.MultiVectorFieldConfig;
import dev.multivector.lucene.document.MultiVectorFieldConfig.Encoding;
import dev.multivector.lucene.internal.vectorization.KernelProvider;
import dev.multivector.lucene.search.LateInteractionQuery;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.HashSet;
import java.util.List;
import java.util.Set;
import java.util.Locale;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import org.apache.lucene.document.Document;
import org.apache.lucene.document.LateInteractionField;
import org.apache.lucene.index.DirectoryReader;
import org.apache.lucene.index.IndexReader;
import org.apache.lucene.index.IndexWriter;
import org.apache.lucene.index.IndexWriterConfig;
import org.apache.lucene.index.LeafReaderContext;
import org.apache.lucene.index.VectorSimilarityFunction;
import org.apache.lucene.search.IndexSearcher;
import org.apache.lucene.search.LateInteractionFloatValuesSource;
import org.apache.lucene.search.MatchAllDocsQuery;
import org.apache.lucene.search.ScoreDoc;
import org.apache.lucene.search.Sort;
import org.apache.lucene.search.TopDocs;
import org.apache.lucene.store.FSDirectory;
import org.apache.lucene.util.IOUtils;

/**
 * Exhaustive late-interaction search latency, this project in each encoding against Lucene's
 * built-in, in one run: the same ColPali-shaped pages ({@link SyntheticMultiVectors#colpaliLike}'s
 * generator) indexed with MultiVector104Codec in a FLOAT32, an INT8 and a BIT field, and with
 * Lucene's LateInteractionField and its default codec, force-merged to one segment, searched for
 * the top k by a searcher on a thread pool that scores the segment in one partition per thread.
 * Each row's recall@k is against the FLOAT32 field's exact top k.
 *
 * <p>Defaults: the seed benchmark's haystack, 1,230 pages x 1,024 tokens x dim 128, 20 query
 * tokens, k = 20, 2 threads.
 */
final class ExhaustiveLatency {

  record Config(int docs, int tokens, int dim, int queryTokens, int k, int threads, int warmup, int queries) {
    /** The roofline tool's arguments for this shape. */
    String[] rooflineShape() {
      return new String[] {"" + dim, "" + tokens, "" + queryTokens, "" + docs};
    }
  }

  record Result(String engine, double p50, double p99, double mean, double recall) {}

  /** What is compared: the field searched and how many hits are rescored (0: none). */
  private record Row(String label, String field, MultiVectorFieldConfig config, int rescore) {}

  /** The rescoring depth of the compressed encodings' rows (and BIT's at two and four times it). */
  static int rescore(Config c) {
    return 5 * c.k;
  }

  static List<Result> run(Config c, Path workDir) throws IOException {
    Path ours = workDir.resolve("exhaustive-multivector");
    Path lucene = workDir.resolve("exhaustive-lucene");
    IOUtils.rm(ours, lucene);
    // Seeded ColPali-shaped pages: clustered patch vectors, and queries drawn from a page.
    VectorDataset data =
        SyntheticMultiVectors.generate(
            new SyntheticMultiVectors.Config(
                "exhaustive", c.docs, c.warmup + c.queries, c.dim, c.tokens, c.tokens, c.tokens,
                c.queryTokens, 8192, 0.5f, 0.6f, 7, null));
    int n = rescore(c);
    MultiVectorFieldConfig float32 = MultiVectorFieldConfig.builder(c.dim).build();
    MultiVectorFieldConfig int8 = MultiVectorFieldConfig.builder(c.dim).encoding(Encoding.INT8).build();
    MultiVectorFieldConfig bit = MultiVectorFieldConfig.builder(c.dim).encoding(Encoding.BIT).build();
    List<Row> rows =
        List.of(
            new Row("FLOAT32", "mv", float32, 0),
            new Row("INT8", "mv_int8", int8, 0),
            new Row("INT8, rescore(" + n + ")", "mv_int8", int8, n),
            new Row("BIT", "mv_bit", bit, 0),
            new Row("BIT, rescore(" + n + ")", "mv_bit", bit, n),
            new Row("BIT, rescore(" + 2 * n + ")", "mv_bit", bit, 2 * n),
            new Row("BIT, rescore(" + 4 * n + ")", "mv_bit", bit, 4 * n));
    System.out.printf(
        Locale.ROOT, "indexing %d x %d x %d in each encoding, and for Lucene ...%n", c.docs, c.tokens, c.dim);
    try (FSDirectory oursDir = FSDirectory.open(ours);
        FSDirectory luceneDir = FSDirectory.open(lucene)) {
      try (IndexWriter oursWriter =
              new IndexWriter(oursDir, new IndexWriterConfig().setCodec(new MultiVector104Codec()).setRAMBufferSizeMB(256));
          IndexWriter luceneWriter = new IndexWriter(luceneDir, new IndexWriterConfig().setRAMBufferSizeMB(256))) {
        for (float[][] m : data.documents()) {
          Document ourDoc = new Document();
          for (Row row : rows) {
            if (ourDoc.getField(row.field) == null) {
              ourDoc.add(new MultiVectorField(row.field, m, row.config));
            }
          }
          oursWriter.addDocument(ourDoc);
          Document luceneDoc = new Document();
          luceneDoc.add(new LateInteractionField("mv", m));
          luceneWriter.addDocument(luceneDoc);
        }
        oursWriter.forceMerge(1);
        luceneWriter.forceMerge(1);
      }
      float[][][] queries = data.queries().toArray(float[][][]::new);
      ExecutorService executor = Executors.newFixedThreadPool(c.threads);
      try (DirectoryReader oursReader = DirectoryReader.open(oursDir);
          DirectoryReader luceneReader = DirectoryReader.open(luceneDir)) {
        List<Result> results = new ArrayList<>();
        List<Set<Integer>> exact = new ArrayList<>();
        for (Row row : rows) {
          results.add(
              time(
                  "lucene-multivector " + row.label + " (" + KernelProvider.name() + ")",
                  queries,
                  c,
                  exact,
                  q -> {
                    LateInteractionQuery.Builder query = LateInteractionQuery.builder(row.field, q).k(c.k);
                    if (row.rescore > 0) {
                      query.rescore(row.rescore);
                    }
                    return searcher(oursReader, executor, c.threads).search(query.build(), c.k);
                  }));
        }
        // Lucene's built-in scores every document through a DoubleValuesSource; sorting all
        // documents by it runs in the same parallel partitions.
        results.add(
            time(
                "Lucene built-in (LateInteractionFloatValuesSource)",
                queries,
                c,
                exact,
                q -> searcher(luceneReader, executor, c.threads)
                    .search(
                        new MatchAllDocsQuery(),
                        c.k,
                        new Sort(
                            new LateInteractionFloatValuesSource("mv", q, VectorSimilarityFunction.DOT_PRODUCT)
                                .getSortField(true)))));
        return results;
      } finally {
        executor.shutdown();
      }
    } finally {
      IOUtils.rm(ours, lucene);
    }
  }

  /** A searcher that splits each segment into one partition per thread. */
  static IndexSearcher searcher(IndexReader reader, ExecutorService executor, int threads) {
    return new IndexSearcher(reader, executor) {
      @Override
      protected LeafSlice[] slices(List<LeafReaderContext> leaves) {
        int maxDoc = Math.max(1, reader.maxDoc());
        return slices(leaves, (maxDoc + threads - 1) / threads, 1, true);
      }
    };
  }

  interface Search {
    TopDocs run(float[][] queryVectors) throws IOException;
  }

  /**
   * Times the queries after the warm-up ones; the first call fills {@code exact} with each query's
   * hits, which later calls' recall is measured against (doc ids agree: every index has one
   * segment, in the same order).
   */
  private static Result time(
      String engine, float[][][] queries, Config c, List<Set<Integer>> exact, Search search)
      throws IOException {
    double[] millis = new double[c.queries];
    double recall = 0;
    for (int i = 0; i < queries.length; i++) {
      long start = System.nanoTime();
      TopDocs hits = search.run(queries[i]);
      long elapsed = System.nanoTime() - start;
      Set<Integer> docs = new HashSet<>();
      for (ScoreDoc hit : hits.scoreDocs) {
        docs.add(hit.doc);
      }
      if (exact.size() == i) {
        exact.add(docs);
      }
      docs.retainAll(exact.get(i));
      recall += (double) docs.size() / Math.max(1, exact.get(i).size()) / queries.length;
      if (i >= c.warmup) {
        millis[i - c.warmup] = elapsed / 1e6;
      }
    }
    Arrays.sort(millis);
    double mean = Arrays.stream(millis).average().orElse(0);
    return new Result(engine, percentile(millis, 50), percentile(millis, 99), mean, recall);
  }

  static double percentile(double[] sorted, int p) {
    int index = (int) Math.ceil(p / 100.0 * sorted.length) - 1;
    return sorted[Math.max(0, Math.min(sorted.length - 1, index))];
  }


  /**
   * The table, and the native roofline tool over the same shape ({@code null}: absent): its GFLOP/s
   * on one core, and summed over one copy per searcher thread run at once, with the latency of a
   * query at that rate.
   */
  static void print(Config c, List<Result> results, Double oneCoreGflops, Double allCoresGflops) {
    double flop = 2.0 * c.docs * c.tokens * c.dim * c.queryTokens;
    System.out.printf(Locale.ROOT,
        "%nExhaustive MaxSim, %d docs x %d tokens x dim %d, %d query tokens, top %d, %d threads, %d queries%n",
        c.docs, c.tokens, c.dim, c.queryTokens, c.k, c.threads, c.queries);
    System.out.println(
        "| engine | p50 ms | p99 ms | mean ms | GFLOP/s at p50 | speed-up over FLOAT32 at p50 | recall@" + c.k
            + " against FLOAT32 |");
    System.out.println("|---|---|---|---|---|---|---|");
    Result float32 = results.get(0);
    for (Result r : results) {
      System.out.printf(
          Locale.ROOT,
          "| %s | %.1f | %.1f | %.1f | %.1f | %.2fx | %.3f |%n",
          r.engine, r.p50, r.p99, r.mean, flop / r.p50 / 1e6, float32.p50 / r.p50, r.recall);
    }
    System.out.printf(
        Locale.ROOT, "FLOAT32 speed-up over Lucene's built-in at p50: %.1fx%n", results.getLast().p50 / float32.p50);
    if (oneCoreGflops != null && allCoresGflops != null) {
      System.out.printf(Locale.ROOT,
          "native roofline, same shape, this run: %.1f GFLOP/s on one core; %d copies at once, one per core: %.1f GFLOP/s in all, %.1f ms a query%n",
          oneCoreGflops, c.threads, allCoresGflops, flop / allCoresGflops / 1e6);
    }
  }

  static Path tempDir() throws IOException {
    return Files.createTempDirectory("lucene-multivector-bench");
  }
}
