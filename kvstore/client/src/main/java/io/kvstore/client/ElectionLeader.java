package io.kvstore.client;

import com.google.protobuf.ByteString;
import java.util.Objects;

/**
 * A leader of an election, as {@link LeaderElection#leader()} and {@link LeaderElection#observe} report it.
 * Immutable.
 *
 * @param key the leader's candidate znode
 * @param fencingToken its leadership token (strictly increasing with every new leader)
 * @param value the value it campaigned with or last proclaimed
 * @param sessionId the leader's session
 * @param revision the store revision at which this was the leader
 */
public record ElectionLeader(String key, FencingToken fencingToken, ByteString value, long sessionId,
                             long revision) {
    public ElectionLeader {
        Objects.requireNonNull(key, "key");
        Objects.requireNonNull(fencingToken, "fencingToken");
        Objects.requireNonNull(value, "value");
    }

    /** The value as UTF-8 text. */
    public String valueUtf8() {
        return value.toStringUtf8();
    }
}
