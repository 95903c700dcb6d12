package io.kvstore.cli;

import java.io.PrintStream;
import java.util.ArrayList;
import java.util.Iterator;
import java.util.List;
import java.util.Map;

/**
 * Prints records (ordered maps of field name to value: String, Number, Boolean, null, List or Map) as json, yaml or
 * an aligned table, the same way for every command. JSON is one document (an object for one record, an array for
 * several), keys in the order the command put them: that order and the key names are kvctl's stable output contract
 * (docs/kvctl.md). YAML carries the same structure; strings are always double-quoted so no value is mistaken for a
 * number or boolean. Stateless.
 */
final class Output {
    /** The formats; each command documents which it supports and what {@code value} prints. */
    enum Format { table, json, yaml, value }

    private Output() {
    }

    /** A command's summary record(s): {@code value} has no meaning there, so it prints as the table. */
    static void summary(PrintStream out, Format format, List<? extends Map<String, ?>> records, boolean single) {
        print(out, format == Format.value ? Format.table : format, records, single);
    }

    static void print(PrintStream out, Format format, List<? extends Map<String, ?>> records, boolean single) {
        Object document = single ? records.get(0) : records;
        switch (format) {
            case json -> out.println(json(document));
            case yaml -> out.print(yaml(document, 0, false));
            default -> {
                if (single) {
                    vertical(out, records.get(0));
                } else {
                    table(out, records);
                }
            }
        }
    }

    /** One record as aligned "KEY  value" lines (a wide single row reads badly). */
    static void vertical(PrintStream out, Map<String, ?> record) {
        int width = record.keySet().stream().mapToInt(String::length).max().orElse(0);
        record.forEach((k, v) -> out.println(k + " ".repeat(width - k.length() + 2) + cell(v)));
    }

    /** Columns padded to their widest cell; the header is the upper-cased key names. Nested values as JSON. */
    static void table(PrintStream out, List<? extends Map<String, ?>> records) {
        if (records.isEmpty()) {
            return;
        }
        List<String> keys = new ArrayList<>(records.get(0).keySet());
        List<List<String>> rows = new ArrayList<>();
        rows.add(keys.stream().map(k -> k.replaceAll("([a-z])([A-Z])", "$1_$2").toUpperCase(java.util.Locale.ROOT))
                .toList());
        for (Map<String, ?> r : records) {
            rows.add(keys.stream().map(k -> cell(r.get(k))).toList());
        }
        int[] widths = new int[keys.size()];
        for (List<String> row : rows) {
            for (int i = 0; i < row.size(); i++) {
                widths[i] = Math.max(widths[i], row.get(i).length());
            }
        }
        for (List<String> row : rows) {
            StringBuilder line = new StringBuilder();
            for (int i = 0; i < row.size(); i++) {
                String c = row.get(i);
                line.append(c);
                if (i < row.size() - 1) {
                    line.append(" ".repeat(widths[i] - c.length() + 2));
                }
            }
            out.println(line);
        }
    }

    private static String cell(Object v) {
        if (v == null) {
            return "-";
        }
        if (v instanceof String s) {
            return s.isEmpty() ? "-" : s.replace("\n", "\\n");
        }
        if (v instanceof List<?> l) {
            return l.isEmpty() ? "-" : String.join(",", l.stream().map(String::valueOf).toList());
        }
        return v instanceof Map<?, ?> ? json(v) : String.valueOf(v);
    }

    static String json(Object v) {
        if (v == null) {
            return "null";
        }
        if (v instanceof String s) {
            return Json.string(s);
        }
        if (v instanceof Number || v instanceof Boolean) {
            return String.valueOf(v);
        }
        StringBuilder b = new StringBuilder();
        if (v instanceof Map<?, ?> m) {
            b.append('{');
            Iterator<? extends Map.Entry<?, ?>> it = m.entrySet().iterator();
            while (it.hasNext()) {
                Map.Entry<?, ?> e = it.next();
                b.append(Json.string(String.valueOf(e.getKey()))).append(':').append(json(e.getValue()));
                if (it.hasNext()) {
                    b.append(',');
                }
            }
            return b.append('}').toString();
        }
        if (v instanceof List<?> l) {
            b.append('[');
            for (int i = 0; i < l.size(); i++) {
                b.append(i > 0 ? "," : "").append(json(l.get(i)));
            }
            return b.append(']').toString();
        }
        throw new IllegalArgumentException("not printable: " + v.getClass());
    }

    /** Block-style YAML; {@code inList}: the first key goes right after a "- " the caller wrote. */
    static String yaml(Object v, int indent, boolean inList) {
        String pad = " ".repeat(indent);
        StringBuilder b = new StringBuilder();
        if (v instanceof Map<?, ?> m) {
            if (m.isEmpty()) {
                return "{}\n";
            }
            boolean first = true;
            for (Map.Entry<?, ?> e : m.entrySet()) {
                b.append(first && inList ? "" : pad).append(e.getKey()).append(':');
                first = false;
                appendYamlValue(b, e.getValue(), indent);
            }
            return b.toString();
        }
        if (v instanceof List<?> l) {
            if (l.isEmpty()) {
                return "[]\n";
            }
            for (Object item : l) {
                b.append(pad).append("- ");
                if (item instanceof Map<?, ?> || item instanceof List<?>) {
                    b.append(yaml(item, indent + 2, true));
                } else {
                    b.append(scalar(item)).append('\n');
                }
            }
            return b.toString();
        }
        return scalar(v) + "\n";
    }

    private static void appendYamlValue(StringBuilder b, Object value, int indent) {
        if (value instanceof Map<?, ?> m && !m.isEmpty()) {
            b.append('\n').append(yaml(value, indent + 2, false));
        } else if (value instanceof List<?> l && !l.isEmpty()) {
            b.append('\n').append(yaml(value, indent + 2, false));
        } else if (value instanceof Map<?, ?>) {
            b.append(" {}\n");
        } else if (value instanceof List<?>) {
            b.append(" []\n");
        } else {
            b.append(' ').append(scalar(value)).append('\n');
        }
    }

    /** A YAML scalar: numbers and booleans plain, strings double-quoted with JSON escapes (valid YAML). */
    private static String scalar(Object v) {
        if (v == null) {
            return "null";
        }
        return v instanceof String s ? Json.string(s) : String.valueOf(v);
    }
}
