package io.kvstore.server.security;

import io.grpc.netty.GrpcSslContexts;
import io.kvstore.raft.transport.tls.ReloadingKeyManager;
import io.kvstore.raft.transport.tls.ReloadingTrustManager;
import io.kvstore.raft.transport.tls.TlsFiles;
import io.kvstore.server.config.TlsConfig;
import io.netty.handler.ssl.ClientAuth;
import io.netty.handler.ssl.SslContext;
import io.netty.handler.ssl.SslContextBuilder;
import io.netty.handler.ssl.SslProvider;
import javax.net.ssl.SSLException;

/**
 * The TLS contexts of the client port: the gRPC listener's, and the one member channels use to reach other members'
 * client ports (forwarding to the leader, publishing attributes). Both read the PEM files through reloading managers,
 * so a renewed certificate or CA bundle is used by the next connection without a restart (open connections keep
 * theirs). JDK provider: the managers are asked on every handshake. Immutable and thread-safe.
 *
 * <p>Listener: presents {@code --client-cert-file}; with {@code --client-trusted-ca-file} it asks for a client
 * certificate and verifies one that is presented, with {@code --client-cert-auth} it refuses a client without one.
 *
 * <p>Member channels: present the same certificate as a client certificate (the member's identity when client
 * certificates are required) and verify the other member's certificate against {@code --client-trusted-ca-file}, else
 * {@code --peer-trusted-ca-file}, else the JDK's default CAs; the host name is checked against the certificate's
 * subjectAltName, as for any client.
 */
public final class ClientTls {

    private final SslContext server;
    private final SslContext memberChannels;

    private ClientTls(SslContext server, SslContext memberChannels) {
        this.server = server;
        this.memberChannels = memberChannels;
    }

    /**
     * Loads the files now; {@code null} when {@code config} has no client TLS.
     *
     * @throws IllegalArgumentException when a file does not load, naming it
     */
    public static ClientTls of(TlsConfig config) {
        TlsFiles files = config.client();
        if (files == null) {
            return null;
        }
        ReloadingKeyManager keys = new ReloadingKeyManager("client-port certificate", files.certFile(),
                files.keyFile());
        ReloadingTrustManager clientCa = files.trustedCaFile() == null ? null
                : new ReloadingTrustManager("client trusted CA", files.trustedCaFile());
        try {
            SslContextBuilder serverBuilder = GrpcSslContexts.configure(SslContextBuilder.forServer(keys),
                    SslProvider.JDK);
            if (clientCa != null) {
                serverBuilder.trustManager(clientCa)
                        .clientAuth(config.clientCertAuth() ? ClientAuth.REQUIRE : ClientAuth.OPTIONAL);
            }
            SslContextBuilder channelBuilder = GrpcSslContexts.configure(SslContextBuilder.forClient(),
                    SslProvider.JDK).keyManager(keys);
            if (clientCa != null) {
                channelBuilder.trustManager(clientCa);
            } else if (config.peer() != null) {
                channelBuilder.trustManager(new ReloadingTrustManager("peer trusted CA (member channels)",
                        config.peer().trustedCaFile()));
            }
            return new ClientTls(serverBuilder.build(), channelBuilder.build());
        } catch (SSLException e) {
            throw new IllegalArgumentException("cannot set up client TLS: " + e.getMessage(), e);
        }
    }

    /** For the gRPC listener on the client port. */
    public SslContext serverContext() {
        return server;
    }

    /** For this member's channels to other members' client ports. */
    public SslContext memberChannelContext() {
        return memberChannels;
    }
}
