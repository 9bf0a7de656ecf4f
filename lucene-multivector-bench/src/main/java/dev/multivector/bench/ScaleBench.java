package dev.multivector.bench;

import dev.multivector.bench.data.ProjectPaths;
import dev.multivector.bench.data.SyntheticMultiVectors;
import dev.multivector.bench.data.SyntheticMultiVectors.Document;
import dev.multivector.bench.data.SyntheticMultiVectors.DocumentStream;
import dev.multivector.bench.data.VectorDataset;
import dev.multivector.bench.encoder.ProgressBar;
import dev.multivector.lucene.document.MultiVectorFieldConfig;
import dev.multivector.lucene.document.MultiVectorFieldConfig.Encoding;
import dev.multivector.lucene.document.MultiVectorFieldConfig.Fde;
import dev.multivector.lucene.internal.vectorization.Float32MaxSimKernel;
import dev.multivector.lucene.internal.vectorization.KernelProvider;
import java.io.IOException;
import java.lang.foreign.Arena;
import java.lang.foreign.MemorySegment;
import java.lang.foreign.ValueLayout;
import java.lang.management.ManagementFactory;
import java.nio.ByteOrder;
import java.nio.charset.StandardCharsets;
import java.nio.file.FileStore;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.PriorityQueue;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.atomic.AtomicLong;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.apache.lucene.util.InfoStream;

/**
 * The {@code scale} command: the synthetic topic corpus of {@code synthetic} at any size (default
 * 1,000,000 documents, about 100 tokens each, dim 128), generated as it is indexed (the corpus is
 * never in the heap), with one field configuration, merged to one segment. Reports the build
 * (indexing with its flushes and merges, the force-merge, the centroid index's own time), bytes
 * per token by structure, the peak heap, the bytes the searches bring into the page cache (the
 * hot set), p50/p99 at 2 and 1 threads, and recall@10 against exact float32 MaxSim, computed once
 * by a streaming pass over the generator's own vectors and cached in {@code .cache/exact}. The
 * index is deleted at the end unless {@code --keep}.
 */
final class ScaleBench {
  /** The field configurations {@code --index} names. */
  static final Map<String, MultiVectorFieldConfig.Builder> INDEXES = new LinkedHashMap<>();

  static {
    // INT8 panels score the candidates; no float32 copy, so the index is a quarter of the raw vectors
    INDEXES.put("centroid-2-int8", MultiVectorFieldConfig.builder(128).encoding(Encoding.INT8).keepRawVectors(false).centroidIndex(2));
    INDEXES.put("centroid-2", MultiVectorFieldConfig.builder(128).centroidIndex(2));
    INDEXES.put("centroid-2-bit", MultiVectorFieldConfig.builder(128).encoding(Encoding.BIT).centroidIndex(2));
    INDEXES.put("fde-int8", MultiVectorFieldConfig.builder(128).encoding(Encoding.INT8).keepRawVectors(false).fde(Fde.DEFAULT));
  }

  private static final int EXACT_K = 10;

  record Settings(int docs, int queries, String index, boolean keep, Path out, Path work) {}

  private ScaleBench() {}

