package io.beacon.launcher.console;

import io.beacon.schemas.avro.ProviderKind;
import java.time.Duration;
import java.util.List;
import java.util.Locale;

/**
 * The one progress line, e.g.
 * {@code [  12s] sent 60/60  results 58  failed 1  golem 70% modal 25% runpod 5%  cost $0.0139  ETA 1s}.
 * Shares are of the successful results, as in the demo's summary.
 */
public final class ProgressLine {

    private static final List<ProviderKind> KINDS = List.of(ProviderKind.GOLEM, ProviderKind.MODAL, ProviderKind.RUNPOD);

    private ProgressLine() {
    }

    public static String format(Progress progress) {
        StringBuilder line = new StringBuilder(96);
        line.append(String.format(Locale.ROOT, "[%5ds] sent %d/%d  results %d  failed %d ",
                progress.elapsed().toSeconds(), progress.sent(), progress.total(), progress.results(),
                progress.failed()));
        for (ProviderKind kind : KINDS) {
            int count = progress.succeededByProvider().getOrDefault(kind, 0);
            long share = progress.succeeded() == 0 ? 0 : Math.round(100.0 * count / progress.succeeded());
            line.append(' ').append(kind.name().toLowerCase(Locale.ROOT)).append(' ').append(share).append('%');
        }
        line.append(String.format(Locale.ROOT, "  cost $%.4f", progress.costUsd()));
        line.append("  ETA ").append(progress.eta().map(ProgressLine::seconds).orElse("--"));
        return line.toString();
    }

    /** Cuts the line to {@code width} columns, so a redraw in place never wraps onto a second line. */
    public static String fit(String line, int width) {
        if (width <= 0 || line.length() < width) {
            return line;
        }
        // One column spare: a line filling the last column would leave the cursor on the next row on some terminals.
        return line.substring(0, Math.max(0, width - 1));
    }

    private static String seconds(Duration eta) {
        long s = (eta.toMillis() + 999) / 1000;
        return s < 60 ? s + "s" : (s / 60) + "m" + String.format(Locale.ROOT, "%02d", s % 60) + "s";
    }
}
