package dev.multivector.bench;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;

/**
 * The benchmark's command line. {@code BenchMain [command] [--option value ...]}:
 *
 * <ul>
 *   <li>{@code exhaustive} (the default): exhaustive MaxSim latency, this project against Lucene's
 *       built-in, on the seed benchmark's haystack shape;
 *   <li>{@code storage}: index bytes per token at several shapes;
 *   <li>{@code kernels}: single-thread kernel GFLOP/s against the native roofline and Lucene.
 * </ul>
 *
 * Options: {@code --out DIR} (reports), {@code --shared DIR} (the shared folder, default
 * {@code ../shared}), {@code --quick} (shorter runs).
 */
public final class BenchMain {

  private BenchMain() {}

  public static void main(String[] args) throws Exception {
    List<String> rest = new ArrayList<>(Arrays.asList(args));
    String command = rest.isEmpty() || rest.get(0).startsWith("--") ? "exhaustive" : rest.remove(0);
    Path out = Path.of(option(rest, "--out", "bench-results"));
    Path shared = Path.of(option(rest, "--shared", "../shared"));
    boolean quick = rest.remove("--quick");
    if (rest.isEmpty() == false) {
      throw new IllegalArgumentException("unknown options " + rest);
    }
    Files.createDirectories(out);
    Path work = ExhaustiveLatency.tempDir();
    switch (command) {
      case "exhaustive" -> {
        var config = new ExhaustiveLatency.Config(1230, 1024, 128, 20, 20, 2, quick ? 3 : 10, quick ? 10 : 50);
        ExhaustiveLatency.print(config, ExhaustiveLatency.run(config, work));
      }
      case "storage" -> StorageReport.print(StorageReport.run(StorageReport.DEFAULT_SHAPES, work));
      case "kernels" -> {
        String md = KernelReport.markdown(KernelReport.run(shared, quick));
        System.out.println();
        System.out.println(md);
        Files.writeString(out.resolve("kernels.md"), md);
      }
      default -> throw new IllegalArgumentException("unknown command " + command);
    }
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
