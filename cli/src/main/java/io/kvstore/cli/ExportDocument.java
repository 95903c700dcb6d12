package io.kvstore.cli;

import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.Base64;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * A parsed {@code kvctl export} document: {@code format: kvctl-export/1}, {@code root}, optional {@code revision},
 * and {@code znodes}, a list of {path, value, encoding?} in which each path is relative to the root ('.' for the
 * root) and encoding is utf8 (default) or base64. Validated as a whole before import writes anything.
 */
record ExportDocument(String root, Map<String, byte[]> znodes) {
    static final String FORMAT = "kvctl-export/1";

    /**
     * @throws IllegalArgumentException naming what is wrong
     */
    static ExportDocument parse(Object document) {
        if (!(document instanceof Map<?, ?> doc)) {
            throw new IllegalArgumentException("not a kvctl export document (expected an object with format, root "
                    + "and znodes)");
        }
        if (!FORMAT.equals(doc.get("format"))) {
            throw new IllegalArgumentException("format must be \"" + FORMAT + "\", not " + doc.get("format"));
        }
        if (!(doc.get("root") instanceof String root) || !root.startsWith("/")) {
            throw new IllegalArgumentException("root must be an absolute path");
        }
        Object list = doc.get("znodes");
        if (list == null) {
            list = new ArrayList<>();
        }
        if (!(list instanceof List<?> entries)) {
            throw new IllegalArgumentException("znodes must be a list");
        }
        Map<String, byte[]> znodes = new LinkedHashMap<>();
        int n = 0;
        for (Object item : entries) {
            n++;
            if (!(item instanceof Map<?, ?> e) || !(e.get("path") instanceof String path) || path.isEmpty()) {
                throw new IllegalArgumentException("znodes[" + n + "] needs a path (relative to root, '.' for it)");
            }
            if (path.startsWith("/")) {
                throw new IllegalArgumentException("znodes[" + n + "]: path '" + path + "' must be relative to root");
            }
            Object value = e.get("value");
            String text = value == null ? "" : value instanceof String s ? s : String.valueOf(value);
            Object encoding = e.get("encoding");
            byte[] bytes;
            if (encoding == null || "utf8".equals(encoding)) {
                bytes = text.getBytes(StandardCharsets.UTF_8);
            } else if ("base64".equals(encoding)) {
                try {
                    bytes = Base64.getDecoder().decode(text.strip());
                } catch (IllegalArgumentException bad) {
                    throw new IllegalArgumentException("znodes[" + n + "] (" + path + "): bad base64: "
                            + bad.getMessage());
                }
            } else {
                throw new IllegalArgumentException("znodes[" + n + "] (" + path + "): encoding must be utf8 or "
                        + "base64, not " + encoding);
            }
            if (znodes.put(path, bytes) != null) {
                throw new IllegalArgumentException("znodes[" + n + "]: path '" + path + "' listed twice");
            }
        }
        return new ExportDocument(root, znodes);
    }

    /** The absolute path of a relative entry under {@code target}. */
    static String absolute(String target, String relative) {
        if (relative.equals(".")) {
            return target;
        }
        return target.equals("/") ? "/" + relative : target + "/" + relative;
    }
}
