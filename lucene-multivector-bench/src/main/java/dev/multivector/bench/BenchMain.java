package dev.multivector.bench;

import dev.multivector.bench.data.Beir;
import dev.multivector.bench.data.Cranfield;
import dev.multivector.bench.data.NeedleHaystack;
import dev.multivector.bench.data.PrecomputedVectors;
import dev.multivector.bench.data.ProjectPaths;
import dev.multivector.bench.data.SyntheticMultiVectors;
import dev.multivector.bench.data.TextDataset;
import dev.multivector.bench.data.VectorDataset;
import dev.multivector.bench.encoder.EncodingCache;
import dev.multivector.bench.encoder.TokenEncoder;
import dev.multivector.lucene.codec.TokenIndex;
import dev.multivector.lucene.document.MultiVectorFieldConfig;
import dev.multivector.lucene.document.MultiVectorFieldConfig.Encoding;
import dev.multivector.lucene.document.MultiVectorFieldConfig.Fde;
import dev.multivector.lucene.document.SummaryVector;
import dev.multivector.lucene.internal.vectorization.KernelProvider;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Locale;
import org.apache.lucene.util.IOUtils;

/**
 * The benchmark's command line: {@code BenchMain [command] [--option value ...]}.
 *
 * <ul>
 *   <li>{@code needle} (the default): needle in a haystack on real text (europarl pages with
 *       inserted "The secret <category> is <value>." sentences) encoded by a real model: the seed
 *       benchmark's strategies side by side with Lucene's built-in late interaction;
 *   <li>{@code judged}: the same strategies on Cranfield and DBpedia (nDCG@10, Recall@100), or
 *       on a collection of the user's: {@code --beir DIR} (a folder in BEIR's format, encoded by
 *       the bundled encoder) or {@code --vectors DIR} (token vectors computed elsewhere, in the
 *       format of {@link PrecomputedVectors});
 *   <li>{@code pooling}: hierarchical pooling at factors 1 to 4 on Cranfield and the needle set;
 *   <li>{@code synthetic}: first stages at scale on a synthetic ColBERT-like corpus;
 *   <li>{@code scale}: the same corpus at a million documents (or {@code --docs N}), generated
 *       as it is indexed, with one field configuration ({@code --index}, one of {@link
 *       ScaleBench#INDEXES}; {@code --queries N}, default 100; {@code --keep} keeps the index);
 *   <li>{@code exhaustive}, {@code storage}, {@code kernels}: exhaustive latency against Lucene's
 *       built-in and the native roofline, bytes per token, single-thread kernels against the
 *       native roofline;
 *   <li>{@code dump-tokens}: real-text token matrices for the pooling fixtures;
 *   <li>{@code export-vectors --to DIR}: Cranfield (or {@code --beir DIR}) encoded, written as a
 *       {@code --vectors} folder;
 *   <li>{@code cluster [--url URL]}: the needle set through the OpenSearch plugin on a running
 *       cluster (REST, default {@code http://127.0.0.1:9200}) beside the library in-process; run
 *       by {@code lucene-multivector-opensearch/src/test/cluster/cluster-bench.sh}, which starts
 *       the cluster.
 *   <li>{@code jmh [JMH arguments]}: the JMH benchmarks ({@code MaxSimKernelBenchmark},
 *       {@code IndexWriteBenchmark}, {@code HierarchicalPoolingBenchmark}).
 * </ul>
 *
 * Options: {@code --out DIR} (reports, default {@code bench-results} in the project root), {@code --shared DIR}
 * (default: {@code shared} beside the project), {@code --pages N} (needle pages, default 1,000), {@code --docs N}
 * (synthetic documents, default 100,000; {@code scale}: 1,000,000), {@code --threads N} (searcher threads, default 2),
 * {@code --quick} (shorter runs), {@code --beir DIR} and {@code --vectors DIR} ({@code judged}),
 * {@code --model DIR} (a ColBERT model exported to ONNX with PyLate's files, instead of the bundled
 * encoder: see {@code TokenEncoder#open(Path)}), {@code --indexes a,b} ({@code synthetic}, {@code needle},
 * {@code judged}: build only these of its indexes, and run only their strategies). Relative paths
 * are taken from the project's root.
 */
public final class BenchMain {

