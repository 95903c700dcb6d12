package io.kvstore.client;

import io.kvstore.api.v1.AuthDisableRequest;
import io.kvstore.api.v1.AuthEnableRequest;
import io.kvstore.api.v1.AuthGrpc;
import io.kvstore.api.v1.AuthStatusRequest;
import io.kvstore.api.v1.PathGrant;
import io.kvstore.api.v1.Permission;
import io.kvstore.api.v1.RoleAddRequest;
import io.kvstore.api.v1.RoleDeleteRequest;
import io.kvstore.api.v1.RoleGetRequest;
import io.kvstore.api.v1.RoleGrantRequest;
import io.kvstore.api.v1.RoleListRequest;
import io.kvstore.api.v1.RoleRevokeRequest;
import io.kvstore.api.v1.UserAddRequest;
import io.kvstore.api.v1.UserChangePasswordRequest;
import io.kvstore.api.v1.UserDeleteRequest;
import io.kvstore.api.v1.UserGetRequest;
import io.kvstore.api.v1.UserGrantRoleRequest;
import io.kvstore.api.v1.UserListRequest;
import io.kvstore.api.v1.UserRevokeRoleRequest;
import io.kvstore.client.internal.RetryingCaller;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.TreeMap;

/**
 * Users, roles, grants and the enabled flag (docs/security.md); obtained from {@link KvClient#auth()}, sharing its
 * channels, credentials, deadlines and retries, and valid until that client is closed. Changes are exactly-once
 * writes (a retried change is applied once); each returns the auth revision after it. Once auth is enabled these calls
 * need the root role, except {@link #status()} and {@link #userRoles} of the caller itself.
 *
 * <p>Errors: {@link KvNotFoundException} (USER_NOT_FOUND, ROLE_NOT_FOUND, GRANT_NOT_FOUND),
 * {@link KvAlreadyExistsException} (USER_EXISTS, ROLE_EXISTS), {@link KvException} with reason
 * PERMISSION_DENIED, ROOT_USER_REQUIRED or ROOT_PROTECTED, {@link KvInvalidArgumentException} for bad names.
 * Thread-safe.
 */
public final class AuthAdmin {

    /** Whether auth is enabled, and the auth revision. */
    public record Status(boolean enabled, long authRevision) {
    }

    private final RetryingCaller caller;
    private final ClusterAdmin.Await await;

    AuthAdmin(RetryingCaller caller, ClusterAdmin.Await await) {
        this.caller = caller;
        this.await = await;
    }

    public Status status() {
        return await.await(caller.read(AuthGrpc.getAuthStatusMethod(), AuthStatusRequest.getDefaultInstance())
                .thenApply(r -> new Status(r.getEnabled(), r.getAuthRevision())));
    }

    /** Turns auth on; a user named root must exist. */
    public long enable() {
        return await.await(caller.write(AuthGrpc.getAuthEnableMethod(),
                h -> AuthEnableRequest.newBuilder().setHeader(h).build()).thenApply(r -> r.getAuthRevision()));
    }

    /** Turns auth off; needs the root role. */
    public long disable() {
        return await.await(caller.write(AuthGrpc.getAuthDisableMethod(),
                h -> AuthDisableRequest.newBuilder().setHeader(h).build()).thenApply(r -> r.getAuthRevision()));
    }

    public long addUser(String name, String password) {
        UserAddRequest.Builder b = UserAddRequest.newBuilder().setName(req(name)).setPassword(req(password));
        return await.await(caller.write(AuthGrpc.getUserAddMethod(), h -> b.setHeader(h).build())
                .thenApply(r -> r.getAuthRevision()));
    }

    public long deleteUser(String name) {
        UserDeleteRequest.Builder b = UserDeleteRequest.newBuilder().setName(req(name));
        return await.await(caller.write(AuthGrpc.getUserDeleteMethod(), h -> b.setHeader(h).build())
                .thenApply(r -> r.getAuthRevision()));
    }

