package io.kvstore.server.config;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;

/**
 * Reads the server's config file: flat YAML, one {@code key: value} per line, keys named like the flags without
 * dashes ({@code data-dir: /var/lib/kvstore}). Blank lines and {@code #} comments are skipped; a value may be quoted
 * with {@code "} or {@code '}. Nesting, lists and multi-line values are not YAML we accept: they are errors, as are
 * unknown and repeated keys, so a typo never silently falls back to a default. Stateless and thread-safe.
 */
public final class ConfigFile {

    private ConfigFile() {
    }

    /**
     * The key-value pairs of {@code file}.
     *
     * @param knownKeys the keys a file may set
     * @throws IllegalArgumentException naming the file, line and problem
     * @throws UncheckedIOException when the file cannot be read
     */
    public static Map<String, String> read(Path file, Set<String> knownKeys) {
        List<String> lines;
        try {
            lines = Files.readAllLines(file, StandardCharsets.UTF_8);
        } catch (IOException e) {
            throw new UncheckedIOException("--config: cannot read " + file + ": " + e.getMessage(), e);
        }
        return parse(lines, file.toString(), knownKeys);
    }

    /** As {@link #read}, over lines already read; {@code source} names them in errors. */
    public static Map<String, String> parse(List<String> lines, String source, Set<String> knownKeys) {
        Map<String, String> values = new LinkedHashMap<>();
        for (int i = 0; i < lines.size(); i++) {
            String line = lines.get(i).strip();
            if (line.isEmpty() || line.startsWith("#") || line.equals("---")) {
                continue;
            }
            String where = "config file " + source + " line " + (i + 1);
            int colon = line.indexOf(':');
            if (colon <= 0) {
                throw new IllegalArgumentException(where + ": expected 'key: value', got '" + line + "'");
            }
            String key = line.substring(0, colon).strip();
            if (!knownKeys.contains(key)) {
                throw new IllegalArgumentException(where + ": unknown key '" + key + "'; known keys: "
                        + String.join(", ", knownKeys));
            }
            String value = unquote(stripComment(line.substring(colon + 1).strip()), where);
            if (value.isEmpty()) {
                throw new IllegalArgumentException(where + ": key '" + key + "' has no value (nested YAML is not "
                        + "supported: write 'key: value')");
            }
            if (values.put(key, value) != null) {
                throw new IllegalArgumentException(where + ": key '" + key + "' is set twice");
            }
        }
        return values;
    }

    /** Drops a trailing {@code # comment} from an unquoted value (YAML needs a space before the '#'). */
    private static String stripComment(String value) {
        if (value.startsWith("\"") || value.startsWith("'")) {
            return value;
        }
        int hash = value.indexOf(" #");
        return hash < 0 ? value : value.substring(0, hash).strip();
    }

    private static String unquote(String value, String where) {
        if (value.startsWith("\"") || value.startsWith("'")) {
            char quote = value.charAt(0);
            int end = value.indexOf(quote, 1);
            if (end < 0) {
                throw new IllegalArgumentException(where + ": unterminated quote in '" + value + "'");
            }
            String rest = value.substring(end + 1).strip();
            if (!rest.isEmpty() && !rest.startsWith("#")) {
                throw new IllegalArgumentException(where + ": unexpected text after the quoted value: '" + rest + "'");
            }
            return value.substring(1, end);
        }
        return value;
    }
}
