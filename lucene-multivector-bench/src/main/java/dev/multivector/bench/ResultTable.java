package dev.multivector.bench;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;

/** The results of a benchmark run as a markdown table and a CSV file, one row per strategy. */
final class ResultTable {

  private final String title;
  private final List<String> qualityNames;
  private final int exactK;
  private final List<Evaluation.Result> rows = new ArrayList<>();

  ResultTable(String title, List<String> qualityNames, int exactK) {
    this.title = title;
    this.qualityNames = qualityNames;
    this.exactK = exactK;
  }

  void add(Evaluation.Result result) {
    rows.add(result);
  }

  List<Evaluation.Result> rows() {
    return rows;
  }

  private List<String> header() {
    List<String> header = new ArrayList<>(List.of("strategy", "parameters", "index"));
    header.addAll(qualityNames);
    header.addAll(
        List.of(
            "recall@" + exactK + " vs exact",
            "p50 ms",
            "p99 ms",
            "QPS",
            "CPU ms/query",
            "index s",
            "index MB",
            "bytes/token",
            "tokens stored"));
    return header;
  }

  private List<String> cells(Evaluation.Result r) {
    List<String> cells = new ArrayList<>(List.of(r.strategy().name(), r.strategy().parameters(), r.strategy().index()));
    for (String q : qualityNames) {
      cells.add(format("%.3f", r.quality().get(q)));
    }
    cells.add(format("%.3f", r.recallVsExact()));
    cells.add(format("%.2f", r.p50Millis()));
    cells.add(format("%.2f", r.p99Millis()));
    cells.add(format("%.1f", r.qps()));
    cells.add(format("%.2f", r.cpuMillisPerQuery()));
    cells.add(format("%.1f", r.indexSeconds()));
    cells.add(format("%.1f", r.indexMegabytes()));
    cells.add(format("%.0f", r.bytesPerToken()));
    cells.add(format("%,d", r.storedTokens()));
    return cells;
  }

  String markdown() {
    StringBuilder md = new StringBuilder("### ").append(title).append("\n\n");
    List<String> header = header();
    md.append("| ").append(String.join(" | ", header)).append(" |\n|");
    md.append("---|".repeat(header.size())).append('\n');
    for (Evaluation.Result r : rows) {
      md.append("| ").append(String.join(" | ", cells(r))).append(" |\n");
    }
    return md.toString();
  }

  void writeCsv(Path file) throws IOException {
    StringBuilder csv = new StringBuilder(String.join(",", header())).append('\n');
    for (Evaluation.Result r : rows) {
      List<String> cells = new ArrayList<>();
      for (String cell : cells(r)) {
        cells.add('"' + cell.replace(",", "").replace("\"", "'") + '"');
      }
      csv.append(String.join(",", cells)).append('\n');
    }
    Files.writeString(file, csv);
  }

  private static String format(String pattern, Object value) {
    return String.format(Locale.ROOT, pattern, value);
  }
}