  static void run(Settings settings) throws Exception {
    MultiVectorFieldConfig.Builder config = INDEXES.get(settings.index);
    if (config == null) {
      throw new IllegalArgumentException("unknown --index " + settings.index + "; one of " + INDEXES.keySet());
    }
    SyntheticMultiVectors.Config corpus = corpus(settings.docs, settings.queries);
    requireDisk(settings, config.build());
    HeapPeak heap = new HeapPeak();
    heap.start();

    // The index from the generator; then its queries, drawn after the last document; then each
    // query's exact top 10 by another pass of the generator (or from the cache)
    BuildTimings timings = new BuildTimings();
    // a kept index goes outside the work folder, which the bench deletes
    Path path = settings.keep ? Files.createTempDirectory("lucene-multivector-scale") : settings.work.resolve("scale-" + settings.index);
    // Merged to one segment: a query scores every segment's centroids, and one segment's codebook
    // is the finest (16 x sqrt(tokens) centroids)
    BenchIndex.Spec spec = new BenchIndex.Spec(settings.index, config, true);
    VectorDataset queries;
    BenchIndex index;
    {
      DocumentStream stream = new DocumentStream(corpus); // its topics' pool: let it go before the exact pass
      index = BenchIndex.build(spec, stream::next, corpus.documents(), path, 1024, timings);
      queries = stream.queries();
    }
    try {
      Map<String, List<String>> exact = exact(corpus, queries);
      Map<String, Long> bytes = index.bytesByStructure();
      String build = buildReport(index, timings, bytes, heap);
      System.out.println(build);

      List<Strategy> strategies = strategies(settings.index);
      // What the searches bring into the page cache: evict the index's files, search, look
      evict(path);
      Map<String, Long> residentBefore = resident(path);
      String title =
          String.format(
              Locale.ROOT,
              "Scale: %,d synthetic documents, %,d tokens, dim 128, %d queries of 32 tokens, index %s (%s)",
              corpus.documents(), index.storedTokens, queries.queries().size(), settings.index, config.build());
      StringBuilder markdown = new StringBuilder(build).append('\n');
      List<Evaluation.Result> chart = new ArrayList<>();
      for (int threads : new int[] {2, 1}) {
        ExecutorService executor = Executors.newFixedThreadPool(threads);
        try {
          ResultTable table = new ResultTable(title + ", " + threads + (threads == 1 ? " thread" : " threads"), List.of("nDCG@10"), EXACT_K);
          Evaluation evaluation = new Evaluation(queries, List.of(Evaluation.Quality.ndcg(10)), EXACT_K);
          for (Strategy strategy : strategies) {
            table.add(evaluation.run(strategy, index, index.searcher(executor, threads), exact));
          }
          markdown.append(table.markdown()).append('\n');
          table.writeCsv(settings.out.resolve("scale-" + threads + "t.csv"));
          if (threads == 2) {
            chart.addAll(table.rows());
          }
        } finally {
          executor.shutdown();
        }
      }
      markdown.append(hotSet(bytes, residentBefore, resident(path))).append('\n');
      markdown.append(String.format(Locale.ROOT, "Peak heap %.2f GB of %.2f GB. Machine: %s. MaxSim kernel: %s.%n",
          heap.peak() / 1e9, Runtime.getRuntime().maxMemory() / 1e9, BenchMain.machine(), KernelProvider.name()));
      System.out.println();
      System.out.println(markdown);
      Files.createDirectories(settings.out);
      Files.writeString(settings.out.resolve("scale.md"), markdown);
      String chartTitle =
          String.format(
              Locale.ROOT,
              "Scale: %,d synthetic documents, %,d tokens, index %s, 2 threads",
              corpus.documents(), index.storedTokens, settings.index);
      QualityLatencyChart.write(chartTitle, Evaluation.RECALL_VS_EXACT, chart, settings.out.resolve("scale.png"));
      System.out.println("wrote " + settings.out.resolve("scale.md") + ", .csv and .png");
    } finally {
      heap.interrupt();
      if (settings.keep) {
        index.reader.close();
        index.directory.close();
        System.out.println("kept the index in " + path);
      } else {
        index.close();
      }
    }
  }

  /** The {@code synthetic} command's corpus at {@code docs} documents. */
  static SyntheticMultiVectors.Config corpus(int docs, int queries) {
    return new SyntheticMultiVectors.Config(
        "synthetic-colbert-" + docs, docs, queries, 128, 30, 100, 250, 32, 8192, 0.4f, 0.6f, 17,
        new SyntheticMultiVectors.Topics(Math.max(2, docs / 20), 32, 0.3f, 0.7f, 0.75f));
  }

  private static List<Strategy> strategies(String index) {
    List<Strategy> strategies = new ArrayList<>();
    if (index.startsWith("fde")) {
      for (int candidates : new int[] {100, 200, 500, 1000}) {
        strategies.add(Strategy.summaryRerank(index, candidates));
      }
      strategies.add(Strategy.summaryRerank(index, 100, 4));
      return strategies;
    }
    for (int[] setting : new int[][] {{20, 8}, {50, 8}, {50, 16}, {100, 32}}) {
      strategies.add(Strategy.centroidTokenKnn(index, setting[0], setting[1], false, 0));
    }
    for (int[] setting : new int[][] {{100, 16, 0}, {100, 16, 50}, {200, 16, 100}, {500, 32, 100}}) {
      strategies.add(Strategy.centroidTokenKnn(index, setting[0], setting[1], true, setting[2]));
    }
    return strategies;
  }

