package dev.multivector.bench;

import java.awt.BasicStroke;
import java.awt.Color;
import java.awt.Font;
import java.awt.Graphics2D;
import java.awt.RenderingHints;
import java.awt.image.BufferedImage;
import java.io.IOException;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import javax.imageio.ImageIO;

/**
 * A PNG chart of quality against p50 latency (log scale), one series per strategy: the points of
 * a strategy's parameter sweep are joined in order.
 */
final class QualityLatencyChart {

  private static final Color[] PALETTE = {
    new Color(0x1f77b4), new Color(0xd62728), new Color(0x2ca02c), new Color(0xff7f0e),
    new Color(0x9467bd), new Color(0x8c564b), new Color(0xe377c2), new Color(0x7f7f7f),
    new Color(0xbcbd22), new Color(0x17becf)
  };

  static void write(String title, String quality, List<Evaluation.Result> results, Path file) throws IOException {
    Map<String, List<Evaluation.Result>> series = new LinkedHashMap<>();
    for (Evaluation.Result r : results) {
      series.computeIfAbsent(r.strategy().name() + " [" + r.strategy().index() + "]", s -> new ArrayList<>()).add(r);
    }
    Font titleFont = new Font(Font.SANS_SERIF, Font.BOLD, 16), font = new Font(Font.SANS_SERIF, Font.PLAIN, 12);
    // As wide as the title and the legend's longest entry need, at least 1,100 pixels.
    Graphics2D measure = new BufferedImage(1, 1, BufferedImage.TYPE_INT_RGB).createGraphics();
    int legendWidth = 0;
    for (String name : series.keySet()) {
      legendWidth = Math.max(legendWidth, measure.getFontMetrics(font).stringWidth(name));
    }
    int titleWidth = measure.getFontMetrics(titleFont).stringWidth(title);
    measure.dispose();
    int height = 700, left = 90, right = Math.max(330, legendWidth + 50), top = 60, bottom = 70;
    int width = Math.max(left + 680 + right, left + titleWidth + 20);
    BufferedImage image = new BufferedImage(width, height, BufferedImage.TYPE_INT_RGB);
    Graphics2D g = image.createGraphics();
    g.setRenderingHint(RenderingHints.KEY_ANTIALIASING, RenderingHints.VALUE_ANTIALIAS_ON);
    g.setRenderingHint(RenderingHints.KEY_TEXT_ANTIALIASING, RenderingHints.VALUE_TEXT_ANTIALIAS_ON);
    g.setColor(Color.WHITE);
    g.fillRect(0, 0, width, height);
    double minX = Double.MAX_VALUE, maxX = 0;
    for (Evaluation.Result r : results) {
      minX = Math.min(minX, r.p50Millis());
      maxX = Math.max(maxX, r.p50Millis());
    }
    double logMin = Math.floor(Math.log10(Math.max(minX, 1e-3)));
    double logMax = Math.ceil(Math.log10(Math.max(maxX, minX * 10)));
    int plotW = width - left - right, plotH = height - top - bottom;

    g.setColor(Color.BLACK);
    g.setFont(titleFont);
    g.drawString(title, left, 30);
    g.setFont(font);
    // Axes and grid.
    g.setColor(new Color(0xdddddd));
    for (double decade = logMin; decade <= logMax; decade++) {
      int x = left + (int) ((decade - logMin) / (logMax - logMin) * plotW);
      g.drawLine(x, top, x, top + plotH);
      g.setColor(Color.DARK_GRAY);
      g.drawString(String.format(Locale.ROOT, "%s ms", trim(Math.pow(10, decade))), x - 15, top + plotH + 18);
      g.setColor(new Color(0xdddddd));
    }
    for (int i = 0; i <= 10; i++) {
      int y = top + plotH - i * plotH / 10;
      g.drawLine(left, y, left + plotW, y);
      g.setColor(Color.DARK_GRAY);
      g.drawString(String.format(Locale.ROOT, "%.1f", i / 10.0), left - 30, y + 4);
      g.setColor(new Color(0xdddddd));
    }
    g.setColor(Color.BLACK);
    g.drawRect(left, top, plotW, plotH);
    g.drawString("p50 latency per query (log scale)", left + plotW / 2 - 90, height - 25);
    g.rotate(-Math.PI / 2);
    g.drawString(quality, -(top + plotH / 2) - 20, 25);
    g.rotate(Math.PI / 2);

    int legendY = top + 10, colour = 0;
    for (Map.Entry<String, List<Evaluation.Result>> s : series.entrySet()) {
      g.setColor(PALETTE[colour++ % PALETTE.length]);
      g.setStroke(new BasicStroke(2f));
      int px = -1, py = -1;
      for (Evaluation.Result r : s.getValue()) {
        int x = left + (int) ((Math.log10(r.p50Millis()) - logMin) / (logMax - logMin) * plotW);
        int y = top + plotH - (int) (r.value(quality) * plotH);
        g.fillOval(x - 5, y - 5, 10, 10);
        if (px >= 0) {
          g.drawLine(px, py, x, y);
        }
        if (r.strategy().parameters().isEmpty() == false && s.getValue().size() > 1) {
          g.drawString(r.strategy().parameters(), x + 7, y - 7);
        }
        px = x;
        py = y;
      }
      g.fillOval(width - right + 20, legendY - 8, 10, 10);
      g.setColor(Color.BLACK);
      g.drawString(s.getKey(), width - right + 36, legendY + 1);
      legendY += 20;
    }
    g.dispose();
    ImageIO.write(image, "png", file.toFile());
  }

  private static String trim(double value) {
    return value >= 1 ? String.format(Locale.ROOT, "%.0f", value) : String.format(Locale.ROOT, "%s", value);
  }
}
