package org.smyrf4j.cli;

import java.awt.Font;
import java.io.IOException;
import java.io.OutputStream;
import java.io.UncheckedIOException;
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
        // Lengths get ticks between the decades (a sweep of 1k..16k spans little more than one
        // decade), in a small font so that they do not run into each other; times, which span
        // several decades, get decade ticks only.
        chart.getStyler().setXAxisLogarithmicDecadeOnly(false).setYAxisLogarithmicDecadeOnly(true);
        chart.getStyler().setXAxisDecimalPattern("#").setYAxisDecimalPattern("#.###");
        chart.getStyler().setAxisTickLabelsFont(new Font(Font.SANS_SERIF, Font.PLAIN, 10));
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
