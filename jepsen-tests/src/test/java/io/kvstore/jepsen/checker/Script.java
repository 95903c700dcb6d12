package io.kvstore.jepsen.checker;

import io.kvstore.jepsen.history.Fn;
import io.kvstore.jepsen.history.History;
import io.kvstore.jepsen.history.HistoryRecorder;
import java.util.Arrays;

/**
 * Hand-written histories as transcripts, one event per line, so a test reads like the timeline it checks:
 * <pre>
 *   0 write 1        process 0 invokes write(1) on key x
 *   1 read           process 1 invokes a read
 *   0 ok             process 0's write succeeded
 *   1 ok 1           process 1's read returned 1 ("1 ok" alone: returned absent)
 *   2 cas 1 2        compare-and-set 1 -> 2
 *   2 fail | 2 info  did not happen | may or may not have happened
 *   y: 3 write 5     an event on key y instead of x
 * </pre>
 */
final class Script {
    private Script() {}

    static History parse(String transcript) {
        long[] clock = {0};
        HistoryRecorder rec = new HistoryRecorder(() -> clock[0]++);
        for (String raw : transcript.strip().split("\n")) {
            String line = raw.strip();
            if (line.isEmpty() || line.startsWith("#")) {
                continue;
            }
            String key = "x";
            int colon = line.indexOf(':');
            if (colon >= 0) {
                key = line.substring(0, colon).strip();
                line = line.substring(colon + 1).strip();
            }
            String[] w = line.split("\\s+");
            int p = Integer.parseInt(w[0]);
            long[] args = Arrays.stream(w, 2, w.length).mapToLong(Long::parseLong).toArray();
            switch (w[1]) {
                case "read" -> rec.invoke(p, Fn.READ, key);
                case "write" -> rec.invoke(p, Fn.WRITE, key, args);
                case "cas" -> rec.invoke(p, Fn.CAS, key, args);
                case "ok" -> {
                    if (args.length == 0) {
                        rec.ok(p);
                    } else {
                        rec.ok(p, args);
                    }
                }
                case "fail" -> rec.fail(p, "fail");
                case "info" -> rec.info(p, "timeout");
                default -> throw new IllegalArgumentException("bad line: " + raw);
            }
        }
        return rec.history();
    }
}