  /** The ColBERT export given by {@code --model}, or null for the bundled encoder; set once by main. */
  private static Path model;

  private BenchMain() {}

  public static void main(String[] args) throws Exception {
    List<String> rest = new ArrayList<>(Arrays.asList(args));
    String command = rest.isEmpty() || rest.get(0).startsWith("--") ? "needle" : rest.remove(0);
    if (command.equals("jmh")) { // the rest are JMH's own arguments
      org.openjdk.jmh.Main.main(rest.toArray(String[]::new));
      return;
    }
    Path out = path(option(rest, "--out", "bench-results"));
    Path shared = path(option(rest, "--shared", "../shared"));
    int pages = Integer.parseInt(option(rest, "--pages", "1000"));
    String docs = option(rest, "--docs", null);
    int queries = Integer.parseInt(option(rest, "--queries", "100"));
    String scaleIndex = option(rest, "--index", "centroid-2-int8");
    boolean keep = rest.remove("--keep");
    int threads = Integer.parseInt(option(rest, "--threads", "2"));
    boolean quick = rest.remove("--quick");
    String indexes = option(rest, "--indexes", null);
    String url = option(rest, "--url", "http://127.0.0.1:9200");
    String beir = option(rest, "--beir", null);
    String vectors = option(rest, "--vectors", null);
    String modelDir = option(rest, "--model", null);
    String to = option(rest, "--to", null);
    model = modelDir == null ? null : path(modelDir);
    if (rest.isEmpty() == false) {
      throw new IllegalArgumentException("unknown options " + rest);
    }
    Files.createDirectories(out);
    Path work = ExhaustiveLatency.tempDir();
    try {
      System.out.println("MaxSim kernel: " + KernelProvider.name() + "; " + machine());
      switch (command) {
        case "needle" -> needle(pages, indexes, out, work, threads);
        case "judged" -> judged(beir == null ? null : path(beir), vectors == null ? null : path(vectors), indexes, out, work, threads);
        case "cluster" -> {
          VectorDataset data = encode(NeedleHaystack.generate(42, pages, 6, NeedleHaystack.maxNeedles()));
          ClusterBench.run(
              url, String.format(Locale.ROOT, "Needle in a haystack: %,d europarl pages, %d needles", pages, data.queries().size()), data, out, work, threads, note());
        }
        case "pooling" -> pooling(pages, out, work, threads);
        case "synthetic" -> synthetic(docs == null ? 100_000 : Integer.parseInt(docs), indexes, out, work, threads);
        case "scale" -> ScaleBench.run(new ScaleBench.Settings(docs == null ? 1_000_000 : Integer.parseInt(docs), queries, scaleIndex, keep, out, work));
        case "exhaustive" -> {
          var config = new ExhaustiveLatency.Config(1230, 1024, 128, 20, 20, threads, quick ? 3 : 10, quick ? 10 : 50);
          var results = ExhaustiveLatency.run(config, work);
          // This machine's speed drifts by tens of percent: the native kernel over the same shape,
          // right after, on one core and then on every searcher thread's core at once, says what
          // the hardware gave this run.
          Path tool = shared.resolve("tools/roofline/run.sh");
          Double oneCore = KernelReport.roofline(tool, 1, config.rooflineShape()).values().stream().findFirst().orElse(null);
          Double allCores = KernelReport.roofline(tool, config.threads(), config.rooflineShape()).values().stream().findFirst().orElse(null);
          ExhaustiveLatency.print(config, results, oneCore, allCores);
        }
        case "storage" -> StorageReport.print(StorageReport.run(StorageReport.DEFAULT_SHAPES, work));
        case "dump-tokens" -> dumpTokens(out);
        case "export-vectors" -> {
          if (to == null) {
            throw new IllegalArgumentException("export-vectors needs --to DIR");
          }
          VectorDataset data = encode(beir == null ? Cranfield.load() : Beir.load(path(beir)));
          PrecomputedVectors.write(data, path(to));
          System.out.printf(Locale.ROOT, "wrote %s: %,d documents, %,d queries, dimension %d%n", path(to), data.documents().size(), data.queries().size(), data.dimension());
        }
        case "kernels" -> {
          String md = KernelReport.markdown(KernelReport.run(shared, quick));
          System.out.println();
          System.out.println(md);
          Files.writeString(out.resolve("kernels.md"), md);
        }
        default -> throw new IllegalArgumentException("unknown command " + command);
      }
    } finally {
      IOUtils.rm(work);
    }
  }

