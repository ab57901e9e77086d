package io.beacon.lab.report;

import io.beacon.lab.engine.PolicyResult;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;

/**
 * Cost against success per policy, one panel per scenario: a policy further right succeeds more, lower costs
 * less, so the best sits at the bottom right. Plain SVG, no script, readable in any browser or image viewer.
 */
public final class SvgChart {

    private static final String[] COLOURS = {"#1b7837", "#5aae61", "#d6604d", "#4393c3", "#b2182b", "#8073ac",
            "#e08214", "#35978f", "#762a83", "#878787"};
    private static final int PANEL_W = 460;
    private static final int PANEL_H = 300;
    private static final int COLUMNS = 2;
    private static final int LEFT = 78;
    private static final int RIGHT = 16;
    private static final int TOP = 34;
    private static final int BOTTOM = 46;
    private static final int LEGEND_H = 70;

    private SvgChart() {
    }

    public static String render(List<ScenarioResult> scenarios) {
        Map<String, String> colour = new LinkedHashMap<>();
        for (ScenarioResult s : scenarios) {
            for (PolicyResult p : s.policies()) {
                colour.computeIfAbsent(p.policy(), k -> COLOURS[colour.size() % COLOURS.length]);
            }
        }
        int rows = (scenarios.size() + COLUMNS - 1) / COLUMNS;
        int width = PANEL_W * Math.min(COLUMNS, Math.max(1, scenarios.size()));
        int height = LEGEND_H + rows * PANEL_H;
        StringBuilder svg = new StringBuilder();
        svg.append(String.format(Locale.ROOT, "<svg xmlns=\"http://www.w3.org/2000/svg\" width=\"%d\" height=\"%d\""
                + " viewBox=\"0 0 %d %d\" font-family=\"sans-serif\" font-size=\"11\">%n", width, height, width, height));
        svg.append("<rect width=\"100%\" height=\"100%\" fill=\"white\"/>\n");
        svg.append("<text x=\"12\" y=\"20\" font-size=\"14\" font-weight=\"bold\">Policy lab: cost per inference"
                + " against success, per scenario (bottom right is best)</text>\n");
        int i = 0;
        for (Map.Entry<String, String> e : colour.entrySet()) {
            int x = 12 + (i % 5) * 180;
            int y = 40 + (i / 5) * 16;
            svg.append(String.format(Locale.ROOT, "<circle cx=\"%d\" cy=\"%d\" r=\"5\" fill=\"%s\"/>"
                    + "<text x=\"%d\" y=\"%d\">%s</text>%n", x + 5, y - 4, e.getValue(), x + 14, y, escape(e.getKey())));
            i++;
        }
        for (int n = 0; n < scenarios.size(); n++) {
            panel(svg, scenarios.get(n), colour, (n % COLUMNS) * PANEL_W, LEGEND_H + (n / COLUMNS) * PANEL_H);
        }
        svg.append("</svg>\n");
        return svg.toString();
    }

