package io.kvstore.jepsen.history;

import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;

/**
 * The JSON-lines codec for {@link Op}: one flat object per line, for example
 * <pre>{"index":12,"process":3,"type":"ok","f":"cas","key":"k7","value":[4,5],"time":1830021,"error":null}</pre>
 * Only what the format needs is supported: strings, integers, null, and arrays of integers. Field order is free
 * on input; unknown fields are rejected so that a typo does not silently drop data.
 */
final class JsonLines {
    private JsonLines() {}

    static void formatOp(Op op, StringBuilder out) {
        out.append("{\"index\":").append(op.index())
                .append(",\"process\":").append(op.process())
                .append(",\"type\":");
        string(op.type().jsonName(), out);
        out.append(",\"f\":");
        string(op.f().name(), out);
        out.append(",\"key\":");
        string(op.key(), out);
        out.append(",\"value\":[");
        for (int i = 0; i < op.value().size(); i++) {
            out.append(i == 0 ? "" : ",").append(op.value().get(i));
        }
        out.append("],\"time\":").append(op.timeNanos());
        if (op.error() != null) {
            out.append(",\"error\":");
            string(op.error(), out);
        }
        out.append('}');
    }

    private static void string(String s, StringBuilder out) {
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

    static Op parseOp(String line) {
        Map<String, Object> fields = new Parser(line).object();
        for (String name : fields.keySet()) {
            if (!List.of("index", "process", "type", "f", "key", "value", "time", "error").contains(name)) {
                throw new IllegalArgumentException("unknown field \"" + name + "\"");
            }
        }
        Object value = fields.get("value");
        List<Long> values = value == null ? List.of() : asLongs(value);
        return new Op(
                (Long) required(fields, "index", Long.class),
                Math.toIntExact((Long) required(fields, "process", Long.class)),
                OpType.fromJsonName((String) required(fields, "type", String.class)),
                new Fn((String) required(fields, "f", String.class)),
                (String) required(fields, "key", String.class),
                values,
                fields.get("time") == null ? 0 : (Long) required(fields, "time", Long.class),
                fields.get("error") == null ? null : (String) required(fields, "error", String.class));
    }

    private static Object required(Map<String, Object> fields, String name, Class<?> type) {
        Object v = fields.get(name);
        if (!type.isInstance(v)) {
            throw new IllegalArgumentException("field \"" + name + "\" must be a " + type.getSimpleName() + ": " + v);
        }
        return v;
    }

    private static List<Long> asLongs(Object value) {
        if (value instanceof Long l) {
            return List.of(l); // accept Jepsen's scalar form too
        }
        if (!(value instanceof List<?> list)) {
            throw new IllegalArgumentException("field \"value\" must be an array of integers: " + value);
        }
        List<Long> out = new ArrayList<>(list.size());
        for (Object o : list) {
            if (!(o instanceof Long l)) {
                throw new IllegalArgumentException("field \"value\" must be an array of integers: " + value);
            }
            out.add(l);
        }
        return out;
    }

    /** Recursive-descent parser for the subset above; one instance per line. */
    private static final class Parser {
        private final String s;
        private int pos;

        Parser(String s) {
            this.s = s;
        }

        Map<String, Object> object() {
            Map<String, Object> out = new HashMap<>();
            expect('{');
            if (peek() == '}') {
                pos++;
            } else {
                do {
                    String name = string();
                    expect(':');
                    if (out.put(name, value()) != null) {
                        throw error("duplicate field \"" + name + "\"");
                    }
                } while (consumeComma());
                expect('}');
            }
            if (peek() != 0) {
                throw error("trailing characters");
            }
            return out;
        }

        private Object value() {
            char c = peek();
            if (c == '"') {
                return string();
            }
            if (c == '[') {
                pos++;
                List<Object> out = new ArrayList<>();
                if (peek() == ']') {
                    pos++;
                    return out;
                }
                do {
                    out.add(value());
                } while (consumeComma());
                expect(']');
                return out;
            }
            if (s.startsWith("null", pos)) {
                pos += 4;
                return null;
            }
            if (c == '-' || (c >= '0' && c <= '9')) {
                int start = pos++;
                while (pos < s.length() && Character.isDigit(s.charAt(pos))) {
                    pos++;
                }
                try {
                    return Long.parseLong(s.substring(start, pos));
                } catch (NumberFormatException e) {
                    throw error("bad integer");
                }
            }
            throw error("expected a string, integer, array or null");
        }

        private String string() {
            expect('"');
            StringBuilder out = new StringBuilder();
            while (true) {
                if (pos >= s.length()) {
                    throw error("unterminated string");
                }
                char c = s.charAt(pos++);
                if (c == '"') {
                    return out.toString();
                }
                if (c != '\\') {
                    out.append(c);
                    continue;
                }
                if (pos >= s.length()) {
                    throw error("unterminated escape");
                }
                char e = s.charAt(pos++);
                switch (e) {
                    case '"', '\\', '/' -> out.append(e);
                    case 'n' -> out.append('\n');
                    case 'r' -> out.append('\r');
                    case 't' -> out.append('\t');
                    case 'b' -> out.append('\b');
                    case 'f' -> out.append('\f');
                    case 'u' -> {
                        if (pos + 4 > s.length()) {
                            throw error("short \\u escape");
                        }
                        out.append((char) Integer.parseInt(s.substring(pos, pos + 4), 16));
                        pos += 4;
                    }
                    default -> throw error("bad escape \\" + e);
                }
            }
        }

        private boolean consumeComma() {
            if (peek() == ',') {
                pos++;
                return true;
            }
            return false;
        }

        private void expect(char c) {
            if (peek() != c) {
                throw error("expected '" + c + "'");
            }
            pos++;
        }

        /** The next non-blank character without consuming it, or 0 at the end. */
        private char peek() {
            while (pos < s.length() && Character.isWhitespace(s.charAt(pos))) {
                pos++;
            }
            return pos < s.length() ? s.charAt(pos) : 0;
        }

        private IllegalArgumentException error(String what) {
            return new IllegalArgumentException(what + " at column " + (pos + 1));
        }
    }
}
