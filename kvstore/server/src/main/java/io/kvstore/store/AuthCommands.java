package io.kvstore.store;

import com.google.protobuf.InvalidProtocolBufferException;
import io.kvstore.api.ErrorCode;
import io.kvstore.api.v1.PathGrant;
import io.kvstore.api.v1.Permission;
import io.kvstore.auth.AuthState;
import io.kvstore.auth.PasswordHasher;
import io.kvstore.auth.PathGrants;
import io.kvstore.store.command.AuthChanged;
import io.kvstore.store.command.AuthStateRecord;
import io.kvstore.store.command.Command;
import io.kvstore.store.command.PasswordHash;
import io.kvstore.store.command.RoleRecord;
import io.kvstore.store.command.UserRecord;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.TreeSet;
import java.util.regex.Pattern;
import org.rocksdb.RocksDB;
import org.rocksdb.RocksDBException;
import org.rocksdb.RocksIterator;
import org.rocksdb.WriteBatch;

/**
 * Validates, applies and loads the replicated auth state (users, roles, grants, enabled flag): the auth part of
 * {@link KvStateMachine}. Records live under their own key prefixes outside the tree ({@link StoreKeys}), so they are
 * in every snapshot (a RocksDB checkpoint) and invisible to get, list and watches; an auth command bumps no store
 * revision. Each successful command bumps the auth revision by one. Deterministic: every member applies a command to
 * the same outcome. Pure functions over the given state; apply thread only for {@link #apply}.
 */
final class AuthCommands {

    /** User and role names: short, printable, no separators that would confuse CLIs or logs. */
    private static final Pattern NAME = Pattern.compile("[A-Za-z0-9._@-]{1,64}");
    /** Grants per role: a linear scan per authorization decision stays cheap. */
    static final int GRANTS_PER_ROLE_MAX = 256;
    /** Roles per user, for the same reason. */
    static final int ROLES_PER_USER_MAX = 64;
    private static final int SECRET_BYTES = 32;

    private AuthCommands() {
    }

    /** The new state and the command's result; {@code state} is null when the command failed (nothing changed). */
    record Applied(WriteResult result, AuthState state) {
    }

    /** Checks an auth command's shape (names, hash, prefix), the same on every member. */
    static Optional<Failure> validate(Command c) {
        return switch (c.getOpCase()) {
            case USER_ADD -> first(name("user", c.getUserAdd().getName()), hash(c.getUserAdd().getPassword()));
            case USER_DELETE -> first(nested(c.getUserDelete().hasHeader()), name("user", c.getUserDelete().getName()));
            case USER_CHANGE_PASSWORD -> first(name("user", c.getUserChangePassword().getName()),
                    hash(c.getUserChangePassword().getPassword()));
            case USER_GRANT_ROLE -> first(nested(c.getUserGrantRole().hasHeader()),
                    name("user", c.getUserGrantRole().getUser()), name("role", c.getUserGrantRole().getRole()));
            case USER_REVOKE_ROLE -> first(nested(c.getUserRevokeRole().hasHeader()),
                    name("user", c.getUserRevokeRole().getUser()), name("role", c.getUserRevokeRole().getRole()));
            case ROLE_ADD -> first(nested(c.getRoleAdd().hasHeader()), name("role", c.getRoleAdd().getName()));
            case ROLE_DELETE -> first(nested(c.getRoleDelete().hasHeader()), name("role", c.getRoleDelete().getName()));
            case ROLE_GRANT -> first(nested(c.getRoleGrant().hasHeader()), name("role", c.getRoleGrant().getRole()),
                    grant(c.getRoleGrant().getGrant()));
            case ROLE_REVOKE -> first(nested(c.getRoleRevoke().hasHeader()), name("role", c.getRoleRevoke().getRole()),
                    PathGrants.checkPrefix(c.getRoleRevoke().getPathPrefix()).map(AuthCommands::invalid));
            case AUTH_SET_ENABLED -> c.getAuthSetEnabled().getEnabled()
                    && c.getAuthSetEnabled().getSecret().size() != SECRET_BYTES
                    ? Optional.of(invalid("auth enable must carry a " + SECRET_BYTES + "-byte token secret"))
                    : Optional.empty();
            default -> throw new IllegalArgumentException("not an auth command: " + c.getOpCase());
        };
    }

