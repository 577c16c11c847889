import javax.imageio.ImageIO;
import java.awt.BasicStroke;
import java.awt.Color;
import java.awt.Font;
import java.awt.FontMetrics;
import java.awt.Graphics2D;
import java.awt.RenderingHints;
import java.awt.image.BufferedImage;
import java.io.IOException;
import java.io.Reader;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Properties;
import java.util.function.Function;

/**
 * Renders compare-rabbitmq.sh's results as a Markdown report and a PNG bar chart.
 *
 * java RenderComparison.java results.tsv scenarios.tsv meta.properties caveats.txt OUT.md OUT.png
 *
 * Uses only the JDK (java.awt in headless mode, javax.imageio), so it runs wherever the harness does.
 */
public class RenderComparison {

  static final Color FERRY = new Color(0x1f77b4);
  static final Color RABBIT = new Color(0xff7f0e);

  /** One broker's row for one scenario, keyed by results.tsv's header names. */
  record Row(Map<String, String> cells) {
    String text(String key) {
      String v = cells.get(key);
      return v == null ? "" : v;
    }

    Double num(String key) {
      String v = text(key);
      if (v.isEmpty()) {
        return null;
      }
      try {
        return Double.parseDouble(v);
      } catch (NumberFormatException e) {
        return null;
      }
    }
  }

  record Scenario(String id, String title, String command) {}

  /** A metric of the detail table: label, how to read it off a row, and which way is better. */
  record Metric(String label, Function<Row, Double> value, String better, int decimals) {}

  public static void main(String[] args) throws IOException {
    System.setProperty("java.awt.headless", "true");
    if (args.length != 6) {
      System.err.println("usage: RenderComparison results.tsv scenarios.tsv meta.properties caveats.txt OUT.md OUT.png");
      System.exit(2);
    }
    Map<String, Map<String, Row>> results = readResults(Path.of(args[0]));
    List<Scenario> scenarios = new ArrayList<>();
    for (String line : Files.readAllLines(Path.of(args[1]), StandardCharsets.UTF_8)) {
      String[] f = line.split("\t", -1);
      if (f.length >= 3) {
        scenarios.add(new Scenario(f[0], f[1], f[2]));
      }
    }
    Properties meta = new Properties();
    try (Reader r = Files.newBufferedReader(Path.of(args[2]), StandardCharsets.UTF_8)) {
      meta.load(r);
    }
    List<String> caveats = Files.readAllLines(Path.of(args[3]), StandardCharsets.UTF_8).stream()
        .filter(s -> !s.isBlank()).toList();
    Path md = Path.of(args[4]);
    Path png = Path.of(args[5]);
    Files.writeString(md, markdown(results, scenarios, meta, caveats, png.getFileName().toString()),
        StandardCharsets.UTF_8);
    ImageIO.write(chart(results, meta), "png", png.toFile());
  }

  static Map<String, Map<String, Row>> readResults(Path file) throws IOException {
    List<String> lines = Files.readAllLines(file, StandardCharsets.UTF_8);
    String[] header = lines.get(0).split("\t", -1);
    Map<String, Map<String, Row>> out = new LinkedHashMap<>();
    for (String line : lines.subList(1, lines.size())) {
      if (line.isBlank()) {
        continue;
      }
      String[] f = line.split("\t", -1);
      Map<String, String> cells = new LinkedHashMap<>();
      for (int i = 0; i < header.length && i < f.length; i++) {
        cells.put(header[i], f[i]);
      }
      Row row = new Row(cells);
      out.computeIfAbsent(row.text("scenario"), k -> new LinkedHashMap<>()).put(row.text("broker"), row);
    }
    return out;
  }

  // ------------------------------------------------------------------------------------------
  // Markdown

