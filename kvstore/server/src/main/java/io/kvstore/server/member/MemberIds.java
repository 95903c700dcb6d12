package io.kvstore.server.member;

import java.nio.charset.StandardCharsets;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.util.concurrent.ConcurrentHashMap;

/**
 * The numeric form of a member name, for the {@code uint64 member_id} and {@code leader_id} fields of
 * {@code ResponseHeader}: the first 8 bytes of SHA-256 of the UTF-8 name, big-endian. Stable across restarts,
 * versions and machines; 0 means "unknown" in the API, so a name hashing to 0 maps to 1. The NOT_LEADER trailers
 * carry the name itself. Stateless and thread-safe.
 */
public final class MemberIds {

    private MemberIds() {
    }

    /** Names already hashed: every response header names this member and the leader, a handful of names in all. */
    private static final ConcurrentHashMap<String, Long> CACHE = new ConcurrentHashMap<>();
    /** Bound on {@link #CACHE}; beyond it (a cluster that saw this many names) ids are computed every time. */
    private static final int CACHED_NAMES_MAX = 256;

    /** The numeric id of {@code name}, or 0 when {@code name} is {@code null} (unknown). */
    public static long numeric(String name) {
        if (name == null) {
            return 0;
        }
        Long cached = CACHE.get(name);
        if (cached != null) {
            return cached;
        }
        long id = hash(name);
        if (CACHE.size() < CACHED_NAMES_MAX) {
            CACHE.put(name, id);
        }
        return id;
    }

    private static long hash(String name) {
        byte[] digest;
        try {
            digest = MessageDigest.getInstance("SHA-256").digest(name.getBytes(StandardCharsets.UTF_8));
        } catch (NoSuchAlgorithmException e) {
            throw new IllegalStateException("every JVM has SHA-256", e);
        }
        long id = 0;
        for (int i = 0; i < 8; i++) {
            id = (id << 8) | (digest[i] & 0xff);
        }
        return id == 0 ? 1 : id;
    }
}
