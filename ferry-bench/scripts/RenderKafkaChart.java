import javax.imageio.ImageIO;
import java.awt.Color;
import java.awt.Font;
import java.awt.Graphics2D;
import java.awt.RenderingHints;
import java.awt.image.BufferedImage;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;

/**
 * Draws compare-kafka.sh's results.tsv (broker, scenario, metric, value) as one PNG: a bar per
 * metric showing Ferry's value as a multiple of Kafka's, with the line at 1× where they are equal.
 *
 * java RenderKafkaChart.java results.tsv OUT.png
 *
 * A ratio chart rather than absolute bars because the scenarios' units differ by six orders of
 * magnitude and because the machine is shared: only the ratio within one run means anything.
 * Bars are green where Ferry is better (higher throughput, lower latency, CPU, memory), red where
 * it is worse. Metrics with no direction (record and disk counts) are left out.
 */
public class RenderKafkaChart {

  record Bar(String label, double ratio, boolean ferryBetter) {}

  public static void main(String[] args) throws IOException {
    System.setProperty("java.awt.headless", "true");
    List<String> lines = Files.readAllLines(Path.of(args[0]), StandardCharsets.UTF_8);
    Map<String, Double> kafka = new LinkedHashMap<>();
    Map<String, Double> ferry = new LinkedHashMap<>();
    for (String line : lines.subList(1, lines.size())) {
      String[] cells = line.split("\t");
      if (cells.length < 4) {
        continue;
      }
      String key = cells[1] + " · " + cells[2];
      try {
        double value = Double.parseDouble(cells[3]);
        (cells[0].equals("kafka") ? kafka : ferry).put(key, value);
      } catch (NumberFormatException notANumber) {
        // a tool that failed leaves an empty or textual cell: no bar for it
      }
    }
    List<Bar> bars = new ArrayList<>();
    for (Map.Entry<String, Double> entry : kafka.entrySet()) {
      Double ferryValue = ferry.get(entry.getKey());
      Boolean higherIsBetter = direction(entry.getKey());
      if (ferryValue == null || entry.getValue() <= 0 || higherIsBetter == null) {
        continue;
      }
      double ratio = ferryValue / entry.getValue();
      bars.add(new Bar(entry.getKey(), ratio, higherIsBetter ? ratio >= 1 : ratio <= 1));
    }
    ImageIO.write(draw(bars), "png", Path.of(args[1]).toFile());
  }

  /** True where more is better, false where less is, null where the metric is only a count. */
  static Boolean direction(String key) {
    if (key.endsWith("records/s") || key.endsWith("MB/s")) {
      return true;
    }
    if (key.contains("latency") || key.contains(" ms") || key.contains("CPU") || key.contains("RSS")) {
      return false;
    }
    return null;
  }

  static BufferedImage draw(List<Bar> bars) {
    int labelWidth = 450;
    int plotWidth = 520;
    int rowHeight = 26;
    int top = 60;
    int width = labelWidth + plotWidth + 80;
    int height = top + rowHeight * bars.size() + 50;
    double maxRatio = Math.max(2.0, bars.stream().mapToDouble(Bar::ratio).max().orElse(1));
    BufferedImage image = new BufferedImage(width, height, BufferedImage.TYPE_INT_RGB);
    Graphics2D g = image.createGraphics();
    g.setRenderingHint(RenderingHints.KEY_ANTIALIASING, RenderingHints.VALUE_ANTIALIAS_ON);
    g.setRenderingHint(RenderingHints.KEY_TEXT_ANTIALIASING, RenderingHints.VALUE_TEXT_ANTIALIAS_ON);
    g.setColor(Color.WHITE);
    g.fillRect(0, 0, width, height);
    g.setColor(Color.BLACK);
    g.setFont(new Font(Font.SANS_SERIF, Font.BOLD, 16));
    g.drawString("Ferry / Kafka, one run (green: Ferry better, red: Kafka better)", 16, 28);
    g.setFont(new Font(Font.SANS_SERIF, Font.PLAIN, 13));
    for (int i = 0; i < bars.size(); i++) {
      Bar bar = bars.get(i);
      int y = top + i * rowHeight;
      g.setColor(Color.BLACK);
      g.drawString(bar.label(), 16, y + 17);
      int length = (int) Math.round(plotWidth * Math.min(bar.ratio(), maxRatio) / maxRatio);
      g.setColor(bar.ferryBetter() ? new Color(0x2ca02c) : new Color(0xd62728));
      g.fillRect(labelWidth, y + 4, Math.max(length, 1), rowHeight - 8);
      g.setColor(Color.DARK_GRAY);
      g.drawString(String.format(Locale.ROOT, "%.2f×", bar.ratio()), labelWidth + length + 6, y + 17);
    }
    int parity = labelWidth + (int) Math.round(plotWidth / maxRatio);
    g.setColor(Color.BLACK);
    g.drawLine(parity, top - 6, parity, top + rowHeight * bars.size());
    g.drawString("1× (equal)", parity - 30, top + rowHeight * bars.size() + 20);
    g.dispose();
    return image;
  }
}
