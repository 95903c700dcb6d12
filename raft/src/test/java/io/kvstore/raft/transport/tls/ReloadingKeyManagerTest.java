package io.kvstore.raft.transport.tls;

import static org.junit.jupiter.api.Assertions.assertEquals;

import io.kvstore.raft.testing.TestPki;
import java.math.BigInteger;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.security.cert.X509Certificate;
import java.util.concurrent.atomic.AtomicLong;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * Renewal rules, on a fake clock: a changed pair is used after the next check; a half-renewed pair (new key, old
 * certificate) is refused and the previous identity kept until the certificate follows; a missing file keeps it too.
 */
class ReloadingKeyManagerTest {
    private static final long CHECK = ReloadingFiles.CHECK_INTERVAL_NANOS;

    @Test
    void renewalIsPickedUpAndAHalfWrittenPairIsNot(@TempDir Path dir) throws Exception {
        TestPki pki = TestPki.create(dir.resolve("pki"));
        pki.node("old");
        pki.node("new");
        Path cert = dir.resolve("live.crt");
        Path key = dir.resolve("live.key");
        install(pki.cert("old"), cert);
        install(pki.key("old"), key);
        AtomicLong clock = new AtomicLong();
        ReloadingKeyManager keys = new ReloadingKeyManager("test certificate", cert, key, clock::get);
        BigInteger oldSerial = serialOf(keys);

        install(pki.key("new"), key); // key first, as bin/kvstore-certs renews
        assertEquals(oldSerial, serialOf(keys), "no check before the interval");
        clock.addAndGet(CHECK);
        assertEquals(oldSerial, serialOf(keys), "a key without its certificate is refused");

        Files.delete(cert);
        clock.addAndGet(CHECK);
        assertEquals(oldSerial, serialOf(keys), "a missing file keeps the previous identity");

        install(pki.cert("new"), cert);
        clock.addAndGet(CHECK);
        BigInteger newSerial = serialOf(keys);
        assertEquals(((X509Certificate) java.security.cert.CertificateFactory.getInstance("X.509")
                .generateCertificate(Files.newInputStream(pki.cert("new")))).getSerialNumber(), newSerial);
    }

    private static BigInteger serialOf(ReloadingKeyManager keys) {
        return keys.getCertificateChain(keys.chooseEngineServerAlias("EC", null, null))[0].getSerialNumber();
    }

    /** Copies then renames, so the reader never sees a half-written file (as a renewal should). */
    private static void install(Path from, Path to) throws Exception {
        Path tmp = to.resolveSibling(to.getFileName() + ".tmp");
        Files.copy(from, tmp, StandardCopyOption.REPLACE_EXISTING);
        Files.move(tmp, to, StandardCopyOption.REPLACE_EXISTING, StandardCopyOption.ATOMIC_MOVE);
    }
}
