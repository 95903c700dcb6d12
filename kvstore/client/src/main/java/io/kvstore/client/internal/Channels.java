package io.kvstore.client.internal;

import io.grpc.ChannelCredentials;
import io.grpc.Grpc;
import io.grpc.InsecureChannelCredentials;
import io.grpc.ManagedChannel;
import io.grpc.ManagedChannelBuilder;
import io.grpc.TlsChannelCredentials;
import java.io.IOException;
import java.nio.file.Path;
import java.util.function.Function;

/**
 * Makes the client's channels: the one place credentials are chosen. Plaintext unless a CA file or a client
 * certificate is given; with TLS the server's certificate must chain to the CA file (else to the JDK's default CAs)
 * and name the dialed host (or {@code serverName}) in its subjectAltName. Stateless.
 */
public final class Channels {

    private Channels() {
    }

    /**
     * A channel factory for the given TLS settings; all null means plaintext.
     *
     * @param caFile PEM CA bundle the server's certificate must chain to, or null for the JDK's default CAs
     * @param certFile PEM client certificate (chain), or null for none; needs {@code keyFile}
     * @param keyFile PEM PKCS#8 private key of {@code certFile}
     * @param serverName the name to verify the server's certificate against instead of the dialed host, or null
     * @param interceptors call interceptors of every channel (e.g. auth's token), outermost last
     * @throws IllegalArgumentException when a file cannot be read or only one of certificate and key is given
     */
    public static Function<String, ManagedChannel> factory(Path caFile, Path certFile, Path keyFile,
                                                           String serverName,
                                                           io.grpc.ClientInterceptor... interceptors) {
        if ((certFile == null) != (keyFile == null)) {
            throw new IllegalArgumentException("a client certificate needs its key and the other way round");
        }
        boolean tls = caFile != null || certFile != null || serverName != null;
        ChannelCredentials credentials = tls ? tlsCredentials(caFile, certFile, keyFile)
                : InsecureChannelCredentials.create();
        return address -> {
            ManagedChannelBuilder<?> builder = Grpc.newChannelBuilder(address, credentials);
            if (serverName != null) {
                builder.overrideAuthority(serverName);
            }
            return builder.intercept(interceptors).build();
        };
    }

    private static ChannelCredentials tlsCredentials(Path caFile, Path certFile, Path keyFile) {
        TlsChannelCredentials.Builder builder = TlsChannelCredentials.newBuilder();
        try {
            if (caFile != null) {
                builder.trustManager(caFile.toFile());
            }
            if (certFile != null) {
                builder.keyManager(certFile.toFile(), keyFile.toFile());
            }
        } catch (IOException | RuntimeException e) {
            throw new IllegalArgumentException("cannot read TLS files (CA " + caFile + ", certificate " + certFile
                    + ", key " + keyFile + "): " + e.getMessage(), e);
        }
        return builder.build();
    }
}