  static final List<Metric> METRICS = List.of(
      new Metric("sent, msg/s", r -> r.num("sent_rate"), "higher", 0),
      new Metric("received, msg/s", r -> r.num("recv_rate"), "higher", 0),
      new Metric("consumer latency p50, ms", r -> ms(r.num("p50_us")), "lower", 2),
      new Metric("consumer latency p99, ms", r -> ms(r.num("p99_us")), "lower", 2),
      new Metric("consumer latency p99.9, ms", r -> ms(r.num("p999_us")), "lower", 2),
      new Metric("confirm latency p50, ms", r -> ms(r.num("confirm_p50_us")), "lower", 2),
      new Metric("confirm latency p99, ms", r -> ms(r.num("confirm_p99_us")), "lower", 2),
      new Metric("broker peak RSS, MiB", r -> mib(r.num("rss_peak_kib")), "lower", 0),
      new Metric("broker CPU, s", r -> r.num("cpu_s"), "lower", 1),
      new Metric("broker CPU per message, µs", RenderComparison::cpuPerMessageUs, "lower", 1),
      new Metric("Ferry GC pauses (count)", r -> r.num("gc_pauses"), "lower", 0),
      new Metric("Ferry longest GC pause, ms", r -> r.num("gc_max_ms"), "lower", 1),
      new Metric("Ferry GC pause total, ms", r -> r.num("gc_total_ms"), "lower", 0),
      new Metric("Ferry committed heap at its largest, MiB", r -> r.num("gc_heap_mib"), "lower", 0));

  static Double ms(Double us) {
    return us == null ? null : us / 1000.0;
  }

  static Double mib(Double kib) {
    return kib == null ? null : kib / 1024.0;
  }

  static Double cpuPerMessageUs(Row r) {
    Double cpu = r.num("cpu_s");
    Double n = r.num("messages");
    return cpu == null || n == null || n <= 0 ? null : cpu * 1e6 / n;
  }

