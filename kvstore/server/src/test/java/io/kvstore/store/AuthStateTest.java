package io.kvstore.store;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertInstanceOf;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.google.protobuf.ByteString;
import io.kvstore.api.ErrorCode;
import io.kvstore.api.v1.PathGrant;
import io.kvstore.api.v1.Permission;
import io.kvstore.api.v1.RoleAddRequest;
import io.kvstore.api.v1.RoleDeleteRequest;
import io.kvstore.api.v1.RoleGrantRequest;
import io.kvstore.api.v1.RoleRevokeRequest;
import io.kvstore.api.v1.UserDeleteRequest;
import io.kvstore.api.v1.UserGrantRoleRequest;
import io.kvstore.api.v1.UserRevokeRoleRequest;
import io.kvstore.auth.AuthState;
import io.kvstore.auth.PasswordHasher;
import io.kvstore.auth.Tokens;
import io.kvstore.raft.core.Entry;
import io.kvstore.store.command.AddUser;
import io.kvstore.store.command.AuthChanged;
import io.kvstore.store.command.AuthSetEnabled;
import io.kvstore.store.command.AuthToken;
import io.kvstore.store.command.ChangePassword;
import io.kvstore.store.command.Command;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * The replicated auth state in the state machine: users, roles, grants, enable/disable, exactly-once, snapshots and
 * restarts, and the tokens and password hashes built on it.
 */
class AuthStateTest {

    /** Fast hashes: these tests are about the state, not about the cost of a guess. */
    private static final PasswordHasher HASHER = new PasswordHasher(1_000);
    private static final ByteString SECRET = ByteString.copyFrom(new byte[32]);

    @TempDir
    Path dir;

    private long index;

    @Test
    void usersRolesAndGrantsAreAppliedOutsideTheTreeAndSurviveRestart() {
        try (KvStateMachine store = new KvStateMachine(dir.resolve("s"))) {
            assertSuccess(store, userAdd("alice", "pw"), 1);
            assertSuccess(store, roleAdd("app-a"), 2);
            assertSuccess(store, grant("app-a", "/app/a/", Permission.WRITE), 3);
            assertSuccess(store, grantRole("alice", "app-a"), 4);
            assertEquals(0, store.revision(), "auth changes are not tree changes");
            AuthState state = store.authState();
            assertEquals(List.of("app-a"), state.rolesOf("alice"));
            assertTrue(state.allows("alice", Permission.WRITE, "/app/a/x"));
            assertFalse(state.allows("alice", Permission.WRITE, "/app/b"));
            assertEquals(0, assertInstanceOf(ListPage.class, store.list(ZPath.ROOT, "", 0)).names().size());
        }
        try (KvStateMachine store = new KvStateMachine(dir.resolve("s"))) {
            AuthState state = store.authState();
            assertEquals(4, state.revision());
            assertTrue(state.allows("alice", Permission.READ, "/app/a"));
            assertTrue(PasswordHasher.verify("pw", state.user("alice").orElseThrow().getPassword()));
        }
    }

    @Test
    void expectedFailuresChangeNothing() {
        try (KvStateMachine store = new KvStateMachine(dir)) {
            assertSuccess(store, userAdd("alice", "pw"), 1);
            assertFailure(store, userAdd("alice", "other"), ErrorCode.USER_EXISTS);
            assertFailure(store, grantRole("alice", "nope"), ErrorCode.ROLE_NOT_FOUND);
            assertFailure(store, grantRole("bob", "root"), ErrorCode.USER_NOT_FOUND);
            assertFailure(store, roleAdd("root"), ErrorCode.ROLE_EXISTS);
            assertFailure(store, grant("root", "/", Permission.READ), ErrorCode.ROOT_PROTECTED);
            assertFailure(store, Command.newBuilder().setRoleDelete(RoleDeleteRequest.newBuilder().setName("root"))
                    .build(), ErrorCode.ROOT_PROTECTED);
            assertFailure(store, revoke("nope", "/a/"), ErrorCode.ROLE_NOT_FOUND);
            assertFailure(store, enable(), ErrorCode.ROOT_USER_REQUIRED);
            assertFailure(store, grant("x", "/a//b", Permission.READ), ErrorCode.INVALID_ARGUMENT);
            assertFailure(store, userAdd("bad name", "pw"), ErrorCode.INVALID_ARGUMENT);
            assertEquals(1, store.authState().revision(), "failures do not bump the auth revision");
            assertFalse(store.authState().enabled());
        }
    }

