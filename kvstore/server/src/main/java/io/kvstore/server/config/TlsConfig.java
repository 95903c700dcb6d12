package io.kvstore.server.config;

import io.kvstore.raft.transport.tls.TlsFiles;

/**
 * Transport security of one member (docs/security.md, "TLS"). Immutable; validated at construction.
 *
 * @param client TLS on the client port ({@code --client-cert-file}, {@code --client-key-file}, optional
 *     {@code --client-trusted-ca-file}), or {@code null} for plaintext. The certificate is also the member's client
 *     certificate when it forwards requests to the leader's client port, so it needs the clientAuth extended key usage
 *     as well as serverAuth ({@code bin/kvstore-certs node} makes such certificates)
 * @param clientCertAuth ({@code --client-cert-auth}, default false) every client must present a certificate signed by
 *     the client CA; without it, a certificate is verified when presented and optional otherwise
 * @param peer mutual TLS for raft and snapshot traffic ({@code --peer-cert-file}, {@code --peer-key-file},
 *     {@code --peer-trusted-ca-file}, all required together), or {@code null} for plaintext
 */
public record TlsConfig(TlsFiles client, boolean clientCertAuth, TlsFiles peer) {

    /** Plaintext everywhere: the default. */
    public static final TlsConfig NONE = new TlsConfig(null, false, null);

    public TlsConfig {
        if (clientCertAuth && (client == null || client.trustedCaFile() == null)) {
            throw new IllegalArgumentException("--client-cert-auth needs --client-cert-file, --client-key-file and "
                    + "--client-trusted-ca-file (the CA client certificates must chain to)");
        }
        if (peer != null && peer.trustedCaFile() == null) {
            throw new IllegalArgumentException("--peer-cert-file needs --peer-trusted-ca-file: peers always verify "
                    + "each other (mutual TLS)");
        }
    }

    /** Whether the client port speaks TLS. */
    public boolean clientTls() {
        return client != null;
    }
}
