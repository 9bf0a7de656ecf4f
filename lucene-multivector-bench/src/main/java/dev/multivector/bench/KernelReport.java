package dev.multivector.bench;

import dev.multivector.bench.jmh.MaxSimKernelBenchmark;
import java.io.BufferedReader;
import java.io.IOException;
import java.io.InputStreamReader;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.openjdk.jmh.results.RunResult;
import org.openjdk.jmh.runner.Runner;
import org.openjdk.jmh.runner.RunnerException;
import org.openjdk.jmh.runner.options.ChainedOptionsBuilder;
import org.openjdk.jmh.runner.options.OptionsBuilder;
import org.openjdk.jmh.runner.options.TimeValue;

/**
 * The MaxSim kernels against the native roofline and Lucene's built-in scoring, in one run: the
 * roofline tool ({@code shared/tools/roofline/run.sh}, gcc -O3 -march=native, panel layout), then
 * {@link MaxSimKernelBenchmark} with the Panama kernel, the plain-Java kernel, the INT8 and BIT
 * encodings' Panama kernels and Lucene's built-in, all single-threaded over the same shapes. The
 * INT8 and BIT columns count the float32 MaxSim's operations on the documents they score (so their
 * ratios to the Panama column are ratios of documents, or tokens, per second).
 */
final class KernelReport {

  private static final Pattern ROOFLINE =
      Pattern.compile("dim=(\\d+) docTokens=(\\d+) queryTokens=(\\d+) docs=(\\d+) \\| rowmajor ([\\d.]+) GFLOP/s .* \\| panel ([\\d.]+) GFLOP/s");

  private static final String PANAMA = "lucene-multivector, Panama";
  private static final String INT8 = "lucene-multivector INT8, Panama";
  private static final String BIT = "lucene-multivector BIT, Panama";

  /** GFLOP/s by shape for each engine, in column order. */
  static Map<String, Map<String, Double>> run(Path sharedDir, boolean quick) throws IOException, RunnerException {
    Map<String, Map<String, Double>> table = new LinkedHashMap<>();
    Path tool = sharedDir.resolve("tools/roofline/run.sh");
    Map<String, Double> roofline = roofline(tool, 1);
    roofline.putAll(roofline(tool, 1, "384", "70", "10", "20000"));
    table.put("native roofline (panel)", roofline);
    table.put(PANAMA, jmh("panels", quick));
    table.put("lucene-multivector, plain Java", jmh("panels", quick, "-Ddev.multivector.simd.kernel=scalar"));
    table.put(INT8, jmh("int8Panels", quick));
    table.put(BIT, jmh("bitPanels", quick));
    table.put("Lucene built-in", jmh("luceneBuiltin", quick));
    return table;
  }

  /**
   * The roofline tool's panel-layout GFLOP/s by shape ({@code dim x docTokens x queryTokens x
   * docs}): its default shapes, or the one given as {@code dim docTokens queryTokens docs}, summed
   * over {@code copies} copies of the tool run at once (one per core: together they show what the
   * cores reach when they share the memory bandwidth). Empty when the tool is absent.
   */
  static Map<String, Double> roofline(Path script, int copies, String... shape) throws IOException {
    Map<String, Double> gflops = new LinkedHashMap<>();
    if (Files.exists(script) == false) {
      System.out.println("roofline tool not found at " + script + ": no roofline figure");
      return gflops;
    }
    List<String> command = new ArrayList<>(List.of("bash", script.toString()));
    command.addAll(List.of(shape));
    List<Process> processes = new ArrayList<>();
    for (int i = 0; i < copies; i++) {
      processes.add(new ProcessBuilder(command).redirectErrorStream(true).start());
    }
    for (Process process : processes) {
      try (BufferedReader out = new BufferedReader(new InputStreamReader(process.getInputStream(), StandardCharsets.UTF_8))) {
        for (String line = out.readLine(); line != null; line = out.readLine()) {
          System.out.println("roofline: " + line);
          Matcher m = ROOFLINE.matcher(line);
          if (m.find()) {
            gflops.merge(m.group(1) + "x" + m.group(2) + "x" + m.group(3) + "x" + m.group(4), Double.parseDouble(m.group(6)), Double::sum);
          }
        }
      }
    }
    return gflops;
  }

  private static Map<String, Double> jmh(String method, boolean quick, String... jvmArgs) throws RunnerException {
    ChainedOptionsBuilder options =
        new OptionsBuilder().include(MaxSimKernelBenchmark.class.getName() + "." + method + "$").shouldFailOnError(true);
    if (jvmArgs.length > 0) {
      // Replaces the benchmark's own @Fork arguments: repeat them.
      String[] all = new String[jvmArgs.length + MaxSimKernelBenchmark.JVM_ARGS.length];
      System.arraycopy(MaxSimKernelBenchmark.JVM_ARGS, 0, all, 0, MaxSimKernelBenchmark.JVM_ARGS.length);
      System.arraycopy(jvmArgs, 0, all, MaxSimKernelBenchmark.JVM_ARGS.length, jvmArgs.length);
      options.jvmArgsAppend(all);
    }
    if (quick) {
      options.warmupIterations(1).measurementIterations(2).warmupTime(TimeValue.seconds(1)).measurementTime(TimeValue.seconds(1));
    }
    Map<String, Double> gflops = new LinkedHashMap<>();
    for (RunResult result : new Runner(options.build()).run()) {
      String shape = result.getParams().getParam("shape");
      String[] p = shape.split("x");
      double flopPerDoc = 2.0 * Integer.parseInt(p[0]) * Integer.parseInt(p[1]) * Integer.parseInt(p[2]);
      gflops.put(shape, result.getPrimaryResult().getScore() * flopPerDoc / 1e9);
    }
    return gflops;
  }

  static String markdown(Map<String, Map<String, Double>> table) {
    List<String> shapes = new ArrayList<>();
    table.values().forEach(column -> column.keySet().forEach(s -> { if (!shapes.contains(s)) shapes.add(s); }));
    StringBuilder md = new StringBuilder("| dim x doc tokens x query tokens (docs) |");
    table.keySet().forEach(engine -> md.append(' ').append(engine).append(" GFLOP/s |"));
    md.append(" Panama / roofline | Panama / Lucene | INT8 / Panama | BIT / Panama |\n|---|");
    table.keySet().forEach(engine -> md.append("---|"));
    md.append("---|---|---|---|\n");
    for (String shape : shapes) {
      String[] p = shape.split("x");
      md.append(String.format(Locale.ROOT, "| %sx%sx%s (%s) |", p[0], p[1], p[2], p[3]));
      for (Map<String, Double> column : table.values()) {
        Double v = column.get(shape);
        md.append(v == null ? " - |" : String.format(Locale.ROOT, " %.1f |", v));
      }
      Double roof = table.get("native roofline (panel)").get(shape);
      Double panama = table.get(PANAMA).get(shape);
      Double lucene = table.get("Lucene built-in").get(shape);
      md.append(ratio(panama, roof, true))
          .append(ratio(panama, lucene, false))
          .append(ratio(table.get(INT8).get(shape), panama, false))
          .append(ratio(table.get(BIT).get(shape), panama, false))
          .append('\n');
    }
    return md.toString();
  }

  private static String ratio(Double a, Double b, boolean percent) {
    if (a == null || b == null) {
      return " - |";
    }
    return percent
        ? String.format(Locale.ROOT, " %.0f%% |", 100 * a / b)
        : String.format(Locale.ROOT, " %.1fx |", a / b);
  }
}
