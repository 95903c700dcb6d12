package io.kvstore.client.internal;

import io.grpc.CallCredentials;
import io.grpc.CallOptions;
import io.grpc.Channel;
import io.grpc.ClientCall;
import io.grpc.ClientInterceptor;
import io.grpc.ForwardingClientCall.SimpleForwardingClientCall;
import io.grpc.ForwardingClientCallListener.SimpleForwardingClientCallListener;
import io.grpc.Metadata;
import io.grpc.MethodDescriptor;
import io.grpc.Status;
import io.grpc.StatusRuntimeException;
import io.kvstore.api.ErrorCode;
import io.kvstore.api.ErrorTrailers;
import io.kvstore.api.v1.AuthGrpc;
import io.kvstore.api.v1.AuthenticateRequest;
import io.kvstore.api.v1.AuthenticateResponse;
import java.time.Duration;
import java.util.Objects;
import java.util.Optional;
import java.util.concurrent.Executor;
import java.util.concurrent.TimeUnit;
import java.util.function.LongSupplier;

/**
 * A user's password exchanged for a token (Auth/Authenticate) and sent on every call as
 * {@code authorization: Bearer <token>}. The token is fetched on first use, renewed before it expires (at 80 % of its
 * lifetime) and dropped when a call is refused with TOKEN_EXPIRED, TOKEN_INVALID or AUTH_REQUIRED, so the retry of
 * that call (see {@link #isAuthRetryable}) authenticates again. While the cluster answers AUTH_NOT_ENABLED calls go
 * without a token, and the answer is re-checked at most every {@value #NOT_ENABLED_RECHECK_MILLIS} ms (cheap: the
 * server answers it before any password hashing). Thread-safe.
 */
public final class TokenCredentials {

    static final long NOT_ENABLED_RECHECK_MILLIS = 1_000;
    private static final Metadata.Key<String> AUTHORIZATION =
            Metadata.Key.of("authorization", Metadata.ASCII_STRING_MARSHALLER);

    private final String user;
    private final String password;
    private final Duration authenticateTimeout;
    private final LongSupplier clockMillis;
    private String token; // guarded by this
    private long renewAtMillis; // guarded by this
    private long notEnabledUntilMillis; // guarded by this

    public TokenCredentials(String user, String password, Duration authenticateTimeout, LongSupplier clockMillis) {
        this.user = Objects.requireNonNull(user, "user");
        this.password = Objects.requireNonNull(password, "password");
        this.authenticateTimeout = authenticateTimeout;
        this.clockMillis = clockMillis;
    }

    /** Whether a call refused with {@code failure} may succeed when retried with a fresh token. */
    public static boolean isAuthRetryable(Throwable failure) {
        Optional<ErrorCode> reason = ErrorTrailers.reason(failure);
        return Status.fromThrowable(failure).getCode() == Status.Code.UNAUTHENTICATED && reason.isPresent()
                && (reason.get() == ErrorCode.TOKEN_EXPIRED || reason.get() == ErrorCode.TOKEN_INVALID
                        || reason.get() == ErrorCode.AUTH_REQUIRED);
    }

    /** The interceptor that attaches the token to every call on a channel but Authenticate itself. */
    public ClientInterceptor interceptor() {
        return new ClientInterceptor() {
            @Override
            public <Q, R> ClientCall<Q, R> interceptCall(MethodDescriptor<Q, R> method, CallOptions options,
                                                         Channel next) {
                if (method.getFullMethodName().equals(AuthGrpc.getAuthenticateMethod().getFullMethodName())) {
                    return next.newCall(method, options);
                }
                String[] used = new String[1];
                CallCredentials credentials = new CallCredentials() {
                    @Override
                    public void applyRequestMetadata(RequestInfo info, Executor appExecutor, MetadataApplier applier) {
                        appExecutor.execute(() -> {
                            try {
                                Metadata headers = new Metadata();
                                String current = token(next);
                                used[0] = current;
                                if (current != null) {
                                    headers.put(AUTHORIZATION, "Bearer " + current);
                                }
                                applier.apply(headers);
                            } catch (StatusRuntimeException e) {
                                applier.fail(e.getStatus());
                            } catch (RuntimeException e) {
                                applier.fail(Status.UNAUTHENTICATED.withDescription("authenticating failed: " + e)
                                        .withCause(e));
                            }
                        });
                    }
                };
                return new SimpleForwardingClientCall<>(next.newCall(method, options.withCallCredentials(credentials))) {
                    @Override
                    public void start(Listener<R> listener, Metadata headers) {
                        super.start(new SimpleForwardingClientCallListener<>(listener) {
                            @Override
                            public void onClose(Status status, Metadata trailers) {
                                if (isAuthRetryable(status.asRuntimeException(trailers))) {
                                    invalidate(used[0]);
                                }
                                super.onClose(status, trailers);
                            }
                        }, headers);
                    }
                };
            }
        };
    }

    /** The token to send, authenticating through {@code channel} when there is none; null while auth is off. */
    synchronized String token(Channel channel) {
        long now = clockMillis.getAsLong();
        if (token != null && now < renewAtMillis) {
            return token;
        }
        if (now < notEnabledUntilMillis) {
            return null;
        }
        AuthenticateResponse response;
        try {
            response = AuthGrpc.newBlockingStub(channel)
                    .withDeadlineAfter(authenticateTimeout.toNanos(), TimeUnit.NANOSECONDS)
                    .authenticate(AuthenticateRequest.newBuilder().setUser(user).setPassword(password).build());
        } catch (StatusRuntimeException e) {
            if (ErrorTrailers.reason(e).orElse(null) == ErrorCode.AUTH_NOT_ENABLED) {
                token = null;
                notEnabledUntilMillis = now + NOT_ENABLED_RECHECK_MILLIS;
                return null;
            }
            // Keep the reason readable: MetadataApplier.fail carries a status, not trailers.
            throw Status.fromThrowable(e).augmentDescription("authenticating user " + user + ": "
                    + ErrorTrailers.reason(e).map(Enum::name).orElse("")).asRuntimeException();
        }
        token = response.getToken();
        long lifetime = Math.max(0, response.getExpiresAtMillis() - now);
        renewAtMillis = now + Math.max(1_000, lifetime * 8 / 10);
        return token;
    }

    /** Forgets {@code used} (if still current) and any "auth not enabled" answer. */
    synchronized void invalidate(String used) {
        if (used == null || used.equals(token)) {
            token = null;
        }
        notEnabledUntilMillis = 0;
    }
}