  static String markdown(Map<String, Map<String, Row>> results, List<Scenario> scenarios, Properties meta,
                         List<String> caveats, String pngName) {
    StringBuilder b = new StringBuilder();
    b.append("# Ferry and RabbitMQ side by side\n\n");
    b.append("Measured ").append(meta.getProperty("date")).append(" by `").append(meta.getProperty("command"))
        .append("` (").append(meta.getProperty("mode")).append(" mode: ").append(meta.getProperty("duration_s"))
        .append(" s per scenario, backlog of ").append(fmt(Double.parseDouble(meta.getProperty("backlog")), 0))
        .append(" messages). Both brokers ran on this one machine, one at a time, with the load generator "
            + "(RabbitMQ PerfTest) on the same cores; the machine is shared with other builds, so treat "
            + "single figures as noisy (±20% is not a signal) and rerun before quoting. "
            + "How the harness works and how to rerun it: [README.md](README.md).\n\n");
    b.append("![Ferry vs RabbitMQ](").append(pngName).append(")\n\n");

    b.append("## Caveats\n\n");
    for (String c : caveats) {
      b.append("- ").append(c).append('\n');
    }
    b.append('\n');

    b.append("## Summary\n\n");
    b.append("Throughput is the received rate (the publish rate for 6a); ratio = Ferry / RabbitMQ, "
        + "so above 1 is better for throughput and below 1 is better for latency, memory and CPU.\n\n");
    b.append("| scenario | Ferry msg/s | RabbitMQ msg/s | ratio | Ferry peak RSS MiB | RabbitMQ peak RSS MiB | ratio "
        + "| Ferry CPU µs/msg | RabbitMQ CPU µs/msg | ratio |\n");
    b.append("| --- | ---: | ---: | ---: | ---: | ---: | ---: | ---: | ---: | ---: |\n");
    for (Scenario s : scenarios) {
      Map<String, Row> rows = results.getOrDefault(s.id(), Map.of());
      Row f = rows.get("ferry");
      Row r = rows.get("rabbitmq");
      Function<Row, Double> tput = s.id().equals("s6a") ? x -> x.num("sent_rate") : x -> x.num("recv_rate");
      b.append("| ").append(s.title()).append(" | ");
      cells(b, f, r, tput, 0);
      b.append(" | ");
      cells(b, f, r, x -> mib(x.num("rss_peak_kib")), 0);
      b.append(" | ");
      cells(b, f, r, RenderComparison::cpuPerMessageUs, 1);
      b.append(" |\n");
    }
    b.append('\n');

    b.append("## Details\n\n");
    b.append("| scenario | metric | better | Ferry | RabbitMQ | Ferry / RabbitMQ |\n");
    b.append("| --- | --- | --- | ---: | ---: | ---: |\n");
    for (Scenario s : scenarios) {
      Map<String, Row> rows = results.getOrDefault(s.id(), Map.of());
      Row f = rows.get("ferry");
      Row r = rows.get("rabbitmq");
      String name = s.title().split(" ", 2)[0];
      for (Metric m : METRICS) {
        Double fv = f == null ? null : m.value().apply(f);
        Double rv = r == null ? null : m.value().apply(r);
        if (fv == null && rv == null) {
          continue;
        }
        b.append("| ").append(name).append(" | ").append(m.label()).append(" | ").append(m.better()).append(" | ")
            .append(fmt(fv, m.decimals())).append(" | ").append(fmt(rv, m.decimals())).append(" | ")
            .append(ratio(fv, rv)).append(" |\n");
      }
      if (s.id().equals("s6a")) {
        b.append("| ").append(name).append(" | broker RSS holding the backlog, MiB | lower | ")
            .append(fmt(f == null ? null : mib(f.num("rss_end_kib")), 0)).append(" | ")
            .append(fmt(r == null ? null : mib(r.num("rss_end_kib")), 0)).append(" | ")
            .append(ratio(f == null ? null : f.num("rss_end_kib"), r == null ? null : r.num("rss_end_kib")))
            .append(" |\n");
      }
      b.append("| ").append(name).append(" | run ended | | ").append(f == null ? "not run" : esc(f.text("stop")))
          .append(" | ").append(r == null ? "not run" : esc(r.text("stop"))).append(" | |\n");
    }
    b.append('\n');
    b.append("Latencies are PerfTest's whole-run consumer latency (publish to delivery, in the client's clock) "
        + "except 5b, which is the harness's own probe (every sample kept, so it can give p99.9). "
        + "In the unthrottled scenarios (1-4) latency mostly measures how long the queue grew, not the broker's "
        + "per-message cost. Peak RSS is the broker process's VmHWM, reset before each scenario (for 6b it "
        + "covers publish and drain). CPU is the broker process's user+system time during the scenario; "
        + "per message it is divided by the messages received (published, for 6a; for fan-out, deliveries). "
        + "Ferry's GC pauses come from its GC log (-Xlog:gc), counted per scenario; RabbitMQ has no "
        + "stop-the-world collector to compare. Ferry's committed heap (from the same log) next to its RSS "
        + "tells heap from off-heap memory (Netty's direct buffers, thread stacks, code cache).\n\n");

    b.append("## Scenarios (exact load-generator arguments)\n\n");
    b.append("`URI` is `amqp://guest:guest@127.0.0.1:PORT` of the broker under test; the same arguments run "
        + "against both brokers, Ferry first.\n\n");
    for (Scenario s : scenarios) {
      b.append("- **").append(s.title()).append("**: `").append(s.command()).append("`\n");
    }
    b.append('\n');

    b.append("## Machine and versions\n\n");
    b.append("| | |\n| --- | --- |\n");
    row(b, "CPU", meta.getProperty("cpu") + " — " + meta.getProperty("nproc") + " cores (`nproc`)");
    row(b, "memory", meta.getProperty("memory"));
    row(b, "kernel", meta.getProperty("kernel"));
    row(b, "load average at the end", meta.getProperty("loadavg_at_end"));
    row(b, "Ferry", "commit `" + meta.getProperty("ferry_commit") + "`, JVM flags `" + meta.getProperty("ferry_jvm") + "`");
    row(b, "JDK (Ferry and PerfTest)", meta.getProperty("jdk"));
    row(b, "RabbitMQ", meta.getProperty("rabbitmq") + " (Debian package), default configuration, no plugins");
    row(b, "Erlang", meta.getProperty("erlang") + " (Debian erlang-base)");
    row(b, "PerfTest", "com.rabbitmq:perf-test:" + meta.getProperty("perftest"));
    row(b, "Ferry restarts during the run", meta.getProperty("ferry_restarts"));
    row(b, "WARN/ERROR lines in Ferry's log", meta.getProperty("ferry_warn_lines"));
    row(b, "command", "`" + meta.getProperty("command") + "`");
    b.append('\n');
    b.append("Raw summaries of each run (PerfTest's closing lines, results.tsv, Ferry's warnings) are in "
        + "[raw/rabbitmq-comparison/](raw/rabbitmq-comparison/).\n");
    return b.toString();
  }