    /** Checks a user or role name as a client sends it (the same rule the log applies). */
    static Optional<Failure> name(String kind, String name) {
        return NAME.matcher(name).matches() ? Optional.empty()
                : Optional.of(invalid(kind + " name must be 1 to 64 characters of [A-Za-z0-9._@-]"));
    }

    /** Whether {@code command} is one of the auth commands this class applies. */
    static boolean handles(Command command) {
        return command.getOpCase().getNumber() >= Command.USER_ADD_FIELD_NUMBER
                && command.getOpCase().getNumber() <= Command.AUTH_SET_ENABLED_FIELD_NUMBER;
    }

    /** Applies a validated auth command to {@code state}, adding its writes to {@code batch}. */
    static Applied apply(AuthState state, Command c, WriteBatch batch, long storeRevision) throws RocksDBException {
        Map<String, UserRecord> users = new HashMap<>(state.users());
        Map<String, RoleRecord> roles = new HashMap<>(state.roles());
        long next = state.revision() + 1;
        AuthStateRecord.Builder record = state.record().toBuilder().setRevision(next);
        Failure failure = switch (c.getOpCase()) {
            case USER_ADD -> {
                String name = c.getUserAdd().getName();
                if (users.containsKey(name)) {
                    yield Failure.of(ErrorCode.USER_EXISTS, "user " + name + " already exists");
                }
                users.put(name, UserRecord.newBuilder().setPassword(c.getUserAdd().getPassword())
                        .setCredentialRevision(next).build());
                yield null;
            }
            case USER_DELETE -> {
                String name = c.getUserDelete().getName();
                if (!users.containsKey(name)) {
                    yield userNotFound(name);
                }
                if (AuthState.ROOT.equals(name) && state.enabled()) {
                    yield Failure.of(ErrorCode.ROOT_PROTECTED, "the root user cannot be deleted while auth is "
                            + "enabled: disable auth first");
                }
                users.remove(name);
                yield null;
            }
            case USER_CHANGE_PASSWORD -> {
                String name = c.getUserChangePassword().getName();
                UserRecord user = users.get(name);
                if (user == null) {
                    yield userNotFound(name);
                }
                users.put(name, user.toBuilder().setPassword(c.getUserChangePassword().getPassword())
                        .setCredentialRevision(next).build());
                yield null;
            }
            case USER_GRANT_ROLE -> {
                String name = c.getUserGrantRole().getUser();
                String role = c.getUserGrantRole().getRole();
                UserRecord user = users.get(name);
                if (user == null) {
                    yield userNotFound(name);
                }
                if (!state.roleExists(role)) {
                    yield roleNotFound(role);
                }
                TreeSet<String> held = new TreeSet<>(user.getRolesList());
                held.add(role);
                if (held.size() > ROLES_PER_USER_MAX) {
                    yield invalid("a user may hold at most " + ROLES_PER_USER_MAX + " roles");
                }
                users.put(name, user.toBuilder().clearRoles().addAllRoles(held).build());
                yield null;
            }
            case USER_REVOKE_ROLE -> {
                String name = c.getUserRevokeRole().getUser();
                String role = c.getUserRevokeRole().getRole();
                UserRecord user = users.get(name);
                if (user == null) {
                    yield userNotFound(name);
                }
                if (AuthState.ROOT.equals(name) && AuthState.ROOT.equals(role)) {
                    yield Failure.of(ErrorCode.ROOT_PROTECTED, "the root user always holds the root role");
                }
                if (!user.getRolesList().contains(role)) {
                    yield Failure.of(ErrorCode.GRANT_NOT_FOUND, "user " + name + " does not hold role " + role);
                }
                TreeSet<String> held = new TreeSet<>(user.getRolesList());
                held.remove(role);
                users.put(name, user.toBuilder().clearRoles().addAllRoles(held).build());
                yield null;
            }
            case ROLE_ADD -> {
                String name = c.getRoleAdd().getName();
                if (state.roleExists(name)) {
                    yield Failure.of(ErrorCode.ROLE_EXISTS, "role " + name + " already exists");
                }
                roles.put(name, RoleRecord.getDefaultInstance());
                yield null;
            }
            case ROLE_DELETE -> {
                String name = c.getRoleDelete().getName();
                Failure f = changeableRole(state, name);
                if (f != null) {
                    yield f;
                }
                roles.remove(name);
                // Like etcd: users lose the deleted role, so re-creating it later grants nothing by surprise.
                for (Map.Entry<String, UserRecord> u : state.users().entrySet()) {
                    if (u.getValue().getRolesList().contains(name)) {
                        List<String> held = new ArrayList<>(u.getValue().getRolesList());
                        held.remove(name);
                        users.put(u.getKey(), u.getValue().toBuilder().clearRoles().addAllRoles(held).build());
                    }
                }
                yield null;
            }
            case ROLE_GRANT -> {
                String name = c.getRoleGrant().getRole();
                Failure f = changeableRole(state, name);
                if (f != null) {
                    yield f;
                }
                PathGrant grant = c.getRoleGrant().getGrant();
                List<PathGrant> grants = new ArrayList<>(roles.get(name).getGrantsList());
                grants.removeIf(g -> g.getPathPrefix().equals(grant.getPathPrefix()));
                grants.add(grant);
                if (grants.size() > GRANTS_PER_ROLE_MAX) {
                    yield invalid("a role may hold at most " + GRANTS_PER_ROLE_MAX + " grants");
                }
                grants.sort(java.util.Comparator.comparing(PathGrant::getPathPrefix));
                roles.put(name, RoleRecord.newBuilder().addAllGrants(grants).build());
                yield null;
            }
            case ROLE_REVOKE -> {
                String name = c.getRoleRevoke().getRole();
                Failure f = changeableRole(state, name);
                if (f != null) {
                    yield f;
                }
                List<PathGrant> grants = new ArrayList<>(roles.get(name).getGrantsList());
                if (!grants.removeIf(g -> g.getPathPrefix().equals(c.getRoleRevoke().getPathPrefix()))) {
                    yield Failure.of(ErrorCode.GRANT_NOT_FOUND, "role " + name + " has no grant on "
                            + c.getRoleRevoke().getPathPrefix());
                }
                roles.put(name, RoleRecord.newBuilder().addAllGrants(grants).build());
                yield null;
            }
            case AUTH_SET_ENABLED -> {
                if (c.getAuthSetEnabled().getEnabled()) {
                    if (!users.containsKey(AuthState.ROOT)) {
                        yield Failure.of(ErrorCode.ROOT_USER_REQUIRED, "add a user named root before enabling auth");
                    }
                    if (record.getSecret().isEmpty()) {
                        record.setSecret(c.getAuthSetEnabled().getSecret());
                    }
                    if (!record.getEnabled()) {
                        record.setEnabledRevision(next);
                    }
                    record.setEnabled(true);
                } else {
                    record.setEnabled(false);
                }
                yield null;
            }
            default -> throw new IllegalArgumentException("not an auth command: " + c.getOpCase());
        };
        if (failure != null) {
            return new Applied(failure, null);
        }
        AuthState after = new AuthState(record.build(), users, roles);
        write(state, after, batch);
        return new Applied(new WriteResult.Success(storeRevision,
                AuthChanged.newBuilder().setAuthRevision(next).build()), after);
    }

