package io.kvstore.server.security;

import io.grpc.Context;
import io.grpc.Contexts;
import io.grpc.Grpc;
import io.grpc.Metadata;
import io.grpc.ServerCall;
import io.grpc.ServerCallHandler;
import io.grpc.ServerInterceptor;
import java.security.cert.Certificate;
import java.security.cert.X509Certificate;
import java.util.Optional;
import javax.naming.InvalidNameException;
import javax.naming.ldap.LdapName;
import javax.naming.ldap.Rdn;
import javax.net.ssl.SSLPeerUnverifiedException;
import javax.net.ssl.SSLSession;

/**
 * Puts the verified client certificate's common name into the call's {@link Context} under
 * {@link #CLIENT_CERT_CN}, for authentication to use as the caller's identity.
 *
 * <p><b>Contract.</b> {@code CLIENT_CERT_CN.get()} is non-null only when the call arrived over TLS and the client
 * presented a certificate that the TLS handshake verified against {@code --client-trusted-ca-file} (an unverified
 * certificate never completes the handshake). The value is the first CN attribute of the leaf certificate's subject,
 * as a string ({@code CN=alice,O=x} gives {@code alice}); a verified certificate without a CN gives {@code null}, as
 * does plaintext or TLS without a client certificate. Calls a follower forwards to the leader carry the forwarding
 * member's certificate, so on forwarded calls (see {@code ForwardedInterceptor}) the CN names a member, not the
 * end client ({@code AuthInterceptor} ignores it on calls marked forwarded). Registered in {@code InterceptorChain} right after the request id, so every later interceptor and
 * service sees it. Stateless and thread-safe.
 */
public final class PeerIdentity implements ServerInterceptor {

    /** The verified client certificate's common name, or null; see the class comment for the exact contract. */
    public static final Context.Key<String> CLIENT_CERT_CN = Context.key("kvstore-client-cert-cn");

    @Override
    public <ReqT, RespT> ServerCall.Listener<ReqT> interceptCall(ServerCall<ReqT, RespT> call, Metadata headers,
                                                                 ServerCallHandler<ReqT, RespT> next) {
        SSLSession session = call.getAttributes().get(Grpc.TRANSPORT_ATTR_SSL_SESSION);
        Optional<String> cn = session == null ? Optional.empty() : commonName(session);
        if (cn.isEmpty()) {
            return next.startCall(call, headers);
        }
        return Contexts.interceptCall(Context.current().withValue(CLIENT_CERT_CN, cn.get()), call, headers, next);
    }

    /** The CN of the session's verified peer leaf certificate, if any. */
    static Optional<String> commonName(SSLSession session) {
        Certificate[] chain;
        try {
            chain = session.getPeerCertificates();
        } catch (SSLPeerUnverifiedException noClientCertificate) {
            return Optional.empty();
        }
        if (chain.length == 0 || !(chain[0] instanceof X509Certificate leaf)) {
            return Optional.empty();
        }
        return commonName(leaf.getSubjectX500Principal().getName());
    }

    /** The first CN of an RFC 2253 distinguished name; empty when it has none or does not parse. */
    static Optional<String> commonName(String distinguishedName) {
        try {
            java.util.List<Rdn> rdns = new LdapName(distinguishedName).getRdns(); // rightmost first
            for (int i = rdns.size() - 1; i >= 0; i--) {
                Rdn rdn = rdns.get(i);
                if (rdn.getType().equalsIgnoreCase("CN")) {
                    return Optional.of(String.valueOf(rdn.getValue()));
                }
            }
        } catch (InvalidNameException e) {
            return Optional.empty();
        }
        return Optional.empty();
    }
}