  /** Refuses a run whose index, twice over (a merge writes a copy), would not fit the disk. */
  private static void requireDisk(Settings settings, MultiVectorFieldConfig config) throws IOException {
    int dim = config.dimension();
    double perToken =
        switch (config.encoding()) {
          case FLOAT32 -> 4 * dim;
          case INT8 -> dim + 8 + (config.keepRawVectors() ? 4 * dim : 0);
          case BIT -> dim / 8 + 8 + (config.keepRawVectors() ? 4 * dim : 0);
        };
    perToken += 40; // the token index, the token-to-document map, the FDE
    double estimate = perToken * 100.0 * settings.docs;
    Files.createDirectories(settings.work);
    FileStore store = Files.getFileStore(settings.work);
    System.out.printf(Locale.ROOT, "index estimate %.1f GB; %.1f GB free in %s%n", estimate / 1e9, store.getUsableSpace() / 1e9, settings.work);
    if (2 * estimate > store.getUsableSpace()) {
      throw new IllegalArgumentException(
          String.format(Locale.ROOT, "the index needs about %.1f GB, and as much again while merging: %.1f GB free in %s",
              estimate / 1e9, store.getUsableSpace() / 1e9, settings.work));
    }
  }

  /** Each query's exact top 10 by float32 MaxSim over the generator's own vectors, cached. */
  private static Map<String, List<String>> exact(SyntheticMultiVectors.Config corpus, VectorDataset queries) throws Exception {
    Path cache =
        ProjectPaths.cacheDir()
            .resolve("exact")
            .resolve(String.format(Locale.ROOT, "scale.%s.%d-queries.%08x.top%d.tsv", corpus.name(), queries.queries().size(),
                Arrays.deepHashCode(queries.queries().toArray()), EXACT_K));
    return BenchmarkRun.cachedRankings(cache, () -> exactTop(corpus, queries));
  }

  /** Each query's exact top 10, by a pass over the corpus with the float32 kernel on every core. */
  static Map<String, List<String>> exactTop(SyntheticMultiVectors.Config corpus, VectorDataset queries) throws Exception {
    int n = queries.queries().size();
    int dim = corpus.dimension();
    int queryTokens = corpus.queryTokens();
    float[][] flat = new float[n][];
    for (int q = 0; q < n; q++) {
      flat[q] = flatten(queries.queries().get(q));
    }
    DocumentStream stream = new DocumentStream(corpus);
    int threads = Runtime.getRuntime().availableProcessors();
    List<List<PriorityQueue<Hit>>> partial = new ArrayList<>();
    ExecutorService pool = Executors.newFixedThreadPool(threads);
    try (ProgressBar progress = new ProgressBar("exact MaxSim of " + n + " queries", corpus.documents(), "docs")) {
      List<Future<?>> tasks = new ArrayList<>();
      for (int t = 0; t < threads; t++) {
        List<PriorityQueue<Hit>> tops = new ArrayList<>();
        for (int q = 0; q < n; q++) {
          tops.add(new PriorityQueue<>());
        }
        partial.add(tops);
        tasks.add(pool.submit(() -> {
          Float32MaxSimKernel kernel = KernelProvider.float32();
          float[] maxima = Float32MaxSimKernel.newMaxima(queryTokens);
          try (Arena arena = Arena.ofConfined()) {
            MemorySegment panels = arena.allocate(4L * dim * ((corpus.maxTokens() + 15) / 16 * 16), 64); // the longest document
            for (Document doc = stream.next(); doc != null; doc = stream.next()) {
              int tokens = layOut(doc.tokens(), panels);
              for (int q = 0; q < n; q++) {
                Float32MaxSimKernel.resetMaxima(maxima);
                kernel.accumulate(flat[q], dim, panels, 0, tokens, maxima);
                PriorityQueue<Hit> top = tops.get(q);
                top.add(new Hit(Float32MaxSimKernel.sumOfMaxima(maxima, queryTokens), doc.number()));
                if (top.size() > EXACT_K) {
                  top.poll();
                }
              }
              progress.advance(1);
            }
          }
          return null;
        }));
      }
      for (Future<?> task : tasks) {
        task.get();
      }
    } finally {
      pool.shutdown();
    }
    Map<String, List<String>> rankings = new LinkedHashMap<>();
    for (int q = 0; q < n; q++) {
      List<Hit> hits = new ArrayList<>();
      for (List<PriorityQueue<Hit>> tops : partial) {
        hits.addAll(tops.get(q));
      }
      hits.sort(null);
      List<String> ids = hits.reversed().stream().limit(EXACT_K).map(h -> "doc-" + h.doc).toList();
      rankings.put(queries.queryIds().get(q), ids);
    }
    return rankings;
  }