  /** Needle in a haystack: the seed benchmark's table. */
  static void needle(int pages, String indexes, Path out, Path work, int threads) throws Exception {
    VectorDataset data = encode(NeedleHaystack.generate(42, pages, 6, NeedleHaystack.maxNeedles()));
    compareStrategies(
        "needle",
        String.format(Locale.ROOT, "Needle in a haystack: %,d europarl pages, %d needles", pages, data.queries().size()),
        data,
        List.of(Evaluation.Quality.hit(1), Evaluation.Quality.hit(5), Evaluation.Quality.hit(20), Evaluation.Quality.recall(100)),
        20,
        "Hit@20",
        indexes,
        out,
        work,
        threads,
        note());
  }

  /**
   * Judged relevance: Cranfield and DBpedia, or the BEIR folder {@code beir}, or the precomputed
   * vectors in {@code vectors}.
   */
  static void judged(Path beir, Path vectors, String indexes, Path out, Path work, int threads) throws Exception {
    if (beir != null && vectors != null) {
      throw new IllegalArgumentException("--beir and --vectors are two collections: give one");
    }
    List<VectorDataset> collections = new ArrayList<>();
    String note;
    if (vectors != null) {
      collections.add(PrecomputedVectors.load(vectors));
      note = "Machine: " + machine() + ". MaxSim kernel: " + KernelProvider.name() + ". Token vectors precomputed, read from " + vectors + ".";
    } else {
      List<TextDataset> texts =
          beir != null ? List.of(Beir.load(beir)) : List.of(Cranfield.load(), Beir.dbpedia5k());
      for (TextDataset text : texts) {
        collections.add(encode(text));
      }
      note = note();
    }
    for (VectorDataset data : collections) {
      compareStrategies(
          data.name(),
          String.format(Locale.ROOT, "%s: %,d documents, %d queries", data.name(), data.documents().size(), data.queries().size()),
          data,
          List.of(Evaluation.Quality.ndcg(10), Evaluation.Quality.recall(100)),
          10,
          "nDCG@10",
          indexes,
          out,
          work,
          threads,
          note);
    }
  }

