package io.kvstore.raft.transport.tls;

import java.net.Socket;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.security.GeneralSecurityException;
import java.security.Principal;
import java.security.PrivateKey;
import java.security.Signature;
import java.security.cert.X509Certificate;
import java.util.List;
import javax.net.ssl.SSLEngine;
import javax.net.ssl.X509ExtendedKeyManager;

/**
 * A key manager with one identity (a certificate chain and its private key) read from PEM files and re-read when
 * they change ({@link ReloadingFiles}): connections opened after a renewal present the new certificate, open ones
 * keep theirs. Works for both ends of a connection. Thread-safe.
 */
public final class ReloadingKeyManager extends X509ExtendedKeyManager {

    private static final String ALIAS = "kvstore";

    private record Identity(X509Certificate[] chain, PrivateKey key) {}

    private final ReloadingFiles<Identity> identity;

    /**
     * Reads {@code certFile} and {@code keyFile} now.
     *
     * @param what names the identity in logs, e.g. "peer certificate"
     * @throws IllegalArgumentException when they do not load or the key does not belong to the certificate
     */
    public ReloadingKeyManager(String what, Path certFile, Path keyFile) {
        this(what, certFile, keyFile, System::nanoTime);
    }

    /** As above, with the clock that paces the file checks (tests). */
    ReloadingKeyManager(String what, Path certFile, Path keyFile, java.util.function.LongSupplier nanoClock) {
        this.identity = new ReloadingFiles<>(what, List.of(certFile, keyFile),
                () -> load(certFile, keyFile), nanoClock);
    }

    private static Identity load(Path certFile, Path keyFile) throws java.io.IOException, GeneralSecurityException {
        List<X509Certificate> chain = Pem.certificates(certFile);
        PrivateKey key = Pem.privateKey(keyFile);
        requireMatch(chain.get(0), key, certFile, keyFile);
        return new Identity(chain.toArray(X509Certificate[]::new), key);
    }

    /** A renewal that wrote the certificate but not yet the key must not be used: sign and verify a probe. */
    private static void requireMatch(X509Certificate cert, PrivateKey key, Path certFile, Path keyFile)
            throws GeneralSecurityException {
        String algorithm = switch (key.getAlgorithm()) {
            case "RSA" -> "SHA256withRSA";
            case "EC" -> "SHA256withECDSA";
            default -> key.getAlgorithm(); // Ed25519, Ed448
        };
        byte[] probe = "kvstore key check".getBytes(StandardCharsets.US_ASCII);
        Signature signer = Signature.getInstance(algorithm);
        signer.initSign(key);
        signer.update(probe);
        byte[] signature = signer.sign();
        Signature verifier = Signature.getInstance(algorithm);
        verifier.initVerify(cert.getPublicKey());
        verifier.update(probe);
        if (!verifier.verify(signature)) {
            throw new GeneralSecurityException("the key in " + keyFile + " does not belong to the certificate in "
                    + certFile);
        }
    }

    /** The subject of the certificate currently presented, for logs. */
    public String subject() {
        return identity.current().chain()[0].getSubjectX500Principal().getName();
    }

    @Override
    public String[] getClientAliases(String keyType, Principal[] issuers) {
        return new String[] {ALIAS};
    }

    @Override
    public String chooseClientAlias(String[] keyType, Principal[] issuers, Socket socket) {
        return ALIAS;
    }

    @Override
    public String chooseEngineClientAlias(String[] keyType, Principal[] issuers, SSLEngine engine) {
        return ALIAS;
    }

    @Override
    public String[] getServerAliases(String keyType, Principal[] issuers) {
        return new String[] {ALIAS};
    }

    @Override
    public String chooseServerAlias(String keyType, Principal[] issuers, Socket socket) {
        return matches(keyType) ? ALIAS : null;
    }

    @Override
    public String chooseEngineServerAlias(String keyType, Principal[] issuers, SSLEngine engine) {
        return matches(keyType) ? ALIAS : null;
    }

    /** The JDK asks per key type (RSA, EC, ...); answering only for ours lets it pick a matching cipher suite. */
    private boolean matches(String keyType) {
        String ours = identity.current().key().getAlgorithm();
        return keyType == null || keyType.equals(ours) || (keyType.startsWith("EC") && ours.equals("EC"))
                || keyType.equals("RSASSA-PSS") && ours.equals("RSA");
    }

    @Override
    public X509Certificate[] getCertificateChain(String alias) {
        return ALIAS.equals(alias) ? identity.current().chain().clone() : null;
    }

    @Override
    public PrivateKey getPrivateKey(String alias) {
        return ALIAS.equals(alias) ? identity.current().key() : null;
    }
}
