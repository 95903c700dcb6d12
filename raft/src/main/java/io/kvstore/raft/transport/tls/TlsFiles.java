package io.kvstore.raft.transport.tls;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Objects;

/**
 * Where one endpoint's TLS material lives: a PEM certificate chain (leaf first), its PEM PKCS#8 private key, and
 * optionally a PEM bundle of CA certificates that peers' certificates must chain to. Only the paths are kept: the
 * files are read (and re-read when they change) by {@link ReloadingKeyManager} and {@link ReloadingTrustManager}.
 * Immutable.
 *
 * @param certFile PEM certificate chain, leaf first; non-null
 * @param keyFile PEM private key of the leaf, unencrypted PKCS#8 ({@code BEGIN PRIVATE KEY}); non-null
 * @param trustedCaFile PEM CA bundle, or {@code null} when the endpoint verifies no peer certificates
 */
public record TlsFiles(Path certFile, Path keyFile, Path trustedCaFile) {

    /** @throws IllegalArgumentException when a given file is not a readable regular file (the message names it) */
    public TlsFiles {
        Objects.requireNonNull(certFile, "certFile");
        Objects.requireNonNull(keyFile, "keyFile");
        requireReadable(certFile, "certificate file");
        requireReadable(keyFile, "key file");
        if (trustedCaFile != null) {
            requireReadable(trustedCaFile, "trusted CA file");
        }
    }

    private static void requireReadable(Path file, String what) {
        if (!Files.isRegularFile(file) || !Files.isReadable(file)) {
            throw new IllegalArgumentException(what + " " + file + " is not a readable file");
        }
    }
}
