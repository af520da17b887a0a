package org.smyrf4j.cli;

import java.io.IOException;
import java.io.OutputStream;
import java.io.UncheckedIOException;
import java.math.BigDecimal;
import java.math.MathContext;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import org.knowm.xchart.BitmapEncoder;
import org.knowm.xchart.BitmapEncoder.BitmapFormat;
import org.knowm.xchart.XYChart;
import org.knowm.xchart.XYChartBuilder;
import org.knowm.xchart.style.Styler.LegendPosition;

/**
 * {@code bench --plot}: median time against sequence length, both axes logarithmic, one line
 * per configuration (dense, and SMYRF per hashes and cluster size), as a PNG (XChart). On
 * log-log axes dense's O(N^2) is a line of slope 2 and SMYRF's O(N log N) one of slope about 1.
 */
final class BenchPlot {

    static final int WIDTH = 900;
    static final int HEIGHT = 600;

    private BenchPlot() {
    }

    static void write(Path file, String title, List<BenchResult> results) {
        // XChart draws with AWT; without a display it must know it is headless before AWT loads.
        if (System.getProperty("java.awt.headless") == null) {
            System.setProperty("java.awt.headless", "true");
        }
        XYChart chart = new XYChartBuilder().width(WIDTH).height(HEIGHT).title(title)
                .xAxisTitle("sequence length N (tokens)").yAxisTitle("median time per call (ms)").build();
        chart.getStyler().setXAxisLogarithmic(true).setYAxisLogarithmic(true);
        // Ticks between the decades too (a sweep of 1k..16k spans barely more than one decade),
        // labelled at 1, 2 and 5 times a power of ten only, so that the labels do not overlap.
        chart.getStyler().setXAxisLogarithmicDecadeOnly(false).setYAxisLogarithmicDecadeOnly(false);
        chart.setCustomXAxisTickLabelsFormatter(BenchPlot::label125);
        chart.setCustomYAxisTickLabelsFormatter(BenchPlot::label125);
        chart.getStyler().setLegendPosition(LegendPosition.OutsideE);
        for (Map.Entry<String, List<BenchResult>> line : bySeries(results).entrySet()) {
            List<BenchResult> points = line.getValue();
            double[] x = new double[points.size()];
            double[] y = new double[points.size()];
            for (int i = 0; i < points.size(); i++) {
                x[i] = points.get(i).benchCase().length();
                y[i] = points.get(i).medianMs();
            }
            chart.addSeries(line.getKey(), x, y);
        }
        try (OutputStream out = Files.newOutputStream(file)) {
            BitmapEncoder.saveBitmap(chart, out, BitmapFormat.PNG);
        } catch (IOException e) {
            throw new UncheckedIOException("cannot write --plot " + file + ": " + e.getMessage(), e);
        }
    }

    /** "1000", "2000", "5000", "0.2" for 1, 2 or 5 times a power of ten; "" for other ticks. */
    static String label125(double value) {
        if (!(value > 0)) {
            return "";
        }
        double decade = Math.pow(10, Math.floor(Math.log10(value) + 1e-9));
        long leading = Math.round(value / decade);
        if (Math.abs(value / decade - leading) > 1e-6 || (leading != 1 && leading != 2 && leading != 5)) {
            return "";
        }
        return new BigDecimal(value).round(new MathContext(1)).stripTrailingZeros().toPlainString();
    }

    /** Results grouped by line, in first-seen order, each line in ascending length. */
    static Map<String, List<BenchResult>> bySeries(List<BenchResult> results) {
        Map<String, List<BenchResult>> series = new LinkedHashMap<>();
        for (BenchResult r : results) {
            series.computeIfAbsent(r.backend() + " " + r.benchCase().series(), key -> new ArrayList<>()).add(r);
        }
        series.values().forEach(points -> points.sort((a, b) ->
                Integer.compare(a.benchCase().length(), b.benchCase().length())));
        return series;
    }
}
