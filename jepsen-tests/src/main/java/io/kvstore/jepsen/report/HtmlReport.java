package io.kvstore.jepsen.report;

import io.kvstore.jepsen.checker.Validity;
import io.kvstore.jepsen.history.Call;
import io.kvstore.jepsen.history.History;
import io.kvstore.jepsen.history.Op;
import io.kvstore.jepsen.history.OpType;
import io.kvstore.jepsen.nemesis.Fault;
import java.util.HashSet;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Set;

/**
 * index.html of a run: self-contained (inline CSS and SVG, no scripts, no external resources). Sections: the
 * verdicts with the anomaly explained and its counterexample, a timeline of operations per client with the fault
 * intervals shaded and the counterexample's operations outlined, throughput and latency over time, the faults.
 * Stateless.
 */
public final class HtmlReport {
    private static final int WIDTH = 1100;
    private static final int LEFT = 60;
    private static final int LANE = 12;
    /** Enough to show a minute of ten clients in full; beyond it latency points are sampled evenly. */
    private static final int POINTS_MAX = 30_000;

    private HtmlReport() {
    }

    /**
     * @param title for example "register, partition+kill, 5 members, 60 s"
     * @param lanes clients: operation of process p is drawn in lane p mod lanes
     */
    public static String render(String title, Map<String, Object> summary, List<Verdict> verdicts, History history,
                                List<Fault> faults, int lanes) {
        long endNanos = 1;
        for (Op op : history) {
            endNanos = Math.max(endNanos, op.timeNanos());
        }
        for (Fault f : faults) {
            endNanos = Math.max(endNanos, f.endNanos());
        }
        StringBuilder h = new StringBuilder(1 << 20);
        h.append("<!DOCTYPE html><html><head><meta charset=\"utf-8\"><title>").append(esc(title)).append("</title>")
                .append("<style>body{font:14px sans-serif;margin:20px;max-width:1200px}pre{background:#f6f6f6;"
                        + "padding:8px;white-space:pre-wrap}table{border-collapse:collapse}td,th{border:1px solid #ccc;"
                        + "padding:2px 6px;font:12px monospace}.true{color:#080}.false{color:#c00}.unknown{color:#b80}"
                        + "svg{border:1px solid #ddd}</style></head><body>");
        h.append("<h1>").append(esc(title)).append("</h1>");
        verdicts(h, verdicts);
        h.append("<h2>Run</h2><table>");
        summary.forEach((k, v) -> h.append("<tr><th>").append(esc(k)).append("</th><td>").append(esc(String.valueOf(v)))
                .append("</td></tr>"));
        h.append("</table>");
        Set<String> marked = counterexampleKeys(verdicts);
        h.append("<h2>Operations per client</h2><p>One lane per client (process mod ").append(lanes)
                .append("); green ok, red fail, orange info (unknown outcome, drawn to the end). Shaded: faults. "
                        + "Black outline: operations of the counterexample.</p>");
        timeline(h, history, faults, lanes, endNanos, marked);
        h.append("<h2>Throughput</h2><p>Completions per second by outcome.</p>");
        throughput(h, history, faults, endNanos);
        h.append("<h2>Latency</h2><p>Per completed operation, log scale, at its completion time.</p>");
        latency(h, history, faults, endNanos);
        h.append("<h2>Faults</h2><table><tr><th>start s</th><th>end s</th><th>kind</th><th>detail</th><th>members"
                + "</th><th>outcome</th></tr>");
        for (Fault f : faults) {
            h.append("<tr><td>").append(seconds(f.startNanos())).append("</td><td>").append(seconds(f.endNanos()))
                    .append("</td><td>").append(esc(f.kind())).append("</td><td>").append(esc(f.detail()))
                    .append("</td><td>").append(esc(String.join(",", f.members()))).append("</td><td>")
                    .append(esc(f.outcome())).append("</td></tr>");
        }
        h.append("</table><p>Files: <a href=\"history.jsonl\">history.jsonl</a>, <a href=\"timeline.jsonl\">"
                + "timeline.jsonl</a>, <a href=\"results.json\">results.json</a>, logs/.</p></body></html>\n");
        return h.toString();
    }

