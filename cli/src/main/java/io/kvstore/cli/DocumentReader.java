package io.kvstore.cli;

import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * Reads the documents kvctl import accepts into maps, lists, strings, longs, doubles, booleans and nulls: JSON (all
 * of it), and block-style YAML as kvctl export writes it and people edit it: nested mappings and sequences by
 * indentation, plain, single- and double-quoted scalars, {@code #} comments, {@code {}} and {@code []}. Not
 * supported (an error naming the line): anchors, tags, flow collections with content, block scalars ({@code |},
 * {@code >}), multi-line plain scalars, several documents. Parsing YAML ourselves avoids a dependency for the one
 * subset kvctl writes; errors are {@link IllegalArgumentException} with the line number. Stateless.
 */
final class DocumentReader {
    private DocumentReader() {
    }

    /** JSON when the first non-blank character is '{' or '[', else YAML. */
    static Object read(String text) {
        String t = text.strip();
        return t.startsWith("{") || t.startsWith("[") ? new JsonParser(t).document() : new YamlParser(text).document();
    }

    // ------------------------------------------------------------------------------------------------- JSON

    private static final class JsonParser {
        private final String s;
        private int i;

        JsonParser(String s) {
            this.s = s;
        }

        Object document() {
            Object v = value();
            skip();
            if (i != s.length()) {
                throw error("text after the document");
            }
            return v;
        }

        private Object value() {
            skip();
            if (i >= s.length()) {
                throw error("unexpected end");
            }
            char c = s.charAt(i);
            if (c == '{') {
                Map<String, Object> m = new LinkedHashMap<>();
                i++;
                skip();
                if (peek('}')) {
                    return m;
                }
                do {
                    skip();
                    String key = string();
                    skip();
                    expect(':');
                    m.put(key, value());
                    skip();
                } while (accept(','));
                expect('}');
                return m;
            }
            if (c == '[') {
                List<Object> l = new ArrayList<>();
                i++;
                skip();
                if (peek(']')) {
                    return l;
                }
                do {
                    l.add(value());
                    skip();
                } while (accept(','));
                expect(']');
                return l;
            }
            if (c == '"') {
                return string();
            }
            int start = i;
            while (i < s.length() && "{}[],: \t\r\n".indexOf(s.charAt(i)) < 0) {
                i++;
            }
            return literal(s.substring(start, i), () -> error("bad value"));
        }

        private String string() {
            expect('"');
            StringBuilder b = new StringBuilder();
            while (true) {
                if (i >= s.length()) {
                    throw error("unterminated string");
                }
                char c = s.charAt(i++);
                if (c == '"') {
                    return b.toString();
                }
                if (c == '\\') {
                    i = unescape(s, i, b, this::error);
                } else {
                    b.append(c);
                }
            }
        }

        private void skip() {
            while (i < s.length() && Character.isWhitespace(s.charAt(i))) {
                i++;
            }
        }

        private boolean peek(char c) {
            if (i < s.length() && s.charAt(i) == c) {
                i++;
                return true;
            }
            return false;
        }

        private boolean accept(char c) {
            return peek(c);
        }

        private void expect(char c) {
            if (!peek(c)) {
                throw error("expected '" + c + "'");
            }
        }

        private IllegalArgumentException error(String why) {
            int line = 1;
            for (int k = 0; k < Math.min(i, s.length()); k++) {
                line += s.charAt(k) == '\n' ? 1 : 0;
            }
            return new IllegalArgumentException("JSON line " + line + ": " + why);
        }
    }

    /** Reads one escape after a backslash at {@code s[i]}; returns the index after it. */
    private static int unescape(String s, int i, StringBuilder b, java.util.function.Function<String,
            IllegalArgumentException> error) {
        if (i >= s.length()) {
            throw error.apply("unterminated escape");
        }
        char e = s.charAt(i++);
        switch (e) {
            case '"', '\\', '/' -> b.append(e);
            case 'n' -> b.append('\n');
            case 't' -> b.append('\t');
            case 'r' -> b.append('\r');
            case 'b' -> b.append('\b');
            case 'f' -> b.append('\f');
            case '0' -> b.append('\0');
            case 'u' -> {
                if (i + 4 > s.length()) {
                    throw error.apply("bad \\u escape");
                }
                try {
                    b.append((char) Integer.parseInt(s.substring(i, i + 4), 16));
                } catch (NumberFormatException ex) {
                    throw error.apply("bad \\u escape");
                }
                i += 4;
            }
            default -> throw error.apply("unknown escape \\" + e);
        }
        return i;
    }

    private static Object literal(String t, java.util.function.Supplier<IllegalArgumentException> bad) {
        switch (t) {
            case "null", "~" -> {
                return null;
            }
            case "true" -> {
                return Boolean.TRUE;
            }
            case "false" -> {
                return Boolean.FALSE;
            }
            default -> {
            }
        }
        if (t.matches("-?\\d{1,18}")) {
            return Long.parseLong(t);
        }
        if (t.matches("-?\\d+(\\.\\d+)?([eE][-+]?\\d+)?")) {
            return Double.parseDouble(t);
        }
        if (bad != null) {
            throw bad.get();
        }
        return t;
    }

    // ------------------------------------------------------------------------------------------------- YAML

    private static final class YamlParser {
        private record Line(int number, int indent, String text) {}

        private final List<Line> lines = new ArrayList<>();
        private int next;

        YamlParser(String text) {
            String[] raw = text.split("\n", -1);
            for (int n = 0; n < raw.length; n++) {
                String line = stripComment(raw[n].replace("\r", ""), n + 1);
                if (line.isBlank() || line.strip().equals("---")) {
                    continue;
                }
                if (line.strip().equals("...")) {
                    break;
                }
                if (line.contains("\t") && line.indexOf('\t') < line.length() - line.stripLeading().length()) {
                    throw new IllegalArgumentException("YAML line " + (n + 1) + ": tabs are not allowed for indent");
                }
                int indent = line.length() - line.stripLeading().length();
                lines.add(new Line(n + 1, indent, line.strip()));
            }
        }

        Object document() {
            if (lines.isEmpty()) {
                return null;
            }
            Object v = block(lines.get(0).indent());
            if (next < lines.size()) {
                throw error(lines.get(next), "unexpected indentation");
            }
            return v;
        }

        private Object block(int indent) {
            Line first = lines.get(next);
            if (first.text().startsWith("- ") || first.text().equals("-")) {
                return sequence(indent);
            }
            if (keyOf(first) != null) {
                return mapping(indent, null);
            }
            next++;
            return scalar(first.text(), first);
        }

        private List<Object> sequence(int indent) {
            List<Object> list = new ArrayList<>();
            while (next < lines.size() && lines.get(next).indent() == indent
                    && (lines.get(next).text().startsWith("- ") || lines.get(next).text().equals("-"))) {
                Line line = lines.get(next);
                String rest = line.text().substring(1).strip();
                if (rest.isEmpty()) {
                    next++;
                    list.add(next < lines.size() && lines.get(next).indent() > indent
                            ? block(lines.get(next).indent()) : null);
                    continue;
                }
                int itemIndent = indent + (line.text().length() - rest.length());
                Line inner = new Line(line.number(), itemIndent, rest);
                if (keyOf(inner) != null) {
                    lines.set(next, inner); // the item's first key sits on the dash's line
                    list.add(mapping(itemIndent, null));
                } else {
                    next++;
                    list.add(scalar(rest, line));
                }
            }
            return list;
        }

        private Map<String, Object> mapping(int indent, Map<String, Object> into) {
            Map<String, Object> map = into == null ? new LinkedHashMap<>() : into;
            while (next < lines.size() && lines.get(next).indent() == indent) {
                Line line = lines.get(next);
                String key = keyOf(line);
                if (key == null) {
                    throw error(line, "expected 'key: value'");
                }
                String rest = line.text().substring(line.text().indexOf(':', keyEnd(line)) + 1).strip();
                next++;
                Object value;
                if (rest.isEmpty()) {
                    boolean nested = next < lines.size() && (lines.get(next).indent() > indent
                            || (lines.get(next).indent() == indent && lines.get(next).text().startsWith("- ")));
                    value = nested ? block(lines.get(next).indent()) : null;
                } else {
                    value = scalar(rest, line);
                }
                if (map.containsKey(key)) {
                    throw error(line, "key '" + key + "' repeated");
                }
                map.put(key, value);
            }
            return map;
        }

        /** The index after a mapping line's key (past its quotes when quoted). */
        private static int keyEnd(Line line) {
            String t = line.text();
            if (t.startsWith("\"") || t.startsWith("'")) {
                int close = t.indexOf(t.charAt(0), 1);
                return close < 0 ? t.length() : close;
            }
            return 0;
        }

        private String keyOf(Line line) {
            String t = line.text();
            if (t.startsWith("- ") || t.equals("-")) {
                return null;
            }
            int end = keyEnd(line);
            int colon = t.indexOf(':', end);
            while (colon >= 0 && colon + 1 < t.length() && t.charAt(colon + 1) != ' ') {
                colon = t.indexOf(':', colon + 1);
            }
            if (colon < 0) {
                return null;
            }
            String key = t.substring(0, colon).strip();
            return key.startsWith("\"") || key.startsWith("'") ? (String) scalar(key, line) : key;
        }

        private Object scalar(String t, Line line) {
            if (t.startsWith("\"")) {
                StringBuilder b = new StringBuilder();
                int i = 1;
                while (true) {
                    if (i >= t.length()) {
                        throw error(line, "unterminated double-quoted string (multi-line strings: use \\n)");
                    }
                    char c = t.charAt(i++);
                    if (c == '"') {
                        break;
                    }
                    if (c == '\\') {
                        i = unescape(t, i, b, why -> error(line, why));
                    } else {
                        b.append(c);
                    }
                }
                if (i != t.length()) {
                    throw error(line, "text after a quoted string");
                }
                return b.toString();
            }
            if (t.startsWith("'")) {
                if (t.length() < 2 || !t.endsWith("'")) {
                    throw error(line, "unterminated single-quoted string");
                }
                return t.substring(1, t.length() - 1).replace("''", "'");
            }
            if (t.equals("{}")) {
                return new LinkedHashMap<String, Object>();
            }
            if (t.equals("[]")) {
                return new ArrayList<>();
            }
            if ("|>&*!{[".indexOf(t.charAt(0)) >= 0) {
                throw error(line, "this YAML feature is not supported by kvctl ('" + t.charAt(0)
                        + "'); quote the value");
            }
            return literal(t, null);
        }

        private static String stripComment(String line, int number) {
            boolean single = false;
            boolean dbl = false;
            for (int i = 0; i < line.length(); i++) {
                char c = line.charAt(i);
                if (c == '\\' && dbl) {
                    i++;
                } else if (c == '"' && !single) {
                    dbl = !dbl;
                } else if (c == '\'' && !dbl) {
                    single = !single;
                } else if (c == '#' && !single && !dbl && (i == 0 || Character.isWhitespace(line.charAt(i - 1)))) {
                    return line.substring(0, i);
                }
            }
            return line;
        }

        private static IllegalArgumentException error(Line line, String why) {
            return new IllegalArgumentException("YAML line " + line.number() + ": " + why);
        }
    }
}
