package dev.multivector.bench;

import dev.multivector.bench.data.SyntheticMultiVectors;
import dev.multivector.bench.data.VectorDataset;
import dev.multivector.lucene.codec.MultiVector104Codec;
import dev.multivector.lucene.document.MultiVectorField;
import dev.multivector.lucene.internal.vectorization.KernelProvider;
import dev.multivector.lucene.search.LateInteractionQuery;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Arrays;
import java.util.List;
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
import org.apache.lucene.search.Sort;
import org.apache.lucene.search.TopDocs;
import org.apache.lucene.store.FSDirectory;
import org.apache.lucene.util.IOUtils;

/**
 * Exhaustive late-interaction search latency, this project against Lucene's built-in, in one run:
 * the same ColPali-shaped pages ({@link SyntheticMultiVectors#colpaliLike}'s generator) indexed twice (MultiVector104Codec; Lucene's LateInteractionField with its
 * default codec), force-merged to one segment, searched for the top k by a searcher on a thread
 * pool that scores the segment in one partition per thread.
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

  record Result(String engine, double p50, double p99, double mean) {}

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
    System.out.printf(Locale.ROOT, "indexing %d x %d x %d twice ...%n", c.docs, c.tokens, c.dim);
    try (FSDirectory oursDir = FSDirectory.open(ours);
        FSDirectory luceneDir = FSDirectory.open(lucene)) {
      try (IndexWriter oursWriter =
              new IndexWriter(oursDir, new IndexWriterConfig().setCodec(new MultiVector104Codec()).setRAMBufferSizeMB(256));
          IndexWriter luceneWriter = new IndexWriter(luceneDir, new IndexWriterConfig().setRAMBufferSizeMB(256))) {
        for (float[][] m : data.documents()) {
          Document ourDoc = new Document();
          ourDoc.add(new MultiVectorField("mv", m));
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
        Result mine =
            time(
                "lucene-multivector (" + KernelProvider.name() + ")",
                queries,
                c,
                q -> searcher(oursReader, executor, c.threads)
                    .search(LateInteractionQuery.builder("mv", q).k(c.k).build(), c.k));
        // Lucene's built-in scores every document through a DoubleValuesSource; sorting all
        // documents by it runs in the same parallel partitions.
        Result builtin =
            time(
                "Lucene built-in (LateInteractionFloatValuesSource)",
                queries,
                c,
                q -> searcher(luceneReader, executor, c.threads)
                    .search(
                        new MatchAllDocsQuery(),
                        c.k,
                        new Sort(
                            new LateInteractionFloatValuesSource("mv", q, VectorSimilarityFunction.DOT_PRODUCT)
                                .getSortField(true))));
        return List.of(mine, builtin);
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

  private static Result time(String engine, float[][][] queries, Config c, Search search) throws IOException {
    double[] millis = new double[c.queries];
    for (int i = 0; i < queries.length; i++) {
      long start = System.nanoTime();
      search.run(queries[i]);
      long elapsed = System.nanoTime() - start;
      if (i >= c.warmup) {
        millis[i - c.warmup] = elapsed / 1e6;
      }
    }
    Arrays.sort(millis);
    double mean = Arrays.stream(millis).average().orElse(0);
    return new Result(engine, percentile(millis, 50), percentile(millis, 99), mean);
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
    System.out.println("| engine | p50 ms | p99 ms | mean ms | GFLOP/s at p50 |");
    System.out.println("|---|---|---|---|---|");
    for (Result r : results) {
      System.out.printf(Locale.ROOT, "| %s | %.1f | %.1f | %.1f | %.1f |%n", r.engine, r.p50, r.p99, r.mean, flop / r.p50 / 1e6);
    }
    System.out.printf(Locale.ROOT, "speed-up at p50: %.1fx%n", results.get(1).p50 / results.get(0).p50);
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