  /** A hit of the exact ranking; the smallest first (score, then the later document). */
  private record Hit(float score, int doc) implements Comparable<Hit> {
    @Override
    public int compareTo(Hit other) {
      int byScore = Float.compare(score, other.score);
      return byScore != 0 ? byScore : Integer.compare(other.doc, doc);
    }
  }

  private static final ValueLayout.OfFloat LITTLE_ENDIAN_FLOAT = ValueLayout.JAVA_FLOAT_UNALIGNED.withOrder(ByteOrder.LITTLE_ENDIAN);

  /** Writes a document's tokens as the kernel's 16-token panels, zero-padded; returns the token count. */
  private static int layOut(float[][] tokens, MemorySegment panels) {
    int dim = tokens[0].length;
    int padded = (tokens.length + 15) / 16 * 16;
    for (int t = 0; t < padded; t++) {
      for (int k = 0; k < dim; k++) {
        float value = t < tokens.length ? tokens[t][k] : 0f;
        panels.setAtIndex(LITTLE_ENDIAN_FLOAT, ((long) (t / 16) * dim + k) * 16 + t % 16, value);
      }
    }
    return tokens.length;
  }

  private static float[] flatten(float[][] matrix) {
    float[] flat = new float[matrix.length * matrix[0].length];
    for (int i = 0; i < matrix.length; i++) {
      System.arraycopy(matrix[i], 0, flat, i * matrix[i].length, matrix[i].length);
    }
    return flat;
  }

  private static String buildReport(BenchIndex index, BuildTimings timings, Map<String, Long> bytes, HeapPeak heap) throws IOException {
    StringBuilder report = new StringBuilder();
    report.append(String.format(Locale.ROOT,
        "Build: %.1f s in all: generating and indexing (with flushes and the merge policy's merges) %.1f s, the"
            + " force-merge to %d segment %.1f s. The centroid index's own time (k-means, assignment and lists, summed"
            + " over the threads that built it): %.1f s at flushes, %.1f s at merges (merges run beside indexing)."
            + " Merges paused by the merge scheduler (beyond its thread count it pauses the larger merges): %.1f s in"
            + " all. Peak heap so far %.2f GB.%n%n",
        index.buildSeconds, index.buildSeconds - index.forceMergeSeconds, index.reader.leaves().size(), index.forceMergeSeconds,
        timings.flushSeconds(), timings.mergeSeconds(), timings.pausedSeconds(), heap.peak() / 1e9));
    report.append("| structure | bytes | bytes a token |\n|---|---|---|\n");
    long total = 0;
    for (Map.Entry<String, Long> entry : bytes.entrySet()) {
      total += entry.getValue();
      report.append(String.format(Locale.ROOT, "| %s | %,d | %.1f |%n", entry.getKey(), entry.getValue(), (double) entry.getValue() / index.storedTokens));
    }
    report.append(String.format(Locale.ROOT, "| all | %,d | %.1f |%n", total, (double) total / index.storedTokens));
    return report.toString();
  }

  /**
   * Asks the kernel to drop the files of {@code dir} from the page cache ({@code dd
   * iflag=nocache}); pages mapped by the open reader may stay.
   */
  private static void evict(Path dir) throws IOException, InterruptedException {
    try (var files = Files.list(dir)) {
      for (Path file : files.toList()) {
        new ProcessBuilder("dd", "if=" + file, "iflag=nocache", "count=0", "status=none").inheritIO().start().waitFor();
      }
    }
  }

  /** Bytes of each structure's files in the page cache (util-linux {@code fincore}); empty without it. */
  private static Map<String, Long> resident(Path dir) throws IOException, InterruptedException {
    Map<String, Long> resident = new LinkedHashMap<>();
    try (var files = Files.list(dir)) {
      for (Path file : files.toList()) {
        Process fincore;
        try {
          fincore = new ProcessBuilder("fincore", "--bytes", "--noheadings", "--output", "RES", file.toString()).start();
        } catch (IOException e) {
          return Map.of(); // no fincore here
        }
        String out = new String(fincore.getInputStream().readAllBytes(), StandardCharsets.UTF_8).trim();
        if (fincore.waitFor() == 0 && out.matches("[0-9]+")) {
          resident.merge(BenchIndex.structure(file.getFileName().toString()), Long.parseLong(out), Long::sum);
        }
      }
    }
    return resident;
  }

