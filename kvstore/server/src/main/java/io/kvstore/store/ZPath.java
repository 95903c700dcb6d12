package io.kvstore.store;

import io.kvstore.api.ErrorCode;

import java.util.Objects;
import java.util.Optional;

/**
 * A validated absolute path of a znode (a node of the stored tree; a server of the cluster is a "member").
 *
 * <p>Rules, each with the {@link Violation} reported when broken:
 * <ul>
 *   <li>not empty ({@link Violation#EMPTY}) and starts with {@code '/'} ({@link Violation#NOT_ABSOLUTE});</li>
 *   <li>{@code "/"} alone is the root; otherwise no trailing {@code '/'} ({@link Violation#TRAILING_SLASH});</li>
 *   <li>segments are non-empty ({@link Violation#EMPTY_SEGMENT}), not {@code "."} or {@code ".."}
 *       ({@link Violation#DOT_SEGMENT}), and made of {@code [A-Za-z0-9._:@-]} only ({@link Violation#BAD_CHARACTER}).
 *       The set is ASCII so that byte order, {@link String#compareTo} order and the order a shell sorts in agree,
 *       and so that {@code '\0'}, which the storage key layout uses as a separator, can never appear;</li>
 *   <li>at most {@link Limits#PATH_BYTES_MAX} bytes ({@link Violation#TOO_LONG}) and
 *       {@link Limits#PATH_DEPTH_MAX} segments ({@link Violation#TOO_DEEP}).</li>
 * </ul>
 * The root always exists; it cannot be created, written or deleted (see {@link ErrorCode#ROOT_READ_ONLY}).
 *
 * <p>Immutable and thread-safe.
 *
 * @param value the path text, already validated
 */
public record ZPath(String value) implements Comparable<ZPath> {

    /** The root znode. */
    public static final ZPath ROOT = new ZPath("/");

    /** The rule a rejected path breaks. */
    public enum Violation {
        EMPTY("path is empty"),
        NOT_ABSOLUTE("path must start with '/'"),
        TRAILING_SLASH("path must not end with '/' (except the root \"/\")"),
        EMPTY_SEGMENT("path has an empty segment ('//')"),
        DOT_SEGMENT("path segments '.' and '..' are not allowed"),
        BAD_CHARACTER("path segments may contain only [A-Za-z0-9._:@-]"),
        TOO_LONG("path is longer than " + Limits.PATH_BYTES_MAX + " bytes"),
        TOO_DEEP("path has more than " + Limits.PATH_DEPTH_MAX + " segments");

        private final String rule;

        Violation(String rule) {
            this.rule = rule;
        }

        /** A sentence naming the broken rule. */
        public String rule() {
            return rule;
        }
    }

    /** Use {@link #parse}; this constructor re-checks so that no invalid instance can exist. */
    public ZPath {
        Objects.requireNonNull(value, "value");
        Optional<Violation> violation = check(value);
        if (violation.isPresent()) {
            throw new IllegalArgumentException(describe(value, violation.get()));
        }
    }

    /**
     * Parses a path.
     *
     * @throws IllegalArgumentException naming the broken rule
     */
    public static ZPath parse(String path) {
        return new ZPath(path);
    }

    /** The rule {@code path} breaks, or empty when it is a valid path. Never throws; {@code null} is EMPTY. */
    public static Optional<Violation> check(String path) {
        if (path == null || path.isEmpty()) {
            return Optional.of(Violation.EMPTY);
        }
        if (path.charAt(0) != '/') {
            return Optional.of(Violation.NOT_ABSOLUTE);
        }
        // Checked before the scan so a huge input costs O(1). Valid paths are ASCII, so chars == bytes; a longer
        // UTF-8 encoding implies a non-ASCII char, which the scan reports as BAD_CHARACTER.
        if (path.length() > Limits.PATH_BYTES_MAX) {
            return Optional.of(Violation.TOO_LONG);
        }
        if (path.length() == 1) {
            return Optional.empty();
        }
        if (path.charAt(path.length() - 1) == '/') {
            return Optional.of(Violation.TRAILING_SLASH);
        }
        int depth = 0;
        int start = 1;
        while (start <= path.length()) {
            int end = path.indexOf('/', start);
            if (end < 0) {
                end = path.length();
            }
            Optional<Violation> segment = checkSegment(path, start, end);
            if (segment.isPresent()) {
                return segment;
            }
            depth++;
            start = end + 1;
        }
        return depth > Limits.PATH_DEPTH_MAX ? Optional.of(Violation.TOO_DEEP) : Optional.empty();
    }

    /** A message for a rejected path: the rule and the (truncated) input. */
    public static String describe(String path, Violation violation) {
        String shown = path == null ? "null" : path.length() > 80 ? path.substring(0, 80) + "..." : path;
        return violation.rule() + ": \"" + shown + "\"";
    }

    private static Optional<Violation> checkSegment(String path, int start, int end) {
        if (start == end) {
            return Optional.of(Violation.EMPTY_SEGMENT);
        }
        int length = end - start;
        if ((length == 1 && path.charAt(start) == '.')
                || (length == 2 && path.charAt(start) == '.' && path.charAt(start + 1) == '.')) {
            return Optional.of(Violation.DOT_SEGMENT);
        }
        for (int i = start; i < end; i++) {
            if (!isSegmentChar(path.charAt(i))) {
                return Optional.of(Violation.BAD_CHARACTER);
            }
        }
        return Optional.empty();
    }

    private static boolean isSegmentChar(char c) {
        return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9')
                || c == '.' || c == '_' || c == ':' || c == '@' || c == '-';
    }

    /** Whether this is {@code "/"}. */
    public boolean isRoot() {
        return value.length() == 1;
    }

    /**
     * The parent path.
     *
     * @throws IllegalStateException for the root
     */
    public ZPath parent() {
        if (isRoot()) {
            throw new IllegalStateException("the root has no parent");
        }
        int slash = value.lastIndexOf('/');
        return slash == 0 ? ROOT : new ZPath(value.substring(0, slash));
    }

    /** The last segment; empty for the root. */
    public String name() {
        return value.substring(value.lastIndexOf('/') + 1);
    }

    /**
     * The child named {@code name}.
     *
     * @throws IllegalArgumentException when the result is not a valid path
     */
    public ZPath child(String name) {
        return new ZPath(isRoot() ? "/" + name : value + "/" + name);
    }

    /** Number of segments: 0 for the root. */
    public int depth() {
        if (isRoot()) {
            return 0;
        }
        int depth = 0;
        for (int i = 0; i < value.length(); i++) {
            if (value.charAt(i) == '/') {
                depth++;
            }
        }
        return depth;
    }

    @Override
    public int compareTo(ZPath other) {
        return value.compareTo(other.value);
    }

    @Override
    public String toString() {
        return value;
    }
}