  /** The seed benchmark's strategies, and the first stages, side by side with Lucene's built-in. */
  private static void compareStrategies(
      String name,
      String title,
      VectorDataset data,
      List<Evaluation.Quality> qualities,
      int exactK,
      String chartQuality,
      String indexes,
      Path out,
      Path work,
      int threads,
      String note)
      throws Exception {
    int dim = data.dimension();
    List<BenchIndex.Spec> specs =
        List.of(
            new BenchIndex.Spec("full", MultiVectorFieldConfig.builder(dim).tokenGraph(MultiVectorFieldConfig.Graph.DEFAULT)),
            BenchIndex.Spec.luceneBuiltin(),
            new BenchIndex.Spec("max-summary", MultiVectorFieldConfig.builder(dim).summaryVector(SummaryVector.MAX)),
            new BenchIndex.Spec("fde", MultiVectorFieldConfig.builder(dim).fde(Fde.DEFAULT)),
            new BenchIndex.Spec("fde-float", MultiVectorFieldConfig.builder(dim).fde(Fde.DEFAULT).summaryBits(32)),
            new BenchIndex.Spec("pool-2", MultiVectorFieldConfig.builder(dim).pooling(2, 1)),
            new BenchIndex.Spec("pool-4", MultiVectorFieldConfig.builder(dim).pooling(4, 1)),
            new BenchIndex.Spec("int8", MultiVectorFieldConfig.builder(dim).encoding(Encoding.INT8)),
            new BenchIndex.Spec("bit", MultiVectorFieldConfig.builder(dim).encoding(Encoding.BIT)),
            new BenchIndex.Spec("centroid-2", MultiVectorFieldConfig.builder(dim).centroidIndex(2)));
    List<Strategy> strategies = new ArrayList<>();
    strategies.add(Strategy.luceneBuiltin());
    strategies.add(Strategy.exhaustive("full"));
    strategies.add(Strategy.summaryVectorOnly("full", SummaryVector.MEAN, false));
    strategies.add(Strategy.summaryVectorOnly("max-summary", SummaryVector.MAX, false));
    for (int candidates : new int[] {20, 100, 500}) {
      strategies.add(Strategy.summaryRerank("full", candidates));
    }
    for (int candidates : new int[] {20, 50, 100, 200, 500}) {
      strategies.add(Strategy.summaryRerank("fde", candidates));
    }
    for (int candidates : new int[] {100, 500}) {
      strategies.add(Strategy.summaryRerank("fde-float", candidates));
    }
    for (int[] setting : new int[][] {{100, 4}, {200, 4}, {500, 2}}) {
      strategies.add(Strategy.summaryRerank("fde", setting[0], setting[1]));
    }
    strategies.add(Strategy.exhaustive("pool-2"));
    strategies.add(Strategy.exhaustive("pool-4"));
    strategies.add(Strategy.exhaustive("int8"));
    strategies.add(Strategy.exhaustive("int8", 100));
    strategies.add(Strategy.exhaustive("bit"));
    for (int rescore : new int[] {100, 300}) {
      strategies.add(Strategy.exhaustive("bit", rescore));
    }
    for (int kPrime : new int[] {10, 50, 200}) {
      strategies.add(Strategy.tokenKnn("full", kPrime, false));
    }
    for (int kPrime : new int[] {50, 200, 1000}) {
      strategies.add(Strategy.tokenKnn("full", kPrime, true));
    }
    // k', probes, rescore (XTR's estimate, then exact MaxSim on its best)
    for (int[] setting : new int[][] {{10, 8, 0}, {50, 8, 0}, {50, TokenIndex.DEFAULT_PROBES, 0}, {100, 16, 0}, {200, 32, 0}, {200, 16, 100}}) {
      strategies.add(Strategy.centroidTokenKnn("centroid-2", setting[0], setting[1], setting[2] > 0, setting[2]));
    }
    specs = chosen(specs, strategies, indexes);
    new BenchmarkRun(name, title, data, qualities, exactK, out, work, threads)
        .run(specs, strategies, chartQuality, note);
  }

  /**
   * The specs named in {@code indexes} (comma-separated; null: all), removing the other specs'
   * strategies from {@code strategies}.
   */
  private static List<BenchIndex.Spec> chosen(List<BenchIndex.Spec> specs, List<Strategy> strategies, String indexes) {
    if (indexes == null) {
      return specs;
    }
    List<String> chosen = List.of(indexes.split(","));
    strategies.removeIf(strategy -> chosen.contains(strategy.index()) == false);
    return specs.stream().filter(spec -> chosen.contains(spec.name())).toList();
  }

  /** Hierarchical pooling at factors 1 to 4: tokens, size, exhaustive latency, quality. */
  static void pooling(int pages, Path out, Path work, int threads) throws Exception {
    record Run(String name, VectorDataset data, List<Evaluation.Quality> qualities, String chart) {}
    List<Run> runs =
        List.of(
            new Run("pooling-cranfield", encode(Cranfield.load()), List.of(Evaluation.Quality.ndcg(10), Evaluation.Quality.recall(100)), "nDCG@10"),
            new Run(
                "pooling-needle",
                encode(NeedleHaystack.generate(42, pages, 6, NeedleHaystack.maxNeedles())),
                List.of(Evaluation.Quality.hit(1), Evaluation.Quality.hit(5), Evaluation.Quality.hit(20)),
                "Hit@20"));
    for (Run run : runs) {
      int dim = run.data.dimension();
      List<BenchIndex.Spec> specs = new ArrayList<>();
      List<Strategy> strategies = new ArrayList<>();
      for (int factor = 1; factor <= 4; factor++) {
        String index = "pool-" + factor;
        specs.add(new BenchIndex.Spec(index, MultiVectorFieldConfig.builder(dim).pooling(factor, 1)));
        strategies.add(Strategy.exhaustive(index));
      }
      new BenchmarkRun(run.name, "Hierarchical token pooling: " + run.data.name(), run.data, run.qualities, 10, out, work, threads)
          .run(specs, strategies, run.chart, note());
    }
  }