    /** Reads the stored auth state. */
    static AuthState load(RocksDB db) throws RocksDBException {
        try {
            byte[] stateBytes = db.get(StoreKeys.AUTH_STATE);
            AuthStateRecord record = stateBytes == null ? AuthStateRecord.getDefaultInstance()
                    : AuthStateRecord.parseFrom(stateBytes);
            Map<String, UserRecord> users = new HashMap<>();
            Map<String, RoleRecord> roles = new HashMap<>();
            try (RocksIterator it = db.newIterator()) {
                for (it.seek(StoreKeys.USER_PREFIX); it.isValid() && StoreKeys.startsWith(it.key(),
                        StoreKeys.USER_PREFIX); it.next()) {
                    users.put(suffix(it.key(), StoreKeys.USER_PREFIX), UserRecord.parseFrom(it.value()));
                }
                for (it.seek(StoreKeys.ROLE_PREFIX); it.isValid() && StoreKeys.startsWith(it.key(),
                        StoreKeys.ROLE_PREFIX); it.next()) {
                    roles.put(suffix(it.key(), StoreKeys.ROLE_PREFIX), RoleRecord.parseFrom(it.value()));
                }
            }
            return new AuthState(record, users, roles);
        } catch (InvalidProtocolBufferException e) {
            throw new StoreIoException("corrupt auth record", e);
        }
    }

