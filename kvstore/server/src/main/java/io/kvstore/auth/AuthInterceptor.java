package io.kvstore.auth;

import io.grpc.Context;
import io.grpc.Contexts;
import io.grpc.ForwardingServerCallListener.SimpleForwardingServerCallListener;
import io.grpc.Metadata;
import io.grpc.ServerCall;
import io.grpc.ServerCallHandler;
import io.grpc.ServerInterceptor;
import io.kvstore.api.ErrorCode;
import io.kvstore.server.StatusMapper;
import io.kvstore.server.security.PeerIdentity;
import io.kvstore.store.Failure;
import io.kvstore.store.command.AuthToken;
import java.util.Optional;
import java.util.function.LongSupplier;
import java.util.function.Predicate;
import java.util.function.Supplier;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Authentication and authorization of every call, in the server's one interceptor chain (after the request id, so
 * refusals are traceable, and before anything that costs: deadline, validation, the service). While auth is disabled
 * it passes every call through. Once enabled:
 * <ol>
 *   <li><b>Authentication</b>, from the headers when the call starts: a member credential
 *       ({@value #MEMBER_TOKEN_NAME}) makes the caller that member; a user token ({@code authorization: Bearer ...})
 *       makes it that user; a member may name the user it forwards for ({@value #ON_BEHALF_NAME}, trusted only with a
 *       valid member credential); else the verified client certificate's common name
 *       ({@link PeerIdentity#CLIENT_CERT_CN}) is the user, except on a call marked forwarded
 *       ({@link io.kvstore.server.kv.Forwarder#FORWARDED_BY}), whose certificate is the forwarding member's.
 *       A bad token is UNAUTHENTICATED (TOKEN_EXPIRED or
 *       TOKEN_INVALID); none where one is needed is UNAUTHENTICATED (AUTH_REQUIRED).</li>
 *   <li><b>Authorization</b>: the method's {@link MethodTable} row says who may call it and what each request
 *       message needs; a method without a row is refused (fail closed). Denials are PERMISSION_DENIED.</li>
 * </ol>
 * The caller is put in the gRPC context ({@link #CALLER}, and the user's token in {@link #USER_TOKEN}) for the
 * services: the watch service filters events with it, and forwarding passes it on to the leader
 * ({@link ForwardedIdentity}), which checks the call again. Each decision reads the latest applied
 * {@link AuthState}, so a revoked grant takes effect on the next message. Thread-safe.
 */
public final class AuthInterceptor implements ServerInterceptor {

    private static final Logger log = LoggerFactory.getLogger(AuthInterceptor.class);

    static final String MEMBER_TOKEN_NAME = "kvstore-member-token";
    static final String ON_BEHALF_NAME = "kvstore-on-behalf-of";
    /** {@code Bearer <token>} (the bare token is accepted too). */
    public static final Metadata.Key<String> AUTHORIZATION =
            Metadata.Key.of("authorization", Metadata.ASCII_STRING_MARSHALLER);
    /** A member's own credential (see {@link MemberCredentials}). */
    public static final Metadata.Key<String> MEMBER_TOKEN =
            Metadata.Key.of(MEMBER_TOKEN_NAME, Metadata.ASCII_STRING_MARSHALLER);
    /** The user a forwarding member acts for when that user authenticated by client certificate. */
    public static final Metadata.Key<String> ON_BEHALF_OF =
            Metadata.Key.of(ON_BEHALF_NAME, Metadata.ASCII_STRING_MARSHALLER);

    /** The authenticated caller; {@code null} while auth is disabled (everything is allowed). */
    public static final Context.Key<Caller> CALLER = Context.key("kvstore-auth-caller");
    /** The user token the call carried, for forwarding; {@code null} without one. */
    public static final Context.Key<String> USER_TOKEN = Context.key("kvstore-auth-user-token");

    private final Supplier<AuthState> state;
    private final LongSupplier clockMillis;
    private final Predicate<String> znodeExists;
    private final java.util.function.LongFunction<Optional<String>> sessionOwner;

    /**
     * @param state the latest applied auth state
     * @param clockMillis wall clock, for token expiry
     * @param znodeExists whether a znode exists now (for make_parents checks)
     */
    public AuthInterceptor(Supplier<AuthState> state, LongSupplier clockMillis, Predicate<String> znodeExists) {
        this(state, clockMillis, znodeExists, id -> Optional.empty());
    }

    /**
     * @param sessionOwner the user who opened a live session ("" when opened while auth was off); empty when the
     *                     session is not live (the store then answers SESSION_EXPIRED)
     */
    public AuthInterceptor(Supplier<AuthState> state, LongSupplier clockMillis, Predicate<String> znodeExists,
                           java.util.function.LongFunction<Optional<String>> sessionOwner) {
        this.sessionOwner = sessionOwner;
        this.state = state;
        this.clockMillis = clockMillis;
        this.znodeExists = znodeExists;
    }

    @Override
    public <ReqT, RespT> ServerCall.Listener<ReqT> interceptCall(ServerCall<ReqT, RespT> call, Metadata headers,
                                                                 ServerCallHandler<ReqT, RespT> next) {
        AuthState current = state.get();
        if (!current.enabled()) {
            return next.startCall(call, headers);
        }
        String method = call.getMethodDescriptor().getFullMethodName();
        Optional<MethodRule> rule = MethodTable.rule(method);
        if (rule.isEmpty()) {
            log.error("method {} has no row in the authorization table: refused", method);
            return refuse(call, Failure.of(ErrorCode.PERMISSION_DENIED, "method " + method
                    + " is not authorized for anyone (it has no authorization rule)"));
        }
        Authenticated who = authenticate(current, headers);
        if (who.failure != null && rule.get().who() != MethodRule.Who.ANYONE) {
            return refuse(call, who.failure);
        }
        Failure refusal = switch (rule.get().who()) {
            case ANYONE -> null;
            case MEMBER -> who.caller != null && who.caller.member() ? null
                    : Failure.of(ErrorCode.PERMISSION_DENIED, "method " + method + " is for cluster members only");
            case USER -> who.caller == null ? required()
                    : who.caller.member() ? Failure.of(ErrorCode.PERMISSION_DENIED, "method " + method
                            + " needs a user; member " + who.caller.name() + " did not name one")
                    : null;
            case USER_OR_MEMBER -> who.caller == null ? required() : null;
        };
        if (refusal != null) {
            return refuse(call, refusal);
        }
        Context context = Context.current().withValue(CALLER, who.caller).withValue(USER_TOKEN, who.userToken);
        ServerCall.Listener<ReqT> listener = Contexts.interceptCall(context, call, headers, next);
        if (rule.get().who() == MethodRule.Who.ANYONE || rule.get().who() == MethodRule.Who.MEMBER) {
            return listener;
        }
        String user = who.caller.member() ? null : who.caller.name();
        return new SimpleForwardingServerCallListener<>(listener) {
            /** Once refused, the service must not see the rest of the call (it would answer a closed call). */
            private boolean refused;

            @Override
            public void onMessage(ReqT message) {
                if (refused) {
                    return;
                }
                Access access = new Access(state.get(), user, znodeExists, sessionOwner);
                Optional<Failure> denied = rule.get().check().check(access, message);
                if (denied.isPresent()) {
                    refused = true;
                    call.close(StatusMapper.toStatus(denied.get()), StatusMapper.trailers(denied.get()));
                    return;
                }
                super.onMessage(message);
            }

            @Override
            public void onHalfClose() {
                if (!refused) {
                    super.onHalfClose();
                }
            }

            @Override
            public void onReady() {
                if (!refused) {
                    super.onReady();
                }
            }
        };
    }

    /** The outcome of authentication: a caller (or none), the user token it used, or why it failed. */
    private record Authenticated(Caller caller, String userToken, Failure failure) {
    }

    private Authenticated authenticate(AuthState current, Metadata headers) {
        long now = clockMillis.getAsLong();
        String member = null;
        String memberText = headers.get(MEMBER_TOKEN);
        if (memberText != null) {
            Tokens.Checked checked = Tokens.check(current, memberText, now);
            if (checked.failure() != null) {
                return new Authenticated(null, null, checked.failure());
            }
            if (checked.token().getKind() != AuthToken.Kind.MEMBER) {
                return new Authenticated(null, null, Failure.of(ErrorCode.TOKEN_INVALID,
                        "a user token was sent as a member credential"));
            }
            member = checked.token().getSubject();
        }
        String authorization = headers.get(AUTHORIZATION);
        if (authorization != null) {
            String text = authorization.startsWith("Bearer ") ? authorization.substring(7).trim() : authorization;
            Tokens.Checked checked = Tokens.check(current, text, now);
            if (checked.failure() != null) {
                return new Authenticated(null, null, checked.failure());
            }
            if (checked.token().getKind() != AuthToken.Kind.USER) {
                return new Authenticated(null, null, Failure.of(ErrorCode.TOKEN_INVALID,
                        "a member credential was sent as a user token"));
            }
            return new Authenticated(Caller.user(checked.token().getSubject()), text, null);
        }
        String onBehalf = headers.get(ON_BEHALF_OF);
        if (onBehalf != null) {
            if (member == null) {
                return new Authenticated(null, null, Failure.of(ErrorCode.PERMISSION_DENIED,
                        ON_BEHALF_NAME + " is accepted from cluster members only"));
            }
            return new Authenticated(Caller.user(onBehalf), null, null);
        }
        if (member != null) {
            return new Authenticated(Caller.member(member), null, null);
        }
        // A forwarded call's certificate is the forwarding member's, never the user's: a follower that forwards
        // without naming the user (its auth state lags the enable, so it has no member credential to send) must not
        // make the leader take the member's CN as a user name. Such a call needs a token or fails AUTH_REQUIRED.
        String commonName = headers.containsKey(io.kvstore.server.kv.Forwarder.FORWARDED_BY) ? null
                : PeerIdentity.CLIENT_CERT_CN.get();
        if (commonName != null && !commonName.isEmpty()) {
            return new Authenticated(Caller.user(commonName), null, null);
        }
        return new Authenticated(null, null, null);
    }

    private static Failure required() {
        return Failure.of(ErrorCode.AUTH_REQUIRED, "auth is enabled: send a token (authorization: Bearer <token>, "
                + "from Auth/Authenticate) or use a client certificate");
    }

    private static <ReqT, RespT> ServerCall.Listener<ReqT> refuse(ServerCall<ReqT, RespT> call, Failure failure) {
        call.close(StatusMapper.toStatus(failure), StatusMapper.trailers(failure));
        return new ServerCall.Listener<>() {
        };
    }
}
