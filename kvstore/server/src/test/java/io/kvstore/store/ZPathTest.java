package io.kvstore.store;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.Optional;
import java.util.stream.Stream;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.Arguments;
import org.junit.jupiter.params.provider.MethodSource;
import org.junit.jupiter.params.provider.ValueSource;

/** The path rules as a table: each bad path with the rule it breaks, and good paths. */
class ZPathTest {

    static Stream<Arguments> badPaths() {
        return Stream.of(
                Arguments.of("", ZPath.Violation.EMPTY),
                Arguments.of(null, ZPath.Violation.EMPTY),
                Arguments.of("a", ZPath.Violation.NOT_ABSOLUTE),
                Arguments.of("a/b", ZPath.Violation.NOT_ABSOLUTE),
                Arguments.of(" /a", ZPath.Violation.NOT_ABSOLUTE),
                Arguments.of("/a/", ZPath.Violation.TRAILING_SLASH),
                Arguments.of("//", ZPath.Violation.TRAILING_SLASH),
                Arguments.of("//a", ZPath.Violation.EMPTY_SEGMENT),
                Arguments.of("/a//b", ZPath.Violation.EMPTY_SEGMENT),
                Arguments.of("/.", ZPath.Violation.DOT_SEGMENT),
                Arguments.of("/..", ZPath.Violation.DOT_SEGMENT),
                Arguments.of("/a/../b", ZPath.Violation.DOT_SEGMENT),
                Arguments.of("/a/./b", ZPath.Violation.DOT_SEGMENT),
                Arguments.of("/a b", ZPath.Violation.BAD_CHARACTER),
                Arguments.of("/a\0b", ZPath.Violation.BAD_CHARACTER),
                Arguments.of("/a\\b", ZPath.Violation.BAD_CHARACTER),
                Arguments.of("/caf\u00e9", ZPath.Violation.BAD_CHARACTER),
                Arguments.of("/a*", ZPath.Violation.BAD_CHARACTER),
                Arguments.of("/a?b", ZPath.Violation.BAD_CHARACTER),
                Arguments.of("/" + "x".repeat(Limits.PATH_BYTES_MAX), ZPath.Violation.TOO_LONG),
                Arguments.of("/a".repeat(Limits.PATH_DEPTH_MAX + 1), ZPath.Violation.TOO_DEEP));
    }

    @ParameterizedTest
    @MethodSource("badPaths")
    void rejectsWithTheBrokenRule(String path, ZPath.Violation violation) {
        assertEquals(Optional.of(violation), ZPath.check(path));
        if (path != null) {
            IllegalArgumentException e = assertThrows(IllegalArgumentException.class, () -> ZPath.parse(path));
            assertTrue(e.getMessage().startsWith(violation.rule()), e.getMessage());
        }
    }

    @ParameterizedTest
    @ValueSource(strings = {"/", "/a", "/a/b/c", "/A-Z_0.9:x@y", "/...", "/.a", "/a..", "/-", "/@"})
    void acceptsGoodPaths(String path) {
        assertEquals(Optional.empty(), ZPath.check(path));
        assertEquals(path, ZPath.parse(path).value());
    }

    @Test
    void acceptsTheLimitsExactly() {
        String longest = "/" + "x".repeat(Limits.PATH_BYTES_MAX - 1);
        assertEquals(Optional.empty(), ZPath.check(longest));
        String deepest = "/a".repeat(Limits.PATH_DEPTH_MAX);
        assertEquals(Optional.empty(), ZPath.check(deepest));
        assertEquals(Limits.PATH_DEPTH_MAX, ZPath.parse(deepest).depth());
    }

    @Test
    void navigates() {
        ZPath path = ZPath.parse("/a/b");
        assertEquals(ZPath.parse("/a"), path.parent());
        assertEquals(ZPath.ROOT, path.parent().parent());
        assertEquals("b", path.name());
        assertEquals(ZPath.parse("/a/b/c"), path.child("c"));
        assertEquals(ZPath.parse("/x"), ZPath.ROOT.child("x"));
        assertEquals(2, path.depth());
        assertEquals(0, ZPath.ROOT.depth());
        assertTrue(ZPath.ROOT.isRoot());
        assertThrows(IllegalStateException.class, ZPath.ROOT::parent);
        assertThrows(IllegalArgumentException.class, () -> path.child(".."));
    }
}