    public long changePassword(String name, String password) {
        UserChangePasswordRequest.Builder b = UserChangePasswordRequest.newBuilder().setName(req(name))
                .setPassword(req(password));
        return await.await(caller.write(AuthGrpc.getUserChangePasswordMethod(), h -> b.setHeader(h).build())
                .thenApply(r -> r.getAuthRevision()));
    }

    public long grantRole(String user, String role) {
        UserGrantRoleRequest.Builder b = UserGrantRoleRequest.newBuilder().setUser(req(user)).setRole(req(role));
        return await.await(caller.write(AuthGrpc.getUserGrantRoleMethod(), h -> b.setHeader(h).build())
                .thenApply(r -> r.getAuthRevision()));
    }

    public long revokeRole(String user, String role) {
        UserRevokeRoleRequest.Builder b = UserRevokeRoleRequest.newBuilder().setUser(req(user)).setRole(req(role));
        return await.await(caller.write(AuthGrpc.getUserRevokeRoleMethod(), h -> b.setHeader(h).build())
                .thenApply(r -> r.getAuthRevision()));
    }

    /** User names, sorted. */
    public List<String> users() {
        return await.await(caller.read(AuthGrpc.getUserListMethod(), UserListRequest.getDefaultInstance())
                .thenApply(r -> List.copyOf(r.getUsersList())));
    }

    /** The user's roles, sorted (the root user's include root). */
    public List<String> userRoles(String name) {
        return await.await(caller.read(AuthGrpc.getUserGetMethod(), UserGetRequest.newBuilder().setName(req(name))
                .build()).thenApply(r -> List.copyOf(r.getRolesList())));
    }

    public long addRole(String name) {
        RoleAddRequest.Builder b = RoleAddRequest.newBuilder().setName(req(name));
        return await.await(caller.write(AuthGrpc.getRoleAddMethod(), h -> b.setHeader(h).build())
                .thenApply(r -> r.getAuthRevision()));
    }

    public long deleteRole(String name) {
        RoleDeleteRequest.Builder b = RoleDeleteRequest.newBuilder().setName(req(name));
        return await.await(caller.write(AuthGrpc.getRoleDeleteMethod(), h -> b.setHeader(h).build())
                .thenApply(r -> r.getAuthRevision()));
    }

    /**
     * Grants {@code permission} (READ, WRITE or ADMIN) on {@code pathPrefix}: "/app/a/" covers /app/a and everything
     * below it, "/app/a" exactly that znode. Replaces the role's earlier grant on the same prefix.
     */
    public long grant(String role, String pathPrefix, Permission permission) {
        RoleGrantRequest.Builder b = RoleGrantRequest.newBuilder().setRole(req(role)).setGrant(PathGrant.newBuilder()
                .setPathPrefix(req(pathPrefix)).setPermission(Objects.requireNonNull(permission, "permission")));
        return await.await(caller.write(AuthGrpc.getRoleGrantMethod(), h -> b.setHeader(h).build())
                .thenApply(r -> r.getAuthRevision()));
    }

    public long revoke(String role, String pathPrefix) {
        RoleRevokeRequest.Builder b = RoleRevokeRequest.newBuilder().setRole(req(role))
                .setPathPrefix(req(pathPrefix));
        return await.await(caller.write(AuthGrpc.getRoleRevokeMethod(), h -> b.setHeader(h).build())
                .thenApply(r -> r.getAuthRevision()));
    }

    /** Role names, sorted, root included. */
    public List<String> roles() {
        return await.await(caller.read(AuthGrpc.getRoleListMethod(), RoleListRequest.getDefaultInstance())
                .thenApply(r -> List.copyOf(r.getRolesList())));
    }

    /** The role's grants: path prefix to permission, sorted by prefix. */
    public Map<String, Permission> grants(String role) {
        return await.await(caller.read(AuthGrpc.getRoleGetMethod(), RoleGetRequest.newBuilder().setName(req(role))
                .build()).thenApply(r -> {
                    Map<String, Permission> out = new TreeMap<>();
                    r.getGrantsList().forEach(g -> out.put(g.getPathPrefix(), g.getPermission()));
                    return java.util.Collections.unmodifiableMap(out);
                }));
    }

    private static String req(String s) {
        return Objects.requireNonNull(s, "argument");
    }
}