    @Test
    void rootRoleDoesEverythingAndRootUserIsProtectedWhileEnabled() {
        try (KvStateMachine store = new KvStateMachine(dir)) {
            assertSuccess(store, userAdd("root", "pw"), 1);
            assertTrue(store.authState().isRoot("root"), "the root user holds the root role from the start");
            assertTrue(store.authState().allows("root", Permission.ADMIN, "/any/where"));
            assertSuccess(store, enable(), 2);
            assertTrue(store.authState().enabled());
            assertEquals(SECRET, store.authState().secret());
            assertFailure(store, Command.newBuilder().setUserDelete(UserDeleteRequest.newBuilder().setName("root"))
                    .build(), ErrorCode.ROOT_PROTECTED);
            assertFailure(store, Command.newBuilder().setUserRevokeRole(UserRevokeRoleRequest.newBuilder()
                    .setUser("root").setRole("root")).build(), ErrorCode.ROOT_PROTECTED);
            // A second enable keeps the first secret: every member must keep verifying the same tokens.
            Command again = Command.newBuilder().setAuthSetEnabled(AuthSetEnabled.newBuilder().setEnabled(true)
                    .setSecret(ByteString.copyFrom(new byte[] {1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1,
                            1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1}))).build();
            assertSuccess(store, again, 3);
            assertEquals(SECRET, store.authState().secret());
            assertSuccess(store, Command.newBuilder().setAuthSetEnabled(AuthSetEnabled.newBuilder()).build(), 4);
            assertFalse(store.authState().enabled());
        }
    }

    @Test
    void deletingARoleTakesItFromItsUsers() {
        try (KvStateMachine store = new KvStateMachine(dir)) {
            apply(store, userAdd("alice", "pw"));
            apply(store, roleAdd("r"));
            apply(store, grant("r", "/", Permission.READ));
            apply(store, grantRole("alice", "r"));
            assertTrue(store.authState().allows("alice", Permission.READ, "/x"));
            assertSuccess(store, Command.newBuilder().setRoleDelete(RoleDeleteRequest.newBuilder().setName("r"))
                    .build(), 5);
            apply(store, roleAdd("r"));
            apply(store, grant("r", "/", Permission.READ));
            assertEquals(List.of(), store.authState().rolesOf("alice"), "a re-created role is not held by surprise");
            assertFalse(store.authState().allows("alice", Permission.READ, "/x"));
        }
    }

    @Test
    void grantOnTheSamePrefixReplacesAndRevokeRemoves() {
        try (KvStateMachine store = new KvStateMachine(dir)) {
            apply(store, userAdd("u", "pw"));
            apply(store, roleAdd("r"));
            apply(store, grantRole("u", "r"));
            apply(store, grant("r", "/a/", Permission.WRITE));
            apply(store, grant("r", "/a/", Permission.READ));
            assertEquals(1, store.authState().grantsOf("r").size());
            assertFalse(store.authState().allows("u", Permission.WRITE, "/a/x"));
            assertTrue(store.authState().allows("u", Permission.READ, "/a/x"));
            assertSuccess(store, revoke("r", "/a/"), 6);
            assertFalse(store.authState().allows("u", Permission.READ, "/a/x"));
            assertFailure(store, revoke("r", "/a/"), ErrorCode.GRANT_NOT_FOUND);
        }
    }

    @Test
    void aRetriedCommandIsAppliedOnceAndAnsweredWithTheOriginalResult() {
        try (KvStateMachine store = new KvStateMachine(dir)) {
            Command add = roleAdd("r").toBuilder().setClientId("c1").setSequence(1).build();
            WriteResult first = apply(store, add);
            WriteResult retry = apply(store, add);
            assertEquals(first, retry, "a retry gets the stored result, not ROLE_EXISTS");
            assertEquals(1, store.authState().revision());
        }
    }

    @Test
    void snapshotCarriesUsersRolesAndTheEnabledFlag() throws Exception {
        Path snapshot = dir.resolve("snap");
        Files.createDirectories(snapshot);
        long at;
        try (KvStateMachine leader = new KvStateMachine(dir.resolve("leader"))) {
            apply(leader, userAdd("root", "pw"));
            apply(leader, roleAdd("r"));
            apply(leader, grant("r", "/app/", Permission.READ));
            apply(leader, enable());
            leader.snapshot(snapshot);
            at = leader.appliedIndex();
        }
        try (KvStateMachine follower = new KvStateMachine(dir.resolve("follower"))) {
            follower.restore(snapshot, at);
            AuthState state = follower.authState();
            assertTrue(state.enabled());
            assertEquals(SECRET, state.secret());
            assertEquals(List.of(PathGrant.newBuilder().setPathPrefix("/app/").setPermission(Permission.READ)
                    .build()), state.grantsOf("r"));
            assertTrue(PasswordHasher.verify("pw", state.user("root").orElseThrow().getPassword()));
        }
    }