  static void cells(StringBuilder b, Row f, Row r, Function<Row, Double> v, int decimals) {
    Double fv = f == null ? null : v.apply(f);
    Double rv = r == null ? null : v.apply(r);
    b.append(fmt(fv, decimals)).append(" | ").append(fmt(rv, decimals)).append(" | ").append(ratio(fv, rv));
  }

  static void row(StringBuilder b, String k, String v) {
    b.append("| ").append(k).append(" | ").append(esc(v)).append(" |\n");
  }

  static String esc(String s) {
    return s == null ? "" : s.replace("|", "\\|");
  }

  static String fmt(Double v, int decimals) {
    if (v == null) {
      return "—";
    }
    if (decimals == 0 || Math.abs(v) >= 1000) {
      return String.format(Locale.ROOT, "%,d", Math.round(v));
    }
    return String.format(Locale.ROOT, "%." + decimals + "f", v);
  }

  static String ratio(Double f, Double r) {
    if (f == null || r == null || r == 0) {
      return "—";
    }
    double q = f / r;
    return String.format(Locale.ROOT, q >= 10 ? "%.0f×" : q >= 0.1 ? "%.2f×" : "%.3f×", q);
  }

  // ------------------------------------------------------------------------------------------
  // Chart: four panels of grouped bars, Ferry beside RabbitMQ.

  record Group(String label, Double ferry, Double rabbit) {}

  static BufferedImage chart(Map<String, Map<String, Row>> results, Properties meta) {
    int w = 1500;
    int h = 1060;
    BufferedImage img = new BufferedImage(w, h, BufferedImage.TYPE_INT_RGB);
    Graphics2D g = img.createGraphics();
    g.setRenderingHint(RenderingHints.KEY_ANTIALIASING, RenderingHints.VALUE_ANTIALIAS_ON);
    g.setRenderingHint(RenderingHints.KEY_TEXT_ANTIALIASING, RenderingHints.VALUE_TEXT_ANTIALIAS_ON);
    g.setColor(Color.WHITE);
    g.fillRect(0, 0, w, h);

    g.setColor(Color.BLACK);
    g.setFont(new Font(Font.SANS_SERIF, Font.BOLD, 22));
    g.drawString("Ferry vs RabbitMQ " + meta.getProperty("rabbitmq", "") + " — PerfTest " + meta.getProperty("perftest", ""), 30, 36);
    g.setFont(new Font(Font.SANS_SERIF, Font.PLAIN, 14));
    g.drawString(meta.getProperty("nproc") + " cores (" + meta.getProperty("cpu") + "), " + meta.getProperty("memory")
        + " RAM, shared machine: noisy. Ferry " + meta.getProperty("ferry_commit").split(" ")[0] + ", " + meta.getProperty("date")
        + ", " + meta.getProperty("mode") + " mode.", 30, 60);
    legend(g, w - 330, 30);

    List<Group> tput = new ArrayList<>();
    List<Group> rss = new ArrayList<>();
    List<Group> cpu = new ArrayList<>();
    String[][] ids = {{"s1", "1 transient"}, {"s2", "2 persistent*"}, {"s3", "3 fan-out ×5"}, {"s4", "4 4×4"},
        {"s5", "5 5k/s"}, {"s6a", "6a backlog in"}, {"s6b", "6b drain"}};
    for (String[] id : ids) {
      Map<String, Row> rows = results.getOrDefault(id[0], Map.of());
      Function<Row, Double> t = id[0].equals("s6a") ? x -> x.num("sent_rate") : x -> x.num("recv_rate");
      tput.add(group(id[1], rows, t));
      rss.add(group(id[1], rows, x -> mib(x.num("rss_peak_kib"))));
      cpu.add(group(id[1], rows, RenderComparison::cpuPerMessageUs));
    }
    List<Group> lat = new ArrayList<>();
    Map<String, Row> s5 = results.getOrDefault("s5", Map.of());
    Map<String, Row> s5p = results.getOrDefault("s5p", Map.of());
    lat.add(group("PerfTest p50", s5, x -> ms(x.num("p50_us"))));
    lat.add(group("PerfTest p99", s5, x -> ms(x.num("p99_us"))));
    lat.add(group("probe p50", s5p, x -> ms(x.num("p50_us"))));
    lat.add(group("probe p99", s5p, x -> ms(x.num("p99_us"))));
    lat.add(group("probe p99.9", s5p, x -> ms(x.num("p999_us"))));

    int pw = (w - 90) / 2;
    int ph = (h - 130) / 2;
    panel(g, 30, 85, pw, ph, "Throughput, msg/s received (6a: published) — higher is better", tput, false, 0);
    panel(g, 60 + pw, 85, pw, ph, "Latency at 5,000 msg/s, ms (log scale) — lower is better", lat, true, 2);
    panel(g, 30, 105 + ph, pw, ph, "Broker peak RSS, MiB — lower is better", rss, false, 0);
    panel(g, 60 + pw, 105 + ph, pw, ph, "Broker CPU per message, µs — lower is better", cpu, false, 1);
    g.setColor(Color.DARK_GRAY);
    g.setFont(new Font(Font.SANS_SERIF, Font.PLAIN, 12));
    g.drawString("* scenario 2: Ferry does not yet write persistent messages to disk (see Caveats in rabbitmq-comparison.md). "
        + "Missing bar = no result (see the table).", 30, h - 12);
    g.dispose();
    return img;
  }