  /**
   * First stages at scale: a synthetic ColBERT-like corpus, about 100 tokens per document, with
   * graded relevance: about 20 documents per topic, a third to two thirds of a document's tokens
   * and three quarters of a query's from its topic.
   */
  static void synthetic(int docs, String indexes, Path out, Path work, int threads) throws Exception {
    VectorDataset data = SyntheticMultiVectors.generate(ScaleBench.corpus(docs, 100));
    // Beam width 32 rather than 100: the token graph's build time is proportional to it, and at
    // search time k' (the beam there) matters more. The flushed segments are kept as they are.
    MultiVectorFieldConfig.Graph graph = new MultiVectorFieldConfig.Graph(16, 32);
    List<BenchIndex.Spec> specs =
        List.of(
            new BenchIndex.Spec("full", MultiVectorFieldConfig.builder(128).tokenGraph(graph).summaryGraph(graph), false),
            new BenchIndex.Spec("panels-only", MultiVectorFieldConfig.builder(128), false),
            new BenchIndex.Spec("summary-graph", MultiVectorFieldConfig.builder(128).summaryGraph(graph), false),
            new BenchIndex.Spec("int8", MultiVectorFieldConfig.builder(128).encoding(Encoding.INT8), false),
            new BenchIndex.Spec("bit", MultiVectorFieldConfig.builder(128).encoding(Encoding.BIT), false),
            // Merged to one segment: a merge rebuilds a centroid index at a fraction of a graph's cost,
            // and a query scores every segment's centroids.
            new BenchIndex.Spec("centroid-2", MultiVectorFieldConfig.builder(128).centroidIndex(2)),
            new BenchIndex.Spec("centroid-4", MultiVectorFieldConfig.builder(128).centroidIndex(4)),
            // MUVERA's FDE with the defaults (16 x 16 x 16 = 4,096 dimensions, 1 bit, searched
            // flat), in an HNSW graph, as float32, and at half the dimensions (32 x 16 x 4).
            new BenchIndex.Spec("fde", MultiVectorFieldConfig.builder(128).fde(Fde.DEFAULT)),
            new BenchIndex.Spec("fde-graph", MultiVectorFieldConfig.builder(128).fde(Fde.DEFAULT).summaryGraph(graph)),
            new BenchIndex.Spec("fde-float", MultiVectorFieldConfig.builder(128).fde(Fde.DEFAULT).summaryBits(32)),
            new BenchIndex.Spec("fde-32x16x4", MultiVectorFieldConfig.builder(128).fde(new Fde(32, 4, 4, 42))));
    List<Strategy> strategies = new ArrayList<>();
    strategies.add(Strategy.exhaustive("full"));
    strategies.add(Strategy.exhaustive("panels-only"));
    strategies.add(Strategy.exhaustive("int8"));
    strategies.add(Strategy.exhaustive("int8", 100));
    strategies.add(Strategy.exhaustive("bit"));
    for (int rescore : new int[] {100, 1000}) {
      strategies.add(Strategy.exhaustive("bit", rescore));
    }
    for (int kPrime : new int[] {20, 50, 100, 200, 500}) {
      strategies.add(Strategy.tokenKnn("full", kPrime, false));
    }
    for (int kPrime : new int[] {100, 500, 1000}) {
      strategies.add(Strategy.tokenKnn("full", kPrime, true));
    }
    for (int candidates : new int[] {100, 1000, 10000}) {
      strategies.add(Strategy.summaryRerank("summary-graph", candidates));
    }
    for (int[] setting : new int[][] {{20, 8}, {50, 8}, {50, 16}, {100, 32}}) {
      strategies.add(Strategy.centroidTokenKnn("centroid-2", setting[0], setting[1], false, 0));
    }
    // k', probes, rescore
    for (int[] setting : new int[][] {{100, 16, 0}, {500, 32, 0}, {100, 16, 50}, {200, 16, 100}, {500, 32, 100}, {500, 32, 200}}) {
      strategies.add(Strategy.centroidTokenKnn("centroid-2", setting[0], setting[1], true, setting[2]));
    }
    for (int[] setting : new int[][] {{50, 8, 0}, {200, 16, 100}}) {
      strategies.add(Strategy.centroidTokenKnn("centroid-4", setting[0], setting[1], setting[2] > 0, setting[2]));
    }
    for (String index : List.of("fde", "fde-graph", "fde-32x16x4")) {
      for (int candidates : new int[] {50, 100, 200, 500, 1000}) {
        strategies.add(Strategy.summaryRerank(index, candidates));
      }
    }
    for (int candidates : new int[] {100, 500}) {
      strategies.add(Strategy.summaryRerank("fde-float", candidates));
    }
    for (int[] setting : new int[][] {{50, 4}, {100, 4}, {100, 10}}) {
      strategies.add(Strategy.summaryRerank("fde", setting[0], setting[1]));
    }
    specs = chosen(specs, strategies, indexes);
    new BenchmarkRun(
            "synthetic",
            String.format(Locale.ROOT, "Synthetic ColBERT-like corpus: %,d documents, %,d tokens, dim 128, 100 queries of 32 tokens", docs, data.documentTokens()),
            data,
            List.of(Evaluation.Quality.ndcg(10), Evaluation.Quality.hit(1)),
            10,
            out,
            work,
            threads)
        .run(specs, strategies, Evaluation.RECALL_VS_EXACT, "Machine: " + machine() + ". MaxSim kernel: " + KernelProvider.name() + ".");
  }

