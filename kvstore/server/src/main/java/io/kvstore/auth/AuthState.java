package io.kvstore.auth;

import com.google.protobuf.ByteString;
import io.kvstore.api.v1.PathGrant;
import io.kvstore.api.v1.Permission;
import io.kvstore.store.command.AuthStateRecord;
import io.kvstore.store.command.RoleRecord;
import io.kvstore.store.command.UserRecord;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.TreeMap;

/**
 * One applied version of the cluster's users, roles, grants and enabled flag: what every authorization decision
 * reads. The state machine replaces it (one volatile write) after each applied auth command, so a decision sees one
 * consistent version and never a half-applied change. Immutable and thread-safe.
 *
 * <p>The {@value #ROOT} role exists conceptually from the start: it is never stored, may do everything, and cannot
 * be changed. The user named {@value #ROOT} always holds it.
 *
 * @param record enabled flag, token secret and auth revisions
 * @param users by name, sorted
 * @param roles by name, sorted; never contains {@value #ROOT}
 */
public record AuthState(AuthStateRecord record, Map<String, UserRecord> users, Map<String, RoleRecord> roles) {

    /** The superuser's name, and the all-powerful role's. */
    public static final String ROOT = "root";

    /** Before the first auth command: disabled, no users, no roles. */
    public static final AuthState EMPTY = new AuthState(AuthStateRecord.getDefaultInstance(), Map.of(), Map.of());

    public AuthState {
        users = java.util.Collections.unmodifiableMap(new TreeMap<>(users));
        roles = java.util.Collections.unmodifiableMap(new TreeMap<>(roles));
    }

    public boolean enabled() {
        return record.getEnabled();
    }

    public long revision() {
        return record.getRevision();
    }

    /** The token signing secret; empty until auth was first enabled. */
    public ByteString secret() {
        return record.getSecret();
    }

    public Optional<UserRecord> user(String name) {
        return Optional.ofNullable(users.get(name));
    }

    /** Whether {@code role} exists (root always does). */
    public boolean roleExists(String role) {
        return ROOT.equals(role) || roles.containsKey(role);
    }

    /** The user's roles; the root user's include root. Empty for an unknown user. */
    public List<String> rolesOf(String user) {
        UserRecord record = users.get(user);
        if (record == null) {
            return List.of();
        }
        if (ROOT.equals(user) && !record.getRolesList().contains(ROOT)) {
            java.util.List<String> roles = new java.util.ArrayList<>(record.getRolesList());
            roles.add(ROOT);
            java.util.Collections.sort(roles);
            return List.copyOf(roles);
        }
        return record.getRolesList();
    }

    /** Whether {@code user} exists and holds the root role. */
    public boolean isRoot(String user) {
        return rolesOf(user).contains(ROOT);
    }

    /** A role's grants; root's is ADMIN on "/". Empty for an unknown role. */
    public List<PathGrant> grantsOf(String role) {
        if (ROOT.equals(role)) {
            return List.of(PathGrant.newBuilder().setPathPrefix("/").setPermission(Permission.ADMIN).build());
        }
        RoleRecord record = roles.get(role);
        return record == null ? List.of() : record.getGrantsList();
    }

    /** Whether {@code user} may do {@code needed} on the znode {@code path}. */
    public boolean allows(String user, Permission needed, String path) {
        return anyGrant(user, needed, grant -> PathGrants.covers(grant.getPathPrefix(), path));
    }

    /** Whether {@code user} may do {@code needed} on {@code path} and everything below it (a recursive delete). */
    public boolean allowsSubtree(String user, Permission needed, String path) {
        return anyGrant(user, needed, grant -> PathGrants.coversSubtree(grant.getPathPrefix(), path));
    }

    /** Whether {@code user} may read {@code path} or anything below it (a watch on it is not pointless). */
    public boolean mayReadAnyUnder(String user, String path) {
        return anyGrant(user, Permission.READ, grant -> PathGrants.overlaps(grant.getPathPrefix(), path));
    }

    private boolean anyGrant(String user, Permission needed, java.util.function.Predicate<PathGrant> matches) {
        for (String role : rolesOf(user)) {
            for (PathGrant grant : grantsOf(role)) {
                if (PathGrants.atLeast(grant.getPermission(), needed) && matches.test(grant)) {
                    return true;
                }
            }
        }
        return false;
    }
}
