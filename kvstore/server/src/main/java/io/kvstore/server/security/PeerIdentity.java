package io.kvstore.server.security;

import io.grpc.Context;

/**
 * MERGE NOTE: minimal stand-in written by the auth branch so it compiles; the tls branch owns this class (it sets
 * {@link #CLIENT_CERT_CN} from the verified client certificate in an interceptor right after the request id). When
 * merging, keep the tls branch's version: the auth code only reads this one key.
 */
public final class PeerIdentity {

    /** The common name of the call's verified client certificate; {@code null} without one. */
    public static final Context.Key<String> CLIENT_CERT_CN = Context.key("kvstore-client-cert-cn");

    private PeerIdentity() {
    }
}
