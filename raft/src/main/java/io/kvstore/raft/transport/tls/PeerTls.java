package io.kvstore.raft.transport.tls;

import io.netty.handler.ssl.ClientAuth;
import io.netty.handler.ssl.SslContext;
import io.netty.handler.ssl.SslContextBuilder;
import io.netty.handler.ssl.SslProvider;
import java.util.Objects;
import javax.net.ssl.SSLException;

/**
 * Mutual TLS for the raft transport: both ends present a certificate from {@link TlsFiles#certFile()} and require the
 * other's to chain to {@link TlsFiles#trustedCaFile()}. A connection from anything without such a certificate fails
 * in the handshake, before a single frame is read, so it can neither join nor send raft messages. Any certificate of
 * the CA is accepted as a member (the member name comes from the Hello, as without TLS): give peers a CA of their own.
 * No hostname check: members are named by the cluster list, not by DNS.
 *
 * <p>Certificates and the CA bundle are re-read when their files change; new connections use them. Contexts use the
 * JDK provider (the managers are consulted on each handshake). Immutable and thread-safe.
 */
public final class PeerTls {

    private final SslContext server;
    private final SslContext client;

    private PeerTls(SslContext server, SslContext client) {
        this.server = server;
        this.client = client;
    }

    /**
     * Loads the material now.
     *
     * @throws IllegalArgumentException when the files do not load, or no CA file is given (peers must be verified)
     */
    public static PeerTls of(TlsFiles files) {
        Objects.requireNonNull(files, "files");
        if (files.trustedCaFile() == null) {
            throw new IllegalArgumentException("peer TLS needs a trusted CA file: peers are always verified");
        }
        ReloadingKeyManager keys = new ReloadingKeyManager("peer certificate", files.certFile(), files.keyFile());
        ReloadingTrustManager trust = new ReloadingTrustManager("peer trusted CA", files.trustedCaFile());
        try {
            SslContext server = SslContextBuilder.forServer(keys).sslProvider(SslProvider.JDK)
                    .trustManager(trust).clientAuth(ClientAuth.REQUIRE).build();
            SslContext client = SslContextBuilder.forClient().sslProvider(SslProvider.JDK)
                    .keyManager(keys).trustManager(trust).build();
            return new PeerTls(server, client);
        } catch (SSLException e) {
            throw new IllegalArgumentException("cannot set up peer TLS: " + e.getMessage(), e);
        }
    }

    /** For accepted connections. */
    public SslContext serverContext() {
        return server;
    }

    /** For dialed connections. */
    public SslContext clientContext() {
        return client;
    }
}