    /** Writes what differs between {@code before} and {@code after}. */
    private static void write(AuthState before, AuthState after, WriteBatch batch) throws RocksDBException {
        batch.put(StoreKeys.AUTH_STATE, after.record().toByteArray());
        for (String name : before.users().keySet()) {
            if (!after.users().containsKey(name)) {
                batch.delete(StoreKeys.user(name));
            }
        }
        for (Map.Entry<String, UserRecord> u : after.users().entrySet()) {
            if (!u.getValue().equals(before.users().get(u.getKey()))) {
                batch.put(StoreKeys.user(u.getKey()), u.getValue().toByteArray());
            }
        }
        for (String name : before.roles().keySet()) {
            if (!after.roles().containsKey(name)) {
                batch.delete(StoreKeys.role(name));
            }
        }
        for (Map.Entry<String, RoleRecord> r : after.roles().entrySet()) {
            if (!r.getValue().equals(before.roles().get(r.getKey()))) {
                batch.put(StoreKeys.role(r.getKey()), r.getValue().toByteArray());
            }
        }
    }

    private static Failure changeableRole(AuthState state, String name) {
        if (AuthState.ROOT.equals(name)) {
            return Failure.of(ErrorCode.ROOT_PROTECTED, "the root role cannot be changed or deleted");
        }
        return state.roles().containsKey(name) ? null : roleNotFound(name);
    }

    private static Failure userNotFound(String name) {
        return Failure.of(ErrorCode.USER_NOT_FOUND, "user " + name + " does not exist");
    }

    private static Failure roleNotFound(String name) {
        return Failure.of(ErrorCode.ROLE_NOT_FOUND, "role " + name + " does not exist");
    }

    private static Optional<Failure> hash(PasswordHash h) {
        if (h.getSalt().size() != PasswordHasher.SALT_BYTES || h.getHash().size() != PasswordHasher.HASH_BYTES
                || h.getIterations() < 1 || h.getIterations() > PasswordHasher.ITERATIONS_MAX) {
            return Optional.of(invalid("password hash is malformed"));
        }
        return Optional.empty();
    }

    private static Optional<Failure> grant(PathGrant grant) {
        if (grant.getPermission() == Permission.PERMISSION_UNSPECIFIED
                || grant.getPermission() == Permission.UNRECOGNIZED) {
            return Optional.of(invalid("grant needs a permission: READ, WRITE or ADMIN"));
        }
        return PathGrants.checkPrefix(grant.getPathPrefix()).map(AuthCommands::invalid);
    }

    private static Optional<Failure> nested(boolean hasHeader) {
        return hasHeader ? Optional.of(invalid("nested request must not carry a header")) : Optional.empty();
    }

    private static Failure invalid(String message) {
        return Failure.of(ErrorCode.INVALID_ARGUMENT, message);
    }

    @SafeVarargs
    private static Optional<Failure> first(Optional<Failure>... checks) {
        for (Optional<Failure> check : checks) {
            if (check.isPresent()) {
                return check;
            }
        }
        return Optional.empty();
    }

    private static String suffix(byte[] key, byte[] prefix) {
        return new String(key, prefix.length, key.length - prefix.length, StandardCharsets.UTF_8);
    }
}