  static Group group(String label, Map<String, Row> rows, Function<Row, Double> v) {
    Row f = rows.get("ferry");
    Row r = rows.get("rabbitmq");
    return new Group(label, f == null ? null : v.apply(f), r == null ? null : v.apply(r));
  }

  static void legend(Graphics2D g, int x, int y) {
    g.setFont(new Font(Font.SANS_SERIF, Font.PLAIN, 16));
    g.setColor(FERRY);
    g.fillRect(x, y - 12, 18, 14);
    g.setColor(Color.BLACK);
    g.drawString("Ferry", x + 24, y);
    g.setColor(RABBIT);
    g.fillRect(x + 110, y - 12, 18, 14);
    g.setColor(Color.BLACK);
    g.drawString("RabbitMQ", x + 134, y);
  }

  static void panel(Graphics2D g, int x, int y, int w, int h, String title, List<Group> groups, boolean log,
                    int decimals) {
    g.setColor(new Color(0xf7f7f7));
    g.fillRect(x, y, w, h);
    g.setColor(Color.BLACK);
    g.setFont(new Font(Font.SANS_SERIF, Font.BOLD, 15));
    g.drawString(title, x + 10, y + 22);

    int left = x + 70;
    int right = x + w - 15;
    int top = y + 50;
    int bottom = y + h - 45;
    double max = 0;
    double min = Double.MAX_VALUE;
    for (Group gr : groups) {
      for (Double v : new Double[] {gr.ferry(), gr.rabbit()}) {
        if (v != null && v > 0) {
          max = Math.max(max, v);
          min = Math.min(min, v);
        }
      }
    }
    if (max == 0) {
      g.setFont(new Font(Font.SANS_SERIF, Font.PLAIN, 14));
      g.drawString("no data", left, (top + bottom) / 2);
      return;
    }
    double lo;
    double hi;
    if (log) {
      lo = Math.pow(10, Math.floor(Math.log10(min)));
      hi = Math.pow(10, Math.ceil(Math.log10(max * 1.5)));
    } else {
      lo = 0;
      hi = niceCeil(max * 1.15);
    }
    final double flo = lo;
    final double fhi = hi;
    Function<Double, Integer> yOf = v -> {
      double f = log ? (Math.log10(v) - Math.log10(flo)) / (Math.log10(fhi) - Math.log10(flo)) : (v - flo) / (fhi - flo);
      return (int) Math.round(bottom - f * (bottom - top));
    };

    // Grid and axis labels.
    g.setFont(new Font(Font.SANS_SERIF, Font.PLAIN, 12));
    FontMetrics fm = g.getFontMetrics();
    List<Double> ticks = new ArrayList<>();
    if (log) {
      for (double t = lo; t <= hi * 1.0001; t *= 10) {
        ticks.add(t);
      }
    } else {
      double step = hi / 5;
      for (int i = 0; i <= 5; i++) {
        ticks.add(i * step);
      }
    }
    for (double t : ticks) {
      int ty = yOf.apply(log ? t : Math.max(t, 0));
      g.setColor(new Color(0xdddddd));
      g.setStroke(new BasicStroke(1));
      g.drawLine(left, ty, right, ty);
      g.setColor(Color.DARK_GRAY);
      String s = axis(t);
      g.drawString(s, left - 6 - fm.stringWidth(s), ty + 4);
    }
    g.setColor(Color.BLACK);
    g.drawLine(left, top, left, bottom);
    g.drawLine(left, bottom, right, bottom);

    int n = groups.size();
    double slot = (double) (right - left) / n;
    int bar = (int) Math.min(46, slot * 0.36);
    for (int i = 0; i < n; i++) {
      Group gr = groups.get(i);
      int cx = (int) Math.round(left + slot * (i + 0.5));
      drawBar(g, cx - bar - 2, bar, gr.ferry(), FERRY, yOf, bottom, decimals, log);
      drawBar(g, cx + 2, bar, gr.rabbit(), RABBIT, yOf, bottom, decimals, log);
      g.setColor(Color.BLACK);
      g.setFont(new Font(Font.SANS_SERIF, Font.PLAIN, 13));
      fm = g.getFontMetrics();
      g.drawString(gr.label(), cx - fm.stringWidth(gr.label()) / 2, bottom + 18);
      if (gr.ferry() != null && gr.rabbit() != null && gr.rabbit() > 0) {
        String q = ratio(gr.ferry(), gr.rabbit());
        g.setColor(Color.DARK_GRAY);
        g.setFont(new Font(Font.SANS_SERIF, Font.ITALIC, 12));
        fm = g.getFontMetrics();
        g.drawString(q, cx - fm.stringWidth(q) / 2, bottom + 34);
      }
    }
  }

