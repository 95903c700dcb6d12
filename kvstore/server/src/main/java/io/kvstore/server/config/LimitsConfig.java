package io.kvstore.server.config;

/**
 * Resource limits of one member against hostile or runaway clients (docs/security.md, "Limits and quotas").
 * Immutable; validated at construction.
 *
 * @param quotaBackendBytes ({@code --quota-backend-bytes}, default {@value #QUOTA_BACKEND_BYTES_DEFAULT} = 2 GiB,
 *     etcd's default) the znode tree's size (paths plus values plus a fixed per-znode overhead) beyond which writes
 *     that add data are refused with RESOURCE_EXHAUSTED/NO_SPACE; deletes and reads always work. Larger trees make
 *     snapshots, restarts and catch-up slower; a configuration store rarely needs more
 * @param maxConnections ({@code --max-connections}, default {@value #MAX_CONNECTIONS_DEFAULT}) client connections
 *     open at once; more are closed as they are accepted. Bounds file descriptors and per-connection buffers; clients
 *     share one connection per member, so this is far above a healthy cluster's need
 * @param maxConcurrentStreams ({@code --max-concurrent-streams}, default {@value #MAX_CONCURRENT_STREAMS_DEFAULT})
 *     calls in flight on one connection (HTTP/2 streams); a client above it waits for a stream. Bounds what one
 *     client can hold of the call threads and watch buffers
 */
public record LimitsConfig(long quotaBackendBytes, int maxConnections, int maxConcurrentStreams) {

    public static final long QUOTA_BACKEND_BYTES_DEFAULT = 2L << 30;
    public static final int MAX_CONNECTIONS_DEFAULT = 1024;
    public static final int MAX_CONCURRENT_STREAMS_DEFAULT = 1000;
    /** Below this the tree cannot hold a few maximal values: a typo, not a quota. */
    public static final long QUOTA_BACKEND_BYTES_MIN = 1L << 20;

    public static final LimitsConfig DEFAULTS = new LimitsConfig(QUOTA_BACKEND_BYTES_DEFAULT,
            MAX_CONNECTIONS_DEFAULT, MAX_CONCURRENT_STREAMS_DEFAULT);

    public LimitsConfig {
        if (quotaBackendBytes < QUOTA_BACKEND_BYTES_MIN) {
            throw new IllegalArgumentException("--quota-backend-bytes must be at least " + QUOTA_BACKEND_BYTES_MIN
                    + ": " + quotaBackendBytes);
        }
        if (maxConnections < 1) {
            throw new IllegalArgumentException("--max-connections must be at least 1: " + maxConnections);
        }
        if (maxConcurrentStreams < 1) {
            throw new IllegalArgumentException("--max-concurrent-streams must be at least 1: " + maxConcurrentStreams);
        }
    }
}