    private static void verdicts(StringBuilder h, List<Verdict> verdicts) {
        h.append("<h2>Verdict</h2>");
        for (Verdict v : verdicts) {
            String cls = v.valid().name().toLowerCase(Locale.ROOT);
            h.append("<h3>").append(esc(v.checker())).append(": <span class=\"").append(cls).append("\">")
                    .append(v.valid() == Validity.TRUE ? "VALID" : v.valid() == Validity.FALSE ? "INVALID" : "UNKNOWN")
                    .append("</span></h3><p><i>").append(esc(checks(v.checker()))).append("</i></p><p>")
                    .append(esc(v.details())).append("</p>");
            if (!v.explanation().isEmpty()) {
                h.append("<pre>").append(esc(v.explanation())).append("</pre>");
            }
            if (v.counterexample() != null) {
                h.append(v.checker().equals("linearizable") ? "<p>Smallest failing sub-history found ("
                                : "<p>The operations the explanation names (").append(v.counterexample().calls().size())
                        .append(v.checker().equals("linearizable") ? " operations; fails on its own):</p>"
                                : " operations):</p>")
                        .append("<table><tr><th>process</th><th>op</th><th>key</th>"
                                + "<th>value</th><th>outcome</th><th>invoked s</th><th>completed s</th></tr>");
                for (Call c : v.counterexample().calls()) {
                    h.append("<tr><td>p").append(c.invoke().process()).append("</td><td>").append(c.invoke().f())
                            .append("</td><td>").append(esc(c.invoke().key())).append("</td><td>")
                            .append(c.outcome() == OpType.OK ? c.completion().value() : c.invoke().value())
                            .append("</td><td>").append(c.outcome().jsonName()).append("</td><td>")
                            .append(seconds(c.invoke().timeNanos())).append("</td><td>")
                            .append(c.completion() == null ? "never" : seconds(c.completion().timeNanos()))
                            .append("</td></tr>");
                }
                h.append("</table>");
            }
        }
    }

    /** What a checker asserts, for a reader who does not know the harness. */
    static String checks(String checker) {
        return switch (checker) {
            case "linearizable" -> "Every key behaves like one register: some order of the operations, each taking "
                    + "effect between its invocation and completion, explains every read.";
            case "set" -> "Every add acknowledged before the final read is in the final read; nothing is there that "
                    + "no add attempted.";
            case "watch" -> "Each watcher's events (a watch operation's value lists revision, value pairs) are the "
                    + "committed history read back after the run, from revision 1, with no gap, no repeat and "
                    + "never a lower revision after a higher one, across partitions and reconnects; every watcher "
                    + "catches up by the end.";
            case "ephemeral" -> "A killed client's (kill -9) key is gone within its session's TTL plus a grace; a "
                    + "healthy client's key stays while its session is kept alive, through leader changes.";
            default -> "";
        };
    }

    /** Invocations of counterexample operations, as "process@timeNanos". */
    private static Set<String> counterexampleKeys(List<Verdict> verdicts) {
        Set<String> out = new HashSet<>();
        for (Verdict v : verdicts) {
            if (v.counterexample() != null) {
                for (Call c : v.counterexample().calls()) {
                    out.add(c.invoke().process() + "@" + c.invoke().timeNanos());
                }
            }
        }
        return out;
    }

    private static void timeline(StringBuilder h, History history, List<Fault> faults, int lanes, long endNanos,
                                 Set<String> marked) {
        int height = lanes * LANE + 30;
        svgStart(h, height, faults, endNanos, lanes * LANE);
        for (int l = 0; l < lanes; l++) {
            h.append("<text x=\"2\" y=\"").append(l * LANE + 10).append("\" font-size=\"10\">c").append(l)
                    .append("</text>");
        }
        for (Call c : history.calls()) {
            int lane = Math.min(c.invoke().process() % lanes, lanes - 1);
            long end = c.completion() == null || c.isIndeterminate() ? endNanos : c.completion().timeNanos();
            double x1 = x(c.invoke().timeNanos(), endNanos);
            double w = Math.max(1, x(end, endNanos) - x1);
            boolean mark = marked.contains(c.invoke().process() + "@" + c.invoke().timeNanos());
            h.append(String.format(Locale.ROOT, "<rect x=\"%.1f\" y=\"%d\" width=\"%.1f\" height=\"%d\" fill=\"%s\"%s>"
                            + "<title>%s</title></rect>", x1, lane * LANE + 1, w, LANE - 2, color(c.outcome()),
                    mark ? " stroke=\"black\" stroke-width=\"2\"" : "", esc(c.toString())));
        }
        h.append("</svg>");
    }

