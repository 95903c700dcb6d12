package io.kvstore.auth;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.kvstore.api.v1.PathGrant;
import io.kvstore.api.v1.Permission;
import io.kvstore.store.command.AuthStateRecord;
import io.kvstore.store.command.RoleRecord;
import io.kvstore.store.command.UserRecord;
import java.util.Map;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;
import org.junit.jupiter.api.Test;

/** The prefix matching rules of docs/security.md, "Authorization", one row per case. */
class PathGrantsTest {

    @ParameterizedTest(name = "{0} covers {1}: {2}")
    @CsvSource({
        "/,          /,             true",
        "/,          /x/y,          true",
        "/app/a/,    /app/a,        true",   // the znode named by a subtree prefix itself
        "/app/a/,    /app/a/x,      true",
        "/app/a/,    /app/a/x/y/z,  true",
        "/app/a/,    /app/ab,       false",  // whole segments only
        "/app/a/,    /app/ab/x,     false",
        "/app/a/,    /app,          false",  // not the parent
        "/app/a/,    /,             false",
        "/app/a,     /app/a,        true",   // no trailing slash: exactly that znode
        "/app/a,     /app/ab,       false",
        "/app/a,     /app/a/x,      false",
        "/app/a,     /app,          false",
    })
    void covers(String prefix, String path, boolean expected) {
        assertEquals(expected, PathGrants.covers(prefix, path));
    }

    @ParameterizedTest(name = "{0} covers the subtree of {1}: {2}")
    @CsvSource({
        "/,          /,        true",
        "/,          /a,       true",
        "/app/a/,    /app/a,   true",
        "/app/a/,    /app/a/x, true",
        "/app/a/,    /app,     false",
        "/app/a,     /app/a,   false",  // an exact grant never covers children
        "/app/a/,    /app/ab,  false",
    })
    void coversSubtree(String prefix, String path, boolean expected) {
        assertEquals(expected, PathGrants.coversSubtree(prefix, path));
    }

    @ParameterizedTest(name = "{0} overlaps {1}: {2}")
    @CsvSource({
        "/app/a/,    /,        true",
        "/app/a/,    /app,     true",
        "/app/a/,    /app/a/x, true",
        "/app/a/,    /app/b,   false",
        "/app/a/,    /ap,      false",
        "/app/a,     /app,     true",
    })
    void overlaps(String prefix, String path, boolean expected) {
        assertEquals(expected, PathGrants.overlaps(prefix, path));
    }

    @ParameterizedTest(name = "prefix {0} valid: {1}")
    @CsvSource({"/, true", "/a, true", "/a/, true", "/a/b/, true", "a/, false", "//, false", "/a//, false",
                "/a/../b, false", "'', false"})
    void checkPrefix(String prefix, boolean valid) {
        assertEquals(valid, PathGrants.checkPrefix(prefix).isEmpty());
    }

    @Test
    void permissionsAreLevels() {
        assertTrue(PathGrants.atLeast(Permission.ADMIN, Permission.WRITE));
        assertTrue(PathGrants.atLeast(Permission.WRITE, Permission.READ));
        assertFalse(PathGrants.atLeast(Permission.READ, Permission.WRITE));
        assertFalse(PathGrants.atLeast(Permission.WRITE, Permission.ADMIN));
        assertFalse(PathGrants.atLeast(Permission.ADMIN, Permission.PERMISSION_UNSPECIFIED));
    }

    @Test
    void aUserHasTheUnionOfItsRolesGrants() {
        RoleRecord a = RoleRecord.newBuilder().addGrants(grant("/app/a/", Permission.WRITE)).build();
        RoleRecord b = RoleRecord.newBuilder().addGrants(grant("/app/", Permission.READ)).build();
        AuthState state = new AuthState(AuthStateRecord.newBuilder().setEnabled(true).build(),
                Map.of("u", UserRecord.newBuilder().addRoles("a").addRoles("b").build(),
                        "v", UserRecord.getDefaultInstance()),
                Map.of("a", a, "b", b));
        assertTrue(state.allows("u", Permission.WRITE, "/app/a/x"));
        assertTrue(state.allows("u", Permission.READ, "/app/b"));
        assertFalse(state.allows("u", Permission.WRITE, "/app/b"));
        assertFalse(state.allows("v", Permission.READ, "/app/a"), "no roles, no access");
        assertFalse(state.allows("nobody", Permission.READ, "/"));
        assertTrue(state.mayReadAnyUnder("u", "/"));
        assertFalse(state.mayReadAnyUnder("v", "/"));
        assertFalse(state.isRoot("u"));
    }

    private static PathGrant grant(String prefix, Permission p) {
        return PathGrant.newBuilder().setPathPrefix(prefix).setPermission(p).build();
    }
}
