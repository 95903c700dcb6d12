package io.kvstore.cli.bench;

import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.TreeMap;
import org.HdrHistogram.Histogram;

/**
 * What {@code kvctl bench} prints: the settings, counts, throughput and latency of the measured phase, as stable
 * text (one {@code name value} line per figure, for people and {@code awk}) or one JSON object ({@code -o json}).
 * Latencies are in milliseconds; percentiles are HdrHistogram's (0.1% relative error).
 */
record BenchReport(String workload, List<String> endpoints, int clients, int connections, int valueBytes,
        int keySpace, String consistency, double targetRatePerSecond, long warmupRequests, long requests,
        LoadGenerator.PhaseResult result) {

    /** The percentiles printed, in order, with their labels. */
    private static final double[] PERCENTILES = {50, 90, 99, 99.9};
    private static final String[] PERCENTILE_LABELS = {"p50", "p90", "p99", "p99.9"};
    /** Histogram bucket upper bounds in milliseconds: powers of two from 1/16 ms, enough for a few seconds. */
    private static final double BUCKET_MILLIS_MIN = 1.0 / 16;

    double elapsedSeconds() {
        return result.elapsedNanos() / 1e9;
    }

    double throughputPerSecond() {
        return result.ok() / elapsedSeconds();
    }

    String mode() {
        return targetRatePerSecond > 0 ? "open-loop " + number(targetRatePerSecond) + "/s" : "closed-loop";
    }

    String text() {
        StringBuilder b = new StringBuilder();
        line(b, "workload", workload + " (" + consistency + ")");
        line(b, "endpoints", String.join(",", endpoints));
        line(b, "clients", clients + " on " + connections + " connection" + (connections == 1 ? "" : "s")
                + ", " + mode());
        line(b, "value_bytes", Integer.toString(valueBytes));
        line(b, "key_space", Integer.toString(keySpace));
        line(b, "warmup", Long.toString(warmupRequests));
        line(b, "requests", requests + " (ok " + result.ok() + ", errors " + result.errors() + ", unsent "
                + result.unsent() + ")");
        if (!result.errorsByReason().isEmpty()) {
            line(b, "errors", new TreeMap<>(result.errorsByReason()).toString());
        }
        line(b, "elapsed_s", String.format(Locale.ROOT, "%.3f", elapsedSeconds()));
        line(b, "throughput", String.format(Locale.ROOT, "%.1f/s", throughputPerSecond()));
        Histogram h = result.latencyNanos();
        StringBuilder latency = new StringBuilder();
        for (int i = 0; i < PERCENTILES.length; i++) {
            latency.append(PERCENTILE_LABELS[i]).append(' ').append(millis(h.getValueAtPercentile(PERCENTILES[i])))
                    .append("  ");
        }
        latency.append("max ").append(millis(h.getMaxValue())).append("  mean ").append(millis(h.getMean()));
        line(b, "latency_ms", latency.toString());
        line(b, "histogram_ms", "(upper bound, count, cumulative %)");
        for (Bucket bucket : buckets(h)) {
            b.append(String.format(Locale.ROOT, "  <= %9s %10d %7.2f%%%n", number(bucket.upperMillis()),
                    bucket.count(), bucket.cumulativePercent()));
        }
        return b.toString();
    }

    String json() {
        Histogram h = result.latencyNanos();
        StringBuilder b = new StringBuilder("{");
        b.append("\"workload\":\"").append(workload).append('"');
        b.append(",\"consistency\":\"").append(consistency).append('"');
        b.append(",\"endpoints\":[");
        for (int i = 0; i < endpoints.size(); i++) {
            b.append(i == 0 ? "" : ",").append('"').append(endpoints.get(i).replace("\"", "")).append('"');
        }
        b.append("],\"clients\":").append(clients).append(",\"connections\":").append(connections);
        b.append(",\"valueBytes\":").append(valueBytes).append(",\"keySpace\":").append(keySpace);
        b.append(",\"targetRatePerSecond\":").append(number(targetRatePerSecond));
        b.append(",\"warmupRequests\":").append(warmupRequests).append(",\"requests\":").append(requests);
        b.append(",\"ok\":").append(result.ok()).append(",\"errors\":").append(result.errors());
        b.append(",\"unsent\":").append(result.unsent());
        b.append(",\"errorsByReason\":{");
        String sep = "";
        for (Map.Entry<String, Long> e : new TreeMap<>(result.errorsByReason()).entrySet()) {
            b.append(sep).append('"').append(e.getKey()).append("\":").append(e.getValue());
            sep = ",";
        }
        b.append("},\"elapsedSeconds\":").append(String.format(Locale.ROOT, "%.6f", elapsedSeconds()));
        b.append(",\"throughputPerSecond\":").append(String.format(Locale.ROOT, "%.1f", throughputPerSecond()));
        b.append(",\"latencyMillis\":{");
        for (int i = 0; i < PERCENTILES.length; i++) {
            b.append('"').append(PERCENTILE_LABELS[i]).append("\":")
                    .append(millis(h.getValueAtPercentile(PERCENTILES[i]))).append(',');
        }
        b.append("\"max\":").append(millis(h.getMaxValue())).append(",\"mean\":").append(millis(h.getMean()));
        b.append("},\"histogram\":[");
        sep = "";
        for (Bucket bucket : buckets(h)) {
            b.append(sep).append("{\"leMillis\":").append(number(bucket.upperMillis())).append(",\"count\":")
                    .append(bucket.count()).append('}');
            sep = ",";
        }
        return b.append("]}").toString();
    }

    /** One power-of-two bucket: latencies in (previous bound, upperMillis]. */
    record Bucket(double upperMillis, long count, double cumulativePercent) {
    }

    /** Buckets from the first non-empty one to the one holding the maximum; empty when nothing was recorded. */
    static List<Bucket> buckets(Histogram h) {
        List<Bucket> buckets = new ArrayList<>();
        long total = h.getTotalCount();
        if (total == 0) {
            return buckets;
        }
        long below = 0;
        double lowerMillis = 0;
        // Bounded: the bound doubles from 1/16 ms past the histogram's maximum (one hour), about 26 steps.
        for (double upper = BUCKET_MILLIS_MIN; lowerMillis * 1e6 <= h.getMaxValue(); upper *= 2) {
            long countUpTo = h.getCountBetweenValues(0, (long) (upper * 1e6));
            long count = countUpTo - below;
            if (countUpTo > 0) {
                buckets.add(new Bucket(upper, count, 100.0 * countUpTo / total));
            }
            below = countUpTo;
            lowerMillis = upper;
        }
        return buckets;
    }

    private static String millis(double nanos) {
        return String.format(Locale.ROOT, "%.3f", nanos / 1e6);
    }

    private static String number(double d) {
        return d == Math.rint(d) ? Long.toString((long) d) : String.format(Locale.ROOT, "%s", d);
    }

    private static void line(StringBuilder b, String name, String value) {
        b.append(String.format(Locale.ROOT, "%-13s %s%n", name, value));
    }
}