    private static void panel(StringBuilder svg, ScenarioResult scenario, Map<String, String> colour, int ox, int oy) {
        List<PolicyResult> points = new ArrayList<>();
        for (PolicyResult p : scenario.policies()) {
            if (!Double.isNaN(p.costPerInferenceUsd())) {
                points.add(p);
            }
        }
        double minSuccess = 100;
        double maxCost = 0;
        for (PolicyResult p : points) {
            minSuccess = Math.min(minSuccess, 100 * p.successRate());
            maxCost = Math.max(maxCost, p.costPerInferenceUsd());
        }
        double xStep = niceStep(Math.max(1, 100 - minSuccess) / 4);
        double xLow = Math.max(0, 100 - 4 * xStep);
        double xHigh = 100;
        double yStep = niceStep((maxCost <= 0 ? 0.0001 : maxCost * 1.1) / 4);
        double yHigh = 4 * yStep;
        int plotW = PANEL_W - LEFT - RIGHT;
        int plotH = PANEL_H - TOP - BOTTOM;
        int px = ox + LEFT;
        int py = oy + TOP;
        svg.append(String.format(Locale.ROOT, "<text x=\"%d\" y=\"%d\" font-size=\"13\" font-weight=\"bold\">%s</text>%n",
                px, oy + 20, escape(scenario.name())));
        svg.append(String.format(Locale.ROOT, "<rect x=\"%d\" y=\"%d\" width=\"%d\" height=\"%d\" fill=\"none\""
                + " stroke=\"#999\"/>%n", px, py, plotW, plotH));
        for (int t = 0; t <= 4; t++) {
            double cost = yStep * t;
            int y = py + plotH - (int) Math.round(plotH * t / 4.0);
            svg.append(String.format(Locale.ROOT, "<line x1=\"%d\" y1=\"%d\" x2=\"%d\" y2=\"%d\" stroke=\"#eee\"/>"
                    + "<text x=\"%d\" y=\"%d\" text-anchor=\"end\">$%s</text>%n", px, y, px + plotW, y, px - 4, y + 4,
                    formatUsd(cost)));
            double success = xLow + (xHigh - xLow) * t / 4;
            int x = px + (int) Math.round(plotW * t / 4.0);
            svg.append(String.format(Locale.ROOT, "<text x=\"%d\" y=\"%d\" text-anchor=\"middle\">%s%%</text>%n",
                    x, py + plotH + 14, trim(success)));
        }
        svg.append(String.format(Locale.ROOT, "<text x=\"%d\" y=\"%d\" text-anchor=\"middle\">success</text>%n",
                px + plotW / 2, py + plotH + 32));
        svg.append(String.format(Locale.ROOT, "<text x=\"%d\" y=\"%d\" text-anchor=\"middle\" transform=\"rotate(-90 %d %d)\">"
                + "cost per inference</text>%n", ox + 14, py + plotH / 2, ox + 14, py + plotH / 2));
        List<Label> left = new ArrayList<>();
        List<Label> right = new ArrayList<>();
        for (PolicyResult p : points) {
            double s = Math.max(xLow, 100 * p.successRate());
            int x = px + (int) Math.round(plotW * (s - xLow) / (xHigh - xLow));
            int y = py + plotH - (int) Math.round(plotH * Math.min(1, p.costPerInferenceUsd() / yHigh));
            svg.append(String.format(Locale.ROOT, "<circle cx=\"%d\" cy=\"%d\" r=\"5\" fill=\"%s\" fill-opacity=\"0.85\">"
                    + "<title>%s: %.2f%% success, $%.6f per inference</title></circle>%n", x, y, colour.get(p.policy()),
                    escape(p.policy()), 100 * p.successRate(), p.costPerInferenceUsd()));
            (x > px + plotW / 2 ? left : right).add(new Label(p.policy(), x, y));
        }
        labels(svg, left, true, colour);
        labels(svg, right, false, colour);
    }

    /** A point's name beside it; names on one side are spread to at least a line apart. */
    private record Label(String text, int x, int y) {
    }

    private static void labels(StringBuilder svg, List<Label> labels, boolean toTheLeft, Map<String, String> colour) {
        labels.sort(java.util.Comparator.comparingInt(Label::y));
        int last = Integer.MIN_VALUE;
        for (Label l : labels) {
            int y = Math.max(l.y() + 4, last + 12);
            last = y;
            int x = toTheLeft ? l.x() - 9 : l.x() + 9;
            svg.append(String.format(Locale.ROOT, "<text x=\"%d\" y=\"%d\" text-anchor=\"%s\" font-size=\"10\""
                    + " fill=\"%s\">%s</text>%n", x, y, toTheLeft ? "end" : "start", colour.get(l.text()),
                    escape(l.text())));
        }
    }

    public static void write(List<ScenarioResult> scenarios, Path file) {
        try {
            Path parent = file.toAbsolutePath().getParent();
            if (parent != null) {
                Files.createDirectories(parent);
            }
            Files.writeString(file, render(scenarios), StandardCharsets.UTF_8);
        } catch (IOException e) {
            throw new UncheckedIOException("cannot write " + file + ": " + e.getMessage(), e);
        }
    }

    /** The smallest of 1, 2, 2.5, 5 x a power of ten at least {@code v}. */
    private static double niceStep(double v) {
        double magnitude = Math.pow(10, Math.floor(Math.log10(v)));
        for (double step : new double[] {1, 2, 2.5, 5, 10}) {
            if (step * magnitude >= v * (1 - 1e-9)) {
                return step * magnitude;
            }
        }
        return 10 * magnitude;
    }

    private static String formatUsd(double v) {
        String text = String.format(Locale.ROOT, "%.6f", v).replaceAll("0+$", "");
        return text.endsWith(".") ? text + "0" : text;
    }

    private static String trim(double v) {
        return v == Math.rint(v) ? Long.toString((long) v) : String.format(Locale.ROOT, "%.1f", v);
    }

    private static String escape(String text) {
        return text.replace("&", "&amp;").replace("<", "&lt;").replace(">", "&gt;");
    }
}
