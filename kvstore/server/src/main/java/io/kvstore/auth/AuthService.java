package io.kvstore.auth;

import com.google.protobuf.ByteString;
import com.google.protobuf.Descriptors.FieldDescriptor;
import com.google.protobuf.Message;
import io.grpc.Context;
import io.grpc.Deadline;
import io.grpc.MethodDescriptor;
import io.grpc.ServerInterceptors;
import io.grpc.ServerServiceDefinition;
import io.grpc.stub.StreamObserver;
import io.kvstore.api.ErrorCode;
import io.kvstore.api.v1.*;
import io.kvstore.raft.RaftNode;
import io.kvstore.server.StatusMapper;
import io.kvstore.server.StatusMapper.CallKind;
import io.kvstore.server.kv.ForwardedInterceptor;
import io.kvstore.server.kv.Forwarder;
import io.kvstore.server.kv.ResponseHeaders;
import io.kvstore.server.member.MemberChannels;
import io.kvstore.server.member.MemberDirectory;
import io.kvstore.store.Failure;
import io.kvstore.store.KvStateMachine;
import io.kvstore.store.RequestValidator;
import io.kvstore.store.WriteResult;
import io.kvstore.store.command.AddUser;
import io.kvstore.store.command.AuthChanged;
import io.kvstore.store.command.AuthSetEnabled;
import io.kvstore.store.command.AuthToken;
import io.kvstore.store.command.ChangePassword;
import io.kvstore.store.command.Command;
import io.kvstore.store.command.PasswordHash;
import io.kvstore.store.command.UserRecord;
import java.nio.charset.StandardCharsets;
import java.security.SecureRandom;
import java.time.Duration;
import java.util.Optional;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.Executor;
import java.util.concurrent.TimeUnit;
import java.util.function.LongSupplier;
import java.util.function.Supplier;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The kvstore.v1 Auth service. Who may call what is decided by {@link AuthInterceptor} ({@link MethodTable}), before
 * a call gets here.
 *
 * <p><b>Writes</b> (user, role and grant changes, enable, disable) are replicated commands, proposed by the leader
 * (a follower forwards the request). The leader hashes a password ({@link PasswordHasher}) and chooses the token
 * secret on enable before proposing, so the log carries only the hash. Exactly-once with the request header's
 * client_id and sequence, like KV writes.
 *
 * <p><b>Reads and Authenticate</b> are answered from this member's applied state: a member that has not yet applied
 * a change (a new password, say) answers from the state before it, as a serializable read would.
 *
 * <p>Threads: handlers run on the call executor (Authenticate spends one password verification there, at most
 * {@link PasswordChecks#IN_FLIGHT_MAX} at once per member, BUSY beyond); raft
 * continuations on {@code executor}. Thread-safe.
 */
public final class AuthService extends AuthGrpc.AuthImplBase {

    private static final Logger log = LoggerFactory.getLogger(AuthService.class);
    private static final int SECRET_BYTES = 32;

    private final MemberDirectory members;
    private final RaftNode raft;
    private final KvStateMachine store;
    private final Forwarder forwarder;
    private final Executor executor;
    private final PasswordHasher hasher;
    private final Duration tokenTtl;
    private final LongSupplier clockMillis;
    private final SecureRandom random = new SecureRandom();
    /** Verified against when the user does not exist, so a wrong name costs as long as a wrong password. Made on
     *  first use: a hash costs a few hundred milliseconds, which every member start should not pay. */
    private volatile PasswordHash decoy;
    private final PasswordChecks checks = new PasswordChecks(PasswordChecks.IN_FLIGHT_MAX);

    /**
     * @param tokenTtl lifetime of the tokens Authenticate issues
     * @param clockMillis wall clock for token expiry
     */
    public AuthService(MemberDirectory members, RaftNode raft, KvStateMachine store, MemberChannels channels,
                       Executor executor, PasswordHasher hasher, Duration tokenTtl, LongSupplier clockMillis) {
        this.members = members;
        this.raft = raft;
        this.store = store;
        this.forwarder = new Forwarder(members.self(), channels);
        this.executor = executor;
        this.hasher = hasher;
        this.tokenTtl = tokenTtl;
        this.clockMillis = clockMillis;
    }

    /** The service with its forwarding marker; register it through the server's interceptor chain. */
    public ServerServiceDefinition definition() {
        return ServerInterceptors.intercept(bindService(), new ForwardedInterceptor());
    }

    @Override
    public void authenticate(AuthenticateRequest request, StreamObserver<AuthenticateResponse> response) {
        AuthState state = store.authState();
        if (!state.enabled()) {
            response.onError(StatusMapper.toException(Failure.of(ErrorCode.AUTH_NOT_ENABLED,
                    "auth is not enabled: calls need no token")));
            return;
        }
        Optional<UserRecord> user = state.user(request.getUser());
        if (!checks.tryStart()) {
            response.onError(StatusMapper.toException(Failure.of(ErrorCode.BUSY, checks.max()
                    + " password checks are already running on this member: retry with backoff")));
            return;
        }
        boolean ok;
        try {
            ok = request.getPassword().length() <= PasswordHasher.PASSWORD_BYTES_MAX
                    && PasswordHasher.verify(request.getPassword(),
                            user.map(UserRecord::getPassword).orElseGet(this::decoy))
                    && user.isPresent();
        } finally {
            checks.finish();
        }
        if (!ok) {
            log.info("authentication of user '{}' failed", printable(request.getUser()));
            response.onError(StatusMapper.toException(Failure.of(ErrorCode.AUTH_FAILED,
                    "invalid user name or password")));
            return;
        }
        long expires = clockMillis.getAsLong() + tokenTtl.toMillis();
        String token = Tokens.mint(state.secret(), AuthToken.newBuilder().setSubject(request.getUser())
                .setKind(AuthToken.Kind.USER).setExpiresAtMillis(expires).setAuthRevision(state.revision()).build());
        response.onNext(AuthenticateResponse.newBuilder().setHeader(header()).setToken(token)
                .setExpiresAtMillis(expires).build());
        response.onCompleted();
    }

    @Override
    public void authStatus(AuthStatusRequest request, StreamObserver<AuthStatusResponse> response) {
        AuthState state = store.authState();
        reply(response, AuthStatusResponse.newBuilder().setHeader(header()).setEnabled(state.enabled())
                .setAuthRevision(state.revision()).build());
    }

    @Override
    public void authEnable(AuthEnableRequest request, StreamObserver<AuthEnableResponse> response) {
        write(AuthGrpc.getAuthEnableMethod(), request, request.getHeader(), AuthEnableResponse.getDefaultInstance(),
                () -> {
                    byte[] secret = new byte[SECRET_BYTES];
                    random.nextBytes(secret);
                    return Command.newBuilder().setAuthSetEnabled(AuthSetEnabled.newBuilder().setEnabled(true)
                            .setSecret(ByteString.copyFrom(secret)));
                }, response);
    }

    @Override
    public void authDisable(AuthDisableRequest request, StreamObserver<AuthDisableResponse> response) {
        write(AuthGrpc.getAuthDisableMethod(), request, request.getHeader(), AuthDisableResponse.getDefaultInstance(),
                () -> Command.newBuilder().setAuthSetEnabled(AuthSetEnabled.newBuilder().setEnabled(false)),
                response);
    }

    @Override
    public void userAdd(UserAddRequest request, StreamObserver<UserAddResponse> response) {
        if (badPassword(request.getPassword(), response)) {
            return;
        }
        write(AuthGrpc.getUserAddMethod(), request, request.getHeader(), UserAddResponse.getDefaultInstance(),
                () -> Command.newBuilder().setUserAdd(AddUser.newBuilder().setName(request.getName())
                        .setPassword(hasher.hash(request.getPassword()))), response);
    }

    @Override
    public void userDelete(UserDeleteRequest request, StreamObserver<UserDeleteResponse> response) {
        write(AuthGrpc.getUserDeleteMethod(), request, request.getHeader(), UserDeleteResponse.getDefaultInstance(),
                () -> Command.newBuilder().setUserDelete(request.toBuilder().clearHeader()), response);
    }

    @Override
    public void userChangePassword(UserChangePasswordRequest request,
                                   StreamObserver<UserChangePasswordResponse> response) {
        if (badPassword(request.getPassword(), response)) {
            return;
        }
        write(AuthGrpc.getUserChangePasswordMethod(), request, request.getHeader(),
                UserChangePasswordResponse.getDefaultInstance(),
                () -> Command.newBuilder().setUserChangePassword(ChangePassword.newBuilder().setName(request.getName())
                        .setPassword(hasher.hash(request.getPassword()))), response);
    }

    @Override
    public void userGrantRole(UserGrantRoleRequest request, StreamObserver<UserGrantRoleResponse> response) {
        write(AuthGrpc.getUserGrantRoleMethod(), request, request.getHeader(),
                UserGrantRoleResponse.getDefaultInstance(),
                () -> Command.newBuilder().setUserGrantRole(request.toBuilder().clearHeader()), response);
    }

    @Override
    public void userRevokeRole(UserRevokeRoleRequest request, StreamObserver<UserRevokeRoleResponse> response) {
        write(AuthGrpc.getUserRevokeRoleMethod(), request, request.getHeader(),
                UserRevokeRoleResponse.getDefaultInstance(),
                () -> Command.newBuilder().setUserRevokeRole(request.toBuilder().clearHeader()), response);
    }

    @Override
    public void userList(UserListRequest request, StreamObserver<UserListResponse> response) {
        reply(response, UserListResponse.newBuilder().setHeader(header())
                .addAllUsers(store.authState().users().keySet()).build());
    }

    @Override
    public void userGet(UserGetRequest request, StreamObserver<UserGetResponse> response) {
        AuthState state = store.authState();
        if (state.user(request.getName()).isEmpty()) {
            response.onError(StatusMapper.toException(Failure.of(ErrorCode.USER_NOT_FOUND, "user "
                    + printable(request.getName()) + " does not exist")));
            return;
        }
        reply(response, UserGetResponse.newBuilder().setHeader(header()).setName(request.getName())
                .addAllRoles(state.rolesOf(request.getName())).build());
    }

    @Override
    public void roleAdd(RoleAddRequest request, StreamObserver<RoleAddResponse> response) {
        write(AuthGrpc.getRoleAddMethod(), request, request.getHeader(), RoleAddResponse.getDefaultInstance(),
                () -> Command.newBuilder().setRoleAdd(request.toBuilder().clearHeader()), response);
    }

    @Override
    public void roleDelete(RoleDeleteRequest request, StreamObserver<RoleDeleteResponse> response) {
        write(AuthGrpc.getRoleDeleteMethod(), request, request.getHeader(), RoleDeleteResponse.getDefaultInstance(),
                () -> Command.newBuilder().setRoleDelete(request.toBuilder().clearHeader()), response);
    }

    @Override
    public void roleGrant(RoleGrantRequest request, StreamObserver<RoleGrantResponse> response) {
        write(AuthGrpc.getRoleGrantMethod(), request, request.getHeader(), RoleGrantResponse.getDefaultInstance(),
                () -> Command.newBuilder().setRoleGrant(request.toBuilder().clearHeader()), response);
    }

    @Override
    public void roleRevoke(RoleRevokeRequest request, StreamObserver<RoleRevokeResponse> response) {
        write(AuthGrpc.getRoleRevokeMethod(), request, request.getHeader(), RoleRevokeResponse.getDefaultInstance(),
                () -> Command.newBuilder().setRoleRevoke(request.toBuilder().clearHeader()), response);
    }

    @Override
    public void roleList(RoleListRequest request, StreamObserver<RoleListResponse> response) {
        AuthState state = store.authState();
        java.util.TreeSet<String> roles = new java.util.TreeSet<>(state.roles().keySet());
        roles.add(AuthState.ROOT);
        reply(response, RoleListResponse.newBuilder().setHeader(header()).addAllRoles(roles).build());
    }

    @Override
    public void roleGet(RoleGetRequest request, StreamObserver<RoleGetResponse> response) {
        AuthState state = store.authState();
        if (!state.roleExists(request.getName())) {
            response.onError(StatusMapper.toException(Failure.of(ErrorCode.ROLE_NOT_FOUND, "role "
                    + printable(request.getName()) + " does not exist")));
            return;
        }
        reply(response, RoleGetResponse.newBuilder().setHeader(header()).setName(request.getName())
                .addAllGrants(state.grantsOf(request.getName())).build());
    }

    /**
     * Proposes the command {@code build} makes (on the leader only: hashing and secrets happen where the command is
     * proposed), or forwards the request to the leader. The response is {@code prototype} with header and
     * auth_revision set.
     */
    private <Q, R extends Message> void write(MethodDescriptor<Q, R> method, Q request, RequestHeader header,
                                              R prototype, Supplier<Command.Builder> build,
                                              StreamObserver<R> response) {
        if (ForwardedInterceptor.FORWARDED_BY.get() == null && !members.isLeader()) {
            forwarder.toLeader(members, method, request, CallKind.WRITE, response);
            return;
        }
        Command command = build.get().setClientId(header.getClientId()).setSequence(header.getSequence()).build();
        Optional<Failure> invalid = RequestValidator.validate(command);
        if (invalid.isPresent()) {
            response.onError(StatusMapper.toException(invalid.get()));
            return;
        }
        withDeadline(raft.propose(command.toByteString())).whenCompleteAsync((result, error) -> {
            try {
                if (error != null) {
                    response.onError(StatusMapper.ofRaft(error, CallKind.WRITE, members.leader()));
                } else if (result instanceof Failure failure) {
                    response.onError(StatusMapper.toException(failure));
                } else if (result instanceof WriteResult.Success success
                        && success.response() instanceof AuthChanged changed) {
                    response.onNext(withRevision(prototype, changed.getAuthRevision()));
                    response.onCompleted();
                } else {
                    response.onError(StatusMapper.internal(new IllegalStateException("auth write without result")));
                }
            } catch (RuntimeException e) {
                log.debug("could not answer an auth call (cancelled?): {}", e.toString());
            }
        }, executor);
    }

    @SuppressWarnings("unchecked")
    private <R extends Message> R withRevision(R prototype, long authRevision) {
        Message.Builder b = prototype.toBuilder();
        FieldDescriptor revision = prototype.getDescriptorForType().findFieldByName("auth_revision");
        b.setField(revision, authRevision);
        return (R) ResponseHeaders.withHeader(b.build(), header());
    }

    private PasswordHash decoy() {
        PasswordHash d = decoy;
        if (d == null) {
            d = hasher.hash("decoy");
            decoy = d;
        }
        return d;
    }

    private boolean badPassword(String password, StreamObserver<?> response) {
        int bytes = password.getBytes(StandardCharsets.UTF_8).length;
        if (bytes == 0 || bytes > PasswordHasher.PASSWORD_BYTES_MAX) {
            response.onError(StatusMapper.toException(Failure.of(ErrorCode.INVALID_ARGUMENT,
                    "password must be 1 to " + PasswordHasher.PASSWORD_BYTES_MAX + " bytes")));
            return true;
        }
        return false;
    }

    private ResponseHeader header() {
        return ResponseHeaders.of(members.self(), members.status(), store.revision(), true);
    }

    private static <R> void reply(StreamObserver<R> response, R value) {
        response.onNext(value);
        response.onCompleted();
    }

    /** A user-supplied name safe to log or echo: printable ASCII, bounded. */
    private static String printable(String name) {
        String cut = name.length() > 64 ? name.substring(0, 64) : name;
        return cut.replaceAll("[^\\x21-\\x7e]", "?");
    }

    private static <T> CompletableFuture<T> withDeadline(CompletableFuture<T> future) {
        Deadline deadline = Context.current().getDeadline();
        return deadline == null ? future
                : future.orTimeout(Math.max(1, deadline.timeRemaining(TimeUnit.NANOSECONDS)), TimeUnit.NANOSECONDS);
    }
}