  /** The page cache by structure: the files' size, and what was resident before and after every search. */
  private static String hotSet(Map<String, Long> bytes, Map<String, Long> before, Map<String, Long> after) {
    if (after.isEmpty()) {
      return "The page cache was not measured (no fincore on this machine).\n";
    }
    StringBuilder text =
        new StringBuilder(
            "What the searches read (the hot set): bytes of each structure in the page cache after its files were evicted"
                + " (before the searches) and after every search of both tables (util-linux fincore; the directory"
                + " advises by context, so the formats' random-read hints hold the kernel's readahead back).\n\n| structure | on disk GB | resident before GB | resident after GB |\n|---|---|---|---|\n");
    long total = 0;
    for (Map.Entry<String, Long> entry : bytes.entrySet()) {
      long res = after.getOrDefault(entry.getKey(), 0L);
      total += res;
      text.append(String.format(Locale.ROOT, "| %s | %.2f | %.2f | %.2f |%n", entry.getKey(), entry.getValue() / 1e9,
          before.getOrDefault(entry.getKey(), 0L) / 1e9, res / 1e9));
    }
    text.append(String.format(Locale.ROOT, "| all | %.2f | %.2f | %.2f |%n", bytes.values().stream().mapToLong(Long::longValue).sum() / 1e9,
        before.values().stream().mapToLong(Long::longValue).sum() / 1e9, total / 1e9));
    return text.toString();
  }

  /**
   * Sums the centroid index's build times from the writer's messages, at flushes and at merges,
   * and the time the merge scheduler kept merges paused.
   */
  private static final class BuildTimings extends InfoStream {
    private static final Pattern PAUSED = Pattern.compile("paused=([0-9.]+)s");
    private final AtomicLong flushMillis = new AtomicLong();
    private final AtomicLong mergeMillis = new AtomicLong();
    private final AtomicLong pausedMillis = new AtomicLong();

    @Override
    public void message(String component, String message) {
      if (component.equals("MS")) {
        // "merge thread ... done estSize=... runTime=12.3s (stopped=0.0s, paused=4.5s) rate=..."
        Matcher paused = PAUSED.matcher(message);
        if (message.contains(" done ") && paused.find()) {
          System.out.println(component + ": " + message);
          pausedMillis.addAndGet(Math.round(Double.parseDouble(paused.group(1)) * 1000));
        }
        return;
      }
      System.out.println(component + ": " + message);
      // "... trained in 1.2 s; tokens assigned and encoded in 3.4 s (2 threads), lists written in 0.5 s"
      double seconds = 0;
      for (String part : message.split(" in ")) {
        String number = part.split(" ")[0].replace(",", "");
        if (part.contains(" s") && number.matches("[0-9]+\\.[0-9]+")) {
          seconds += Double.parseDouble(number);
        }
      }
      (message.contains("(merge)") ? mergeMillis : flushMillis).addAndGet(Math.round(seconds * 1000));
    }

    double flushSeconds() {
      return flushMillis.get() / 1000.0;
    }

    double mergeSeconds() {
      return mergeMillis.get() / 1000.0;
    }

    double pausedSeconds() {
      return pausedMillis.get() / 1000.0;
    }

    @Override
    public boolean isEnabled(String component) {
      return component.equals("CentroidTokenIndex") || component.equals("MS");
    }

    @Override
    public void close() {}
  }

  /** Samples the heap in use every 50 ms and keeps the largest. */
  private static final class HeapPeak extends Thread {
    private volatile long peak;

    HeapPeak() {
      super("heap-peak");
      setDaemon(true);
    }

    @Override
    public void run() {
      var memory = ManagementFactory.getMemoryMXBean();
      while (isInterrupted() == false) {
        peak = Math.max(peak, memory.getHeapMemoryUsage().getUsed());
        try {
          Thread.sleep(50);
        } catch (InterruptedException e) {
          return;
        }
      }
    }

    long peak() {
      return peak;
    }
  }
}