  /**
   * Writes real-text token matrices for the pooling fixtures (src-test-data/pooling): the
   * Cranfield documents nearest 60, 200 and 450 tokens, and a 1,024-token page of the first
   * documents' tokens, one token a line.
   */
  static void dumpTokens(Path out) throws Exception {
    VectorDataset data = encode(Cranfield.load());
    List<float[][]> docs = data.documents();
    for (int want : new int[] {60, 200, 450}) {
      int best = 0;
      for (int d = 0; d < docs.size(); d++) {
        if (Math.abs(docs.get(d).length - want) < Math.abs(docs.get(best).length - want)) {
          best = d;
        }
      }
      writeTokens(out.resolve("cranfield-" + data.docIds().get(best) + ".txt"), docs.get(best));
    }
    List<float[]> page = new ArrayList<>();
    for (int d = 0; page.size() < 1024; d++) {
      for (float[] token : docs.get(d)) {
        if (page.size() < 1024) {
          page.add(token);
        }
      }
    }
    writeTokens(out.resolve("cranfield-page.txt"), page.toArray(float[][]::new));
  }

  private static void writeTokens(Path file, float[][] tokens) throws java.io.IOException {
    StringBuilder text = new StringBuilder();
    for (float[] token : tokens) {
      for (int i = 0; i < token.length; i++) {
        text.append(i == 0 ? "" : " ").append(token[i]);
      }
      text.append('\n');
    }
    Files.writeString(file, text);
    System.out.println("wrote " + file + ": " + tokens.length + " tokens");
  }

  private static TokenEncoder encoder() throws java.io.IOException {
    return model == null ? TokenEncoder.open() : TokenEncoder.open(model);
  }

  private static VectorDataset encode(TextDataset text) throws Exception {
    try (TokenEncoder encoder = encoder()) {
      VectorDataset data = EncodingCache.inProject().encode(text, encoder);
      System.out.println(encoder.caveat());
      return data;
    }
  }

  private static String note() throws java.io.IOException {
    try (TokenEncoder encoder = encoder()) { // loads no model
      return "Machine: " + machine() + ". MaxSim kernel: " + KernelProvider.name() + ". " + encoder.caveat();
    }
  }

  static String machine() {
    return String.format(
        Locale.ROOT,
        "%d cores, %s %s, Java %s",
        Runtime.getRuntime().availableProcessors(),
        System.getProperty("os.name"),
        System.getProperty("os.arch"),
        Runtime.version());
  }

  /**
   * A path given on the command line; a relative one is taken from the project's root, where the
   * README's Maven command runs (the bench itself runs in its module's folder).
   */
  private static Path path(String text) {
    Path path = Path.of(text);
    return path.isAbsolute() ? path : ProjectPaths.projectRoot().resolve(path).normalize();
  }

  private static String option(List<String> args, String name, String defaultValue) {
    int i = args.indexOf(name);
    if (i < 0) {
      return defaultValue;
    }
    String value = args.get(i + 1);
    args.remove(i + 1);
    args.remove(i);
    return value;
  }
}