    @Test
    void passwordHashesAreSaltedAndVerifyOnlyTheRightPassword() {
        var a = HASHER.hash("secret");
        var b = HASHER.hash("secret");
        assertFalse(a.getSalt().equals(b.getSalt()), "each hash has its own salt");
        assertFalse(a.getHash().equals(b.getHash()));
        assertEquals(1_000, a.getIterations());
        assertTrue(PasswordHasher.verify("secret", a));
        assertFalse(PasswordHasher.verify("secreT", a));
        assertFalse(PasswordHasher.verify("", a));
        assertFalse(a.toByteString().toStringUtf8().contains("secret"), "the clear password is not in the record");
    }

    @Test
    void tokensExpireAndAreInvalidatedByPasswordChangeDeletionAndReEnable() {
        try (KvStateMachine store = new KvStateMachine(dir)) {
            apply(store, userAdd("root", "pw"));
            apply(store, userAdd("alice", "pw"));
            apply(store, enable());
            String token = mint(store.authState(), "alice", 10_000);
            assertNotNull(Tokens.check(store.authState(), token, 9_999).token());
            assertEquals(ErrorCode.TOKEN_EXPIRED, Tokens.check(store.authState(), token, 10_000).failure().code());
            String rootToken = mint(store.authState(), "root", 10_000);
            String tampered = rootToken.substring(0, rootToken.indexOf('.')) + token.substring(token.indexOf('.'));
            assertEquals(ErrorCode.TOKEN_INVALID, Tokens.check(store.authState(), tampered, 0).failure().code());

            String other = mint(store.authState(), "root", 10_000);
            apply(store, Command.newBuilder().setUserChangePassword(ChangePassword.newBuilder().setName("alice")
                    .setPassword(HASHER.hash("new"))).build());
            assertEquals(ErrorCode.TOKEN_INVALID, Tokens.check(store.authState(), token, 0).failure().code(),
                    "a password change invalidates the user's older tokens");
            assertNotNull(Tokens.check(store.authState(), other, 0).token(), "other users' tokens stay valid");
            String fresh = mint(store.authState(), "alice", 10_000);
            assertNotNull(Tokens.check(store.authState(), fresh, 0).token());

            apply(store, Command.newBuilder().setAuthSetEnabled(AuthSetEnabled.newBuilder()).build());
            apply(store, enable());
            assertEquals(ErrorCode.TOKEN_INVALID, Tokens.check(store.authState(), fresh, 0).failure().code(),
                    "tokens from before a disable stay invalid after re-enabling");
            String afterReEnable = mint(store.authState(), "alice", 10_000);
            apply(store, Command.newBuilder().setUserDelete(UserDeleteRequest.newBuilder().setName("alice")).build());
            assertEquals(ErrorCode.TOKEN_INVALID, Tokens.check(store.authState(), afterReEnable, 0).failure()
                    .code());
        }
    }

    private static String mint(AuthState state, String user, long expiresAt) {
        return Tokens.mint(state.secret(), AuthToken.newBuilder().setSubject(user).setKind(AuthToken.Kind.USER)
                .setExpiresAtMillis(expiresAt).setAuthRevision(state.revision()).build());
    }

    private WriteResult apply(KvStateMachine store, Command command) {
        return store.apply(new Entry(++index, 1, Entry.Type.COMMAND, command.toByteString()));
    }

    private void assertSuccess(KvStateMachine store, Command command, long authRevision) {
        WriteResult result = apply(store, command);
        WriteResult.Success success = assertInstanceOf(WriteResult.Success.class, result, () -> result.toString());
        assertEquals(authRevision, assertInstanceOf(AuthChanged.class, success.response()).getAuthRevision());
    }

    private void assertFailure(KvStateMachine store, Command command, ErrorCode code) {
        WriteResult result = apply(store, command);
        assertEquals(code, assertInstanceOf(Failure.class, result, () -> String.valueOf(result)).code());
    }

    static Command userAdd(String name, String password) {
        return Command.newBuilder().setUserAdd(AddUser.newBuilder().setName(name)
                .setPassword(HASHER.hash(password))).build();
    }

    static Command roleAdd(String name) {
        return Command.newBuilder().setRoleAdd(RoleAddRequest.newBuilder().setName(name)).build();
    }

    static Command grant(String role, String prefix, Permission permission) {
        return Command.newBuilder().setRoleGrant(RoleGrantRequest.newBuilder().setRole(role)
                .setGrant(PathGrant.newBuilder().setPathPrefix(prefix).setPermission(permission))).build();
    }

    static Command revoke(String role, String prefix) {
        return Command.newBuilder().setRoleRevoke(RoleRevokeRequest.newBuilder().setRole(role)
                .setPathPrefix(prefix)).build();
    }

    static Command grantRole(String user, String role) {
        return Command.newBuilder().setUserGrantRole(UserGrantRoleRequest.newBuilder().setUser(user).setRole(role))
                .build();
    }

    static Command enable() {
        return Command.newBuilder().setAuthSetEnabled(AuthSetEnabled.newBuilder().setEnabled(true)
                .setSecret(SECRET)).build();
    }
}
