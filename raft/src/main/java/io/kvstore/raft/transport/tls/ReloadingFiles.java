package io.kvstore.raft.transport.tls;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.BasicFileAttributes;
import java.security.GeneralSecurityException;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;
import java.util.function.LongSupplier;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * A value loaded from files, loaded again when any of them changes (modification time, size or file key differ).
 * The check runs lazily from {@link #current}, at most once per {@link #CHECK_INTERVAL_NANOS}: TLS handshakes call it,
 * so a renewed certificate is used by the next connection without a watcher thread. A failed reload (a half-written
 * file, a key that does not match its certificate) keeps the previous value and logs one WARN line; it is tried again
 * when the files change again. Thread-safe.
 *
 * @param <T> the loaded value, immutable
 */
final class ReloadingFiles<T> {

    /** A renewed certificate is in use within a second; checking more often would stat files on every handshake. */
    static final long CHECK_INTERVAL_NANOS = TimeUnit.SECONDS.toNanos(1);

    private static final Logger log = LoggerFactory.getLogger(ReloadingFiles.class);

    /** Reads the files; throws for missing or invalid material, naming the file. */
    interface Loader<T> {
        T load() throws IOException, GeneralSecurityException;
    }

    private final String what;
    private final List<Path> files;
    private final Loader<T> loader;
    private final LongSupplier nanoClock;
    private volatile T value;
    private List<Object> stamps;
    private long nextCheckNanos;

    /**
     * Loads the value now.
     *
     * @param what names the material in logs and errors, e.g. "peer certificate"
     * @throws IllegalArgumentException when the first load fails: a member must not start without its material
     */
    ReloadingFiles(String what, List<Path> files, Loader<T> loader, LongSupplier nanoClock) {
        this.what = what;
        this.files = List.copyOf(files);
        this.loader = loader;
        this.nanoClock = nanoClock;
        this.stamps = stamps();
        try {
            this.value = loader.load();
        } catch (IOException | GeneralSecurityException e) {
            throw new IllegalArgumentException("cannot load " + what + " from " + this.files + ": " + e.getMessage(),
                    e);
        }
        this.nextCheckNanos = nanoClock.getAsLong() + CHECK_INTERVAL_NANOS;
    }

    /** The value, reloaded first when the check interval passed and a file changed. */
    T current() {
        long now = nanoClock.getAsLong();
        synchronized (this) {
            if (now - nextCheckNanos >= 0) {
                nextCheckNanos = now + CHECK_INTERVAL_NANOS;
                List<Object> now2 = stamps();
                if (!now2.equals(stamps)) {
                    stamps = now2;
                    reload();
                }
            }
        }
        return value;
    }

    private void reload() {
        try {
            value = loader.load();
            log.info("reloaded {} from {}", what, files);
        } catch (IOException | GeneralSecurityException | RuntimeException e) {
            log.warn("cannot reload {} from {}, still using the previous one: {}", what, files, e.getMessage());
        }
    }

    private List<Object> stamps() {
        List<Object> result = new ArrayList<>(files.size());
        for (Path file : files) {
            try {
                BasicFileAttributes a = Files.readAttributes(file, BasicFileAttributes.class);
                result.add(List.of(a.lastModifiedTime().toMillis(), a.size(), String.valueOf(a.fileKey())));
            } catch (IOException e) {
                result.add("missing"); // a file being replaced: keep the old value until it is back
            }
        }
        return result;
    }
}
