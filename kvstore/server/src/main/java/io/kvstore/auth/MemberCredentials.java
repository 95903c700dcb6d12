package io.kvstore.auth;

import io.grpc.CallOptions;
import io.grpc.Channel;
import io.grpc.ClientCall;
import io.grpc.ClientInterceptor;
import io.grpc.ForwardingClientCall.SimpleForwardingClientCall;
import io.grpc.Metadata;
import io.grpc.MethodDescriptor;
import io.kvstore.store.command.AuthToken;
import java.time.Duration;
import java.util.function.LongSupplier;
import java.util.function.Supplier;

/**
 * This member's credential on calls to other members (forwarding, publishing its address, status probes): a token of
 * kind MEMBER signed with the cluster's token secret, which only members hold (it is replicated through the raft log,
 * never served to clients). Attached by {@link #interceptor} to every call on the member channels while auth is
 * enabled; the receiving member's {@link AuthInterceptor} accepts it for member-only methods, and as the authority to
 * name a forwarded user. With peer mutual TLS the channel is additionally authenticated by the peer certificate.
 * Tokens are minted lazily and reused for half their lifetime. Thread-safe.
 */
public final class MemberCredentials {

    /** Lifetime of a member token: short, since it is minted locally at no cost. */
    static final Duration TOKEN_TTL = Duration.ofMinutes(5);

    private final String self;
    private final Supplier<AuthState> state;
    private final LongSupplier clockMillis;
    private volatile Minted minted;

    private record Minted(String text, long authRevision, long renewAtMillis) {
    }

    public MemberCredentials(String self, Supplier<AuthState> state, LongSupplier clockMillis) {
        this.self = self;
        this.state = state;
        this.clockMillis = clockMillis;
    }

    /** The current credential, or {@code null} while auth is disabled. */
    public String token() {
        AuthState current = state.get();
        if (!current.enabled() || current.secret().isEmpty()) {
            return null;
        }
        long now = clockMillis.getAsLong();
        Minted m = minted;
        if (m == null || now >= m.renewAtMillis || m.authRevision < current.record().getEnabledRevision()) {
            AuthToken token = AuthToken.newBuilder().setSubject(self).setKind(AuthToken.Kind.MEMBER)
                    .setExpiresAtMillis(now + TOKEN_TTL.toMillis()).setAuthRevision(current.revision()).build();
            m = new Minted(Tokens.mint(current.secret(), token), current.revision(), now + TOKEN_TTL.toMillis() / 2);
            minted = m;
        }
        return m.text;
    }

    /** Adds the credential to every call, when auth is enabled. */
    public ClientInterceptor interceptor() {
        return new ClientInterceptor() {
            @Override
            public <Q, R> ClientCall<Q, R> interceptCall(MethodDescriptor<Q, R> method, CallOptions options,
                                                         Channel next) {
                return new SimpleForwardingClientCall<>(next.newCall(method, options)) {
                    @Override
                    public void start(Listener<R> listener, Metadata headers) {
                        String token = token();
                        if (token != null) {
                            headers.put(AuthInterceptor.MEMBER_TOKEN, token);
                        }
                        super.start(listener, headers);
                    }
                };
            }
        };
    }
}