  static void drawBar(Graphics2D g, int x, int width, Double v, Color c, Function<Double, Integer> yOf, int bottom,
                      int decimals, boolean log) {
    if (v == null || (log && v <= 0)) {
      return;
    }
    int top = Math.min(bottom - 1, yOf.apply(v));
    g.setColor(c);
    g.fillRect(x, top, width, bottom - top);
    g.setColor(Color.BLACK);
    g.setFont(new Font(Font.SANS_SERIF, Font.PLAIN, 11));
    FontMetrics fm = g.getFontMetrics();
    String s = v >= 1000 ? compact(v) : fmt(v, v >= 100 ? 0 : decimals);
    g.drawString(s, x + width / 2 - fm.stringWidth(s) / 2, top - 3);
  }

  static String compact(double v) {
    if (v >= 1e6) {
      return String.format(Locale.ROOT, "%.2fM", v / 1e6);
    }
    if (v >= 1e3) {
      return String.format(Locale.ROOT, "%.1fk", v / 1e3);
    }
    return String.format(Locale.ROOT, "%.0f", v);
  }

  static String axis(double v) {
    if (v == 0) {
      return "0";
    }
    if (v >= 1000) {
      return compact(v);
    }
    if (v >= 1) {
      return String.format(Locale.ROOT, "%.0f", v);
    }
    return String.format(Locale.ROOT, "%s", (float) v);
  }

  static double niceCeil(double v) {
    double mag = Math.pow(10, Math.floor(Math.log10(v)));
    for (double m : new double[] {1, 1.2, 1.5, 2, 2.5, 3, 4, 5, 6, 8, 10}) {
      if (m * mag >= v) {
        return m * mag;
      }
    }
    return 10 * mag;
  }
}
