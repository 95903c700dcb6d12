package io.kvstore.watch;

import io.grpc.stub.ServerCallStreamObserver;
import io.grpc.stub.StreamObserver;
import io.kvstore.api.v1.WatchGrpc;
import io.kvstore.api.v1.WatchRequest;
import io.kvstore.api.v1.WatchResponse;
import io.kvstore.api.v1.Permission;
import io.kvstore.api.v1.WatchMode;
import io.kvstore.auth.AuthInterceptor;
import io.kvstore.auth.AuthState;
import io.kvstore.auth.Caller;

/**
 * The kvstore.v1 Watch service: each call is a {@link WatchStream} on the member's {@link WatchHub}. Served by every
 * member from its own applied state (no forwarding to the leader). With auth enabled, each stream's watches and events
 * are limited to what its caller may read ({@link WatchAccess}). Thread-safe.
 */
public final class WatchService extends WatchGrpc.WatchImplBase {

    private final WatchHub hub;
    private final java.util.function.Supplier<AuthState> auth;
    private final io.kvstore.server.member.MemberStanding standing; // null: not ended by removal (tests)

    /** Without auth: every watch sees every event in its scope. */
    public WatchService(WatchHub hub) {
        this(hub, () -> AuthState.EMPTY);
    }

    /** With auth: each stream sees only what its caller ({@link AuthInterceptor#CALLER}) may read. */
    public WatchService(WatchHub hub, java.util.function.Supplier<AuthState> auth) {
        this(hub, auth, null);
    }

    /**
     * With auth, on a cluster member: once {@code standing} knows this member was removed, live streams end and new
     * ones are refused (UNAVAILABLE NOT_MEMBER), so clients resume at another member instead of hearing nothing.
     */
    public WatchService(WatchHub hub, java.util.function.Supplier<AuthState> auth,
                        io.kvstore.server.member.MemberStanding standing) {
        this.hub = hub;
        this.auth = auth;
        this.standing = standing;
    }

    @Override
    public StreamObserver<WatchRequest> watch(StreamObserver<WatchResponse> responses) {
        java.util.Optional<io.kvstore.store.Failure> removed = standing == null ? java.util.Optional.empty()
                : standing.removal();
        if (removed.isPresent()) {
            responses.onError(io.kvstore.server.StatusMapper.toException(removed.get()));
            return new StreamObserver<>() {
                @Override
                public void onNext(WatchRequest ignored) {
                }

                @Override
                public void onError(Throwable t) {
                }

                @Override
                public void onCompleted() {
                }
            };
        }
        WatchStream stream = new WatchStream(hub, (ServerCallStreamObserver<WatchResponse>) responses,
                access(AuthInterceptor.CALLER.get()));
        if (standing != null) {
            stream.closeOnEnd(standing.register(stream::fail));
        }
        return stream;
    }

    /**
     * The stream's view. A stream opened while auth was disabled has no caller: it sees everything until auth is
     * enabled; then its watches are cancelled (PERMISSION_DENIED) at the next change and the client must reopen
     * them with credentials.
     */
    private WatchAccess access(Caller caller) {
        String user = caller == null || caller.member() ? null : caller.name();
        return new WatchAccess() {
            @Override
            public boolean mayWatch(String path, WatchMode mode) {
                AuthState state = auth.get();
                if (!state.enabled()) {
                    return true;
                }
                return user != null && (mode == WatchMode.ZNODE || mode == WatchMode.WATCH_MODE_UNSPECIFIED
                        ? state.allows(user, Permission.READ, path) : state.mayReadAnyUnder(user, path));
            }

            @Override
            public boolean mayRead(String path) {
                AuthState state = auth.get();
                return !state.enabled() || user != null && state.allows(user, Permission.READ, path);
            }
        };
    }
}
