package io.kvstore.auth;

import io.kvstore.api.ErrorCode;
import io.kvstore.api.v1.Permission;
import io.kvstore.store.Failure;
import io.kvstore.store.ZPath;
import java.util.Optional;
import java.util.function.LongFunction;
import java.util.function.Predicate;

/**
 * One authorization decision's inputs: the applied auth state, the calling user, and a view of which znodes exist
 * (for {@code make_parents}). The checks answer {@code Optional.empty()} when allowed, else the failure to send:
 * PERMISSION_DENIED naming the user, the permission and the path the caller itself sent, never anything stored.
 * A path that is not a valid znode path is answered INVALID_PATH (fail closed: string prefix matching is only sound
 * on valid paths). Immutable; thread-safe.
 *
 * @param user the calling user, or null when the caller is a member acting for itself
 * @param sessionOwner the user who opened a live session ("" when opened while auth was off); empty when not live
 */
public record Access(AuthState state, String user, Predicate<String> znodeExists,
                     LongFunction<Optional<String>> sessionOwner) {

    /** Without session owners: every session check passes (for callers that name no session). */
    public Access(AuthState state, String user, Predicate<String> znodeExists) {
        this(state, user, znodeExists, id -> Optional.empty());
    }

    /**
     * Allowed when the call may use session {@code sessionId} (close, keep alive, read, or bind an ephemeral znode
     * or lock waiter to it): no session (0), a session that is not live (the store answers SESSION_EXPIRED), one
     * opened while auth was off, the caller's own, or any for root. The denial does not name the owner.
     */
    public Optional<Failure> session(long sessionId) {
        if (sessionId == 0) {
            return Optional.empty();
        }
        Optional<String> owner = sessionOwner.apply(sessionId);
        if (owner.isEmpty() || owner.get().isEmpty() || owner.get().equals(user)) {
            return Optional.empty();
        }
        return user != null && state.isRoot(user) ? Optional.empty()
                : deny("user " + user + " may not use session " + sessionId + ": it belongs to another user");
    }

    /** Allowed when the user may do {@code needed} on {@code path}. */
    public Optional<Failure> path(Permission needed, String path) {
        Optional<Failure> invalid = invalidPath(path);
        if (invalid.isPresent()) {
            return invalid;
        }
        return user != null && state.allows(user, needed, path) ? Optional.empty() : denied(needed, path);
    }

    /** Allowed when the user may do {@code needed} on {@code path} and everything below it. */
    public Optional<Failure> subtree(Permission needed, String path) {
        Optional<Failure> invalid = invalidPath(path);
        if (invalid.isPresent()) {
            return invalid;
        }
        return user != null && state.allowsSubtree(user, needed, path) ? Optional.empty()
                : deny("user " + user + " may not " + verb(needed) + " the whole subtree of " + path);
    }

    /**
     * A write of {@code path} that may create missing parents: WRITE on the path and on every ancestor that does not
     * exist now (the ones the write would create).
     */
    public Optional<Failure> writeMakingParents(String path) {
        Optional<Failure> own = path(Permission.WRITE, path);
        if (own.isPresent()) {
            return own;
        }
        for (ZPath p = ZPath.parse(path).parent(); !p.isRoot(); p = p.parent()) {
            if (znodeExists.test(p.value())) {
                break;
            }
            Optional<Failure> parent = path(Permission.WRITE, p.value());
            if (parent.isPresent()) {
                return parent;
            }
        }
        return Optional.empty();
    }

    /** Allowed for a user holding the root role. */
    public Optional<Failure> root() {
        return user != null && state.isRoot(user) ? Optional.empty()
                : deny("this call needs the root role; user " + user + " does not hold it");
    }

    /** Allowed for a user with ADMIN on "/" (cluster changes). */
    public Optional<Failure> clusterAdmin() {
        return user != null && state.allows(user, Permission.ADMIN, "/") ? Optional.empty()
                : deny("this call needs ADMIN on /; user " + user + " does not have it");
    }

    /** Allowed for the user named {@code name} itself, or root. */
    public Optional<Failure> selfOrRoot(String name) {
        return name.equals(user) ? Optional.empty() : root();
    }

    private Optional<Failure> denied(Permission needed, String path) {
        return deny("user " + user + " may not " + verb(needed) + " " + path);
    }

    private static Optional<Failure> invalidPath(String path) {
        return ZPath.check(path).map(v -> Failure.of(ErrorCode.INVALID_PATH, ZPath.describe(path, v)));
    }

    private static String verb(Permission p) {
        return p == Permission.READ ? "read" : p == Permission.WRITE ? "write" : "administer";
    }

    static Optional<Failure> deny(String message) {
        return Optional.of(Failure.of(ErrorCode.PERMISSION_DENIED, message));
    }
}
