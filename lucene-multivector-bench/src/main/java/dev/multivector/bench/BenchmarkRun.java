package dev.multivector.bench;

import dev.multivector.bench.data.ProjectPaths;
import dev.multivector.bench.data.VectorDataset;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import org.apache.lucene.search.IndexSearcher;

/**
 * One benchmark table: a data set, the indexes it needs, and the strategies to compare. Each index
 * is built once; the exact top k (exhaustive MaxSim on the reference index) is computed first and
 * cached on disk; then every strategy runs (warm-up pass, timed pass). Writes {@code <name>.md},
 * {@code <name>.csv} and {@code <name>.png} to the output folder.
 */
final class BenchmarkRun {

  private final String name;
  private final String title;
  private final VectorDataset data;
  private final List<Evaluation.Quality> qualities;
  private final int exactK;
  private final Path out;
  private final Path work;
  private final int threads;

  BenchmarkRun(
      String name,
      String title,
      VectorDataset data,
      List<Evaluation.Quality> qualities,
      int exactK,
      Path out,
      Path work,
      int threads) {
    this.name = name;
    this.title = title;
    this.data = data;
    this.qualities = qualities;
    this.exactK = exactK;
    this.out = out;
    this.work = work;
    this.threads = threads;
  }

  /**
   * @param specs the indexes, the first being the reference for the exact top k
   * @param strategies in table order; each names one of {@code specs}
   * @param chartQuality the quality on the chart's vertical axis
   */
  ResultTable run(List<BenchIndex.Spec> specs, List<Strategy> strategies, String chartQuality, String note)
      throws IOException {
    ExecutorService executor = Executors.newFixedThreadPool(threads);
    Map<Strategy, Evaluation.Result> results = new LinkedHashMap<>();
    Evaluation evaluation = new Evaluation(data, qualities, exactK);
    Map<String, List<String>> exact = null;
    try {
      for (BenchIndex.Spec spec : specs) {
        List<Strategy> using = strategies.stream().filter(s -> s.index().equals(spec.name())).toList();
        if (using.isEmpty() && exact != null) {
          continue;
        }
        try (BenchIndex index = BenchIndex.build(spec, data, work.resolve(name + "-" + spec.name()))) {
          IndexSearcher searcher = index.searcher(executor, threads);
          if (exact == null) {
            exact = exactRankings(evaluation, index, searcher);
          }
          for (Strategy strategy : using) {
            results.put(strategy, evaluation.run(strategy, index, searcher, exact));
          }
          System.out.printf(Locale.ROOT, "index %s: %.1f s, %s%n", spec.name(), index.buildSeconds, index.bytesByStructure());
        }
      }
    } finally {
      executor.shutdown();
    }
    ResultTable table = new ResultTable(title, qualities.stream().map(Evaluation.Quality::name).toList(), exactK);
    strategies.stream().filter(results::containsKey).forEach(s -> table.add(results.get(s)));
    String markdown = table.markdown() + "\n" + note + "\n";
    System.out.println();
    System.out.println(markdown);
    Files.createDirectories(out);
    Files.writeString(out.resolve(name + ".md"), markdown);
    table.writeCsv(out.resolve(name + ".csv"));
    QualityLatencyChart.write(title, chartQuality, table.rows(), out.resolve(name + ".png"));
    System.out.println("wrote " + out.resolve(name + ".md") + ", .csv and .png");
    return table;
  }

  /** Exhaustive MaxSim's rankings: computed on the reference index, or read from the cache. */
  private Map<String, List<String>> exactRankings(
      Evaluation evaluation, BenchIndex index, IndexSearcher searcher) throws IOException {
    Path cache =
        ProjectPaths.cacheDir()
            .resolve("exact")
            .resolve(
                String.format(
                    Locale.ROOT,
                    "%s.%d-docs.%d-tokens.%d-queries.%08x.tsv",
                    data.name(),
                    data.documents().size(),
                    data.documentTokens(),
                    data.queries().size(),
                    Arrays.deepHashCode(data.queries().toArray())));
    return cachedRankings(
        cache,
        () -> {
          System.out.println("computing the exact top " + Evaluation.DEPTH + " of every query ...");
          return evaluation.rankings(Strategy.exhaustive(index.spec.name()), index, searcher);
        });
  }

  /** Computes rankings (query id to document ids, best first); may throw {@code E}. */
  interface RankingComputation<E extends Exception> {
    Map<String, List<String>> compute() throws E;
  }

  /**
   * Rankings read from {@code cache} (a line a query: its id, a tab, its document ids separated by
   * spaces), or computed and written there.
   */
  static <E extends Exception> Map<String, List<String>> cachedRankings(Path cache, RankingComputation<E> computation)
      throws E, IOException {
    if (Files.exists(cache)) {
      Map<String, List<String>> rankings = new LinkedHashMap<>();
      for (String line : Files.readAllLines(cache, StandardCharsets.UTF_8)) {
        String[] parts = line.split("\t");
        rankings.put(parts[0], parts.length > 1 ? Arrays.asList(parts[1].split(" ")) : List.of());
      }
      return rankings;
    }
    Map<String, List<String>> rankings = computation.compute();
    List<String> lines = new ArrayList<>();
    rankings.forEach((query, ids) -> lines.add(query + "\t" + String.join(" ", ids)));
    Files.createDirectories(cache.getParent());
    Files.write(cache, lines, StandardCharsets.UTF_8);
    return rankings;
  }
}