    private static void throughput(StringBuilder h, History history, List<Fault> faults, long endNanos) {
        int buckets = (int) Math.max(1, endNanos / 1_000_000_000L + 1);
        int[][] counts = new int[3][buckets];
        for (Op op : history) {
            if (op.type().isCompletion()) {
                counts[op.type().ordinal() - 1][(int) Math.min(buckets - 1, op.timeNanos() / 1_000_000_000L)]++;
            }
        }
        int max = 1;
        for (int[] row : counts) {
            for (int c : row) {
                max = Math.max(max, c);
            }
        }
        int plot = 160;
        svgStart(h, plot + 30, faults, endNanos, plot);
        String[] colors = {"#2a2", "#d22", "#e90"};
        for (int t = 0; t < 3; t++) {
            StringBuilder pts = new StringBuilder();
            for (int b = 0; b < buckets; b++) {
                pts.append(String.format(Locale.ROOT, "%.1f,%.1f ", x((b + 0.5) * 1e9, endNanos),
                        plot - (double) counts[t][b] * (plot - 5) / max));
            }
            h.append("<polyline fill=\"none\" stroke=\"").append(colors[t]).append("\" points=\"").append(pts)
                    .append("\"/>");
        }
        h.append("<text x=\"2\" y=\"12\" font-size=\"10\">").append(max).append("/s</text></svg>");
    }

    private static void latency(StringBuilder h, History history, List<Fault> faults, long endNanos) {
        int plot = 200;
        svgStart(h, plot + 30, faults, endNanos, plot);
        List<Call> calls = history.calls().stream().filter(c -> c.completion() != null).toList();
        int step = Math.max(1, calls.size() / POINTS_MAX);
        double logMin = 0; // 1 ms
        double logMax = 4; // 10 s
        for (int i = 0; i < calls.size(); i += step) {
            Call c = calls.get(i);
            double ms = Math.max(1, (c.completion().timeNanos() - c.invoke().timeNanos()) / 1e6);
            double y = plot - (Math.min(logMax, Math.log10(ms)) - logMin) / (logMax - logMin) * (plot - 5);
            h.append(String.format(Locale.ROOT, "<circle cx=\"%.1f\" cy=\"%.1f\" r=\"1.5\" fill=\"%s\"/>",
                    x(c.completion().timeNanos(), endNanos), y, color(c.outcome())));
        }
        for (int d = 0; d <= 4; d++) {
            double y = plot - d * (plot - 5) / 4.0;
            h.append(String.format(Locale.ROOT, "<text x=\"2\" y=\"%.1f\" font-size=\"10\">%s</text>", y,
                    new String[] {"1ms", "10ms", "100ms", "1s", "10s"}[d]));
        }
        h.append("</svg>");
    }

    /** Opens an SVG with the fault intervals shaded and a time axis in seconds under {@code plotHeight}. */
    private static void svgStart(StringBuilder h, int height, List<Fault> faults, long endNanos, int plotHeight) {
        h.append("<svg xmlns=\"http://www.w3.org/2000/svg\" width=\"").append(WIDTH).append("\" height=\"")
                .append(height).append("\">");
        for (Fault f : faults) {
            double x1 = x(f.startNanos(), endNanos);
            h.append(String.format(Locale.ROOT, "<rect x=\"%.1f\" y=\"0\" width=\"%.1f\" height=\"%d\" fill=\"%s\" "
                            + "opacity=\"0.25\"><title>%s</title></rect>", x1,
                    Math.max(2, x(f.endNanos(), endNanos) - x1), plotHeight, faultColor(f.kind()),
                    esc(f.kind() + " " + f.detail() + " " + f.outcome())));
            h.append(String.format(Locale.ROOT, "<text x=\"%.1f\" y=\"%d\" font-size=\"9\" fill=\"#555\">%s</text>",
                    x1 + 2, plotHeight + 22, esc(f.kind())));
        }
        long seconds = endNanos / 1_000_000_000L;
        long tick = seconds > 60 ? 10 : 5;
        for (long s = 0; s <= seconds; s += tick) {
            h.append(String.format(Locale.ROOT, "<text x=\"%.1f\" y=\"%d\" font-size=\"10\">%ds</text>",
                    x(s * 1e9, endNanos), plotHeight + 11, s));
        }
    }

    private static double x(double nanos, long endNanos) {
        return LEFT + nanos / endNanos * (WIDTH - LEFT - 10);
    }

    private static String color(OpType t) {
        return switch (t) {
            case OK -> "#2a2";
            case FAIL -> "#d22";
            default -> "#e90";
        };
    }

    private static String faultColor(String kind) {
        return switch (kind) {
            case "partition" -> "#88f";
            case "kill" -> "#f66";
            case "pause" -> "#fc6";
            case "corrupt" -> "#c6c";
            default -> "#6cc";
        };
    }

    private static String seconds(long nanos) {
        return String.format(Locale.ROOT, "%.3f", nanos / 1e9);
    }

    static String esc(String s) {
        return s.replace("&", "&amp;").replace("<", "&lt;").replace(">", "&gt;").replace("\"", "&quot;");
    }
}
