package io.kvstore.jepsen.report;

import java.util.List;
import java.util.Map;

/**
 * A minimal JSON writer for results.json and the timeline: maps (insertion order kept), lists, strings, numbers,
 * booleans, null, and {@link Raw} for text that already is JSON. Stateless.
 */
public final class Json {
    /** Text that is already JSON (for example {@link io.kvstore.jepsen.history.Op#toJson()}). */
    public record Raw(String json) {
    }

    private Json() {
    }

    public static String write(Object value) {
        StringBuilder out = new StringBuilder();
        write(value, out, "");
        return out.toString();
    }

    private static void write(Object v, StringBuilder out, String indent) {
        if (v == null) {
            out.append("null");
        } else if (v instanceof Raw r) {
            out.append(r.json());
        } else if (v instanceof String s) {
            string(s, out);
        } else if (v instanceof Number || v instanceof Boolean) {
            out.append(v);
        } else if (v instanceof Map<?, ?> m) {
            String inner = indent + "  ";
            out.append("{");
            String sep = "\n";
            for (Map.Entry<?, ?> e : m.entrySet()) {
                out.append(sep).append(inner);
                string(e.getKey().toString(), out);
                out.append(": ");
                write(e.getValue(), out, inner);
                sep = ",\n";
            }
            out.append(m.isEmpty() ? "}" : "\n" + indent + "}");
        } else if (v instanceof List<?> l) {
            String inner = indent + "  ";
            out.append("[");
            String sep = "\n";
            for (Object e : l) {
                out.append(sep).append(inner);
                write(e, out, inner);
                sep = ",\n";
            }
            out.append(l.isEmpty() ? "]" : "\n" + indent + "]");
        } else {
            string(v.toString(), out);
        }
    }

    /** Appends {@code s} as a JSON string literal. */
    public static void string(String s, StringBuilder out) {
        out.append('"');
        for (int i = 0; i < s.length(); i++) {
            char c = s.charAt(i);
            switch (c) {
                case '"' -> out.append("\\\"");
                case '\\' -> out.append("\\\\");
                case '\n' -> out.append("\\n");
                case '\r' -> out.append("\\r");
                case '\t' -> out.append("\\t");
                default -> {
                    if (c < 0x20) {
                        out.append(String.format("\\u%04x", (int) c));
                    } else {
                        out.append(c);
                    }
                }
            }
        }
        out.append('"');
    }
}
