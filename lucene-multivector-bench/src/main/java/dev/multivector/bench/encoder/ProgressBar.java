package dev.multivector.bench.encoder;

import java.io.Console;
import java.io.PrintStream;
import java.util.Locale;

/**
 * A one-line progress report on stderr with rate and ETA. On a terminal the line is redrawn in
 * place (at most 10 times a second); otherwise (CI logs, redirected output) a line is printed at
 * most every 30 seconds, and once at the end.
 */
public final class ProgressBar implements AutoCloseable {
  private static final int WIDTH = 30;

  private final String label;
  private final long total;
  private final String unit;
  private final boolean terminal;
  private final PrintStream out;
  private final long start = System.nanoTime();
  private long done;
  private long lastPrint;
  private boolean closed;

  /**
   * @param label what is being done ("encoding cranfield documents")
   * @param total how many units in all
   * @param unit the unit's name, plural ("docs")
   */
  public ProgressBar(String label, long total, String unit) {
    this(label, total, unit, isTerminal(), System.err);
  }

  ProgressBar(String label, long total, String unit, boolean terminal, PrintStream out) {
    this.label = label;
    this.total = total;
    this.unit = unit;
    this.terminal = terminal;
    this.out = out;
    this.lastPrint = start;
  }

  /** Records {@code n} more units done. */
  public synchronized void advance(long n) {
    done += n;
    long now = System.nanoTime();
    long interval = terminal ? 100_000_000L : 30_000_000_000L;
    if (now - lastPrint >= interval && done < total) {
      lastPrint = now;
      print(now, false);
    }
  }

  /** Prints the final line (with the total time and mean rate). */
  @Override
  public synchronized void close() {
    if (!closed) {
      closed = true;
      print(System.nanoTime(), true);
    }
  }

  private void print(long now, boolean last) {
    double seconds = (now - start) / 1e9;
    double rate = seconds > 0 ? done / seconds : 0;
    String line;
    if (last) {
      line = String.format(Locale.ROOT, "%s: %,d %s in %.1f s (%,.1f %s/s)", label, done, unit, seconds, rate, unit);
    } else {
      double fraction = total > 0 ? Math.min(1, (double) done / total) : 0;
      int filled = (int) (fraction * WIDTH);
      String eta = rate > 0 ? formatSeconds((total - done) / rate) : "?";
      line =
          String.format(
              Locale.ROOT,
              "%s [%s%s] %,d/%,d %s %3.0f%% %,.1f %s/s ETA %s",
              label,
              "#".repeat(filled),
              " ".repeat(WIDTH - filled),
              done,
              total,
              unit,
              fraction * 100,
              rate,
              unit,
              eta);
    }
    if (terminal) {
      out.print("\r\033[2K" + line + (last ? "\n" : ""));
    } else {
      out.println(line);
    }
    out.flush();
  }

  /** Whether the JVM runs on a terminal ({@code Console.isTerminal()} where the JDK has it). */
  private static boolean isTerminal() {
    Console console = System.console();
    if (console == null) {
      return false;
    }
    try {
      return (Boolean) Console.class.getMethod("isTerminal").invoke(console); // JDK 22+
    } catch (ReflectiveOperationException e) {
      return true; // JDK 21: a console means a terminal
    }
  }

  private static String formatSeconds(double seconds) {
    long s = Math.round(seconds);
    return s >= 3600
        ? String.format(Locale.ROOT, "%d:%02d:%02d", s / 3600, s / 60 % 60, s % 60)
        : String.format(Locale.ROOT, "%d:%02d", s / 60, s % 60);
  }
}
