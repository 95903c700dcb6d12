package io.kvstore.client;

import java.time.Duration;
import java.util.Objects;

/**
 * Options of a create. Immutable. Ephemeral znodes are created through {@link Session#createEphemeral}, which sets
 * the session.
 *
 * @param makeParents create missing ancestors (with empty data) instead of failing with
 *     {@link KvPreconditionException} (PARENT_NOT_FOUND)
 * @param sequential append a 19-digit zero-padded counter of the parent to the name ({@code /q/n-} becomes
 *     {@code /q/n-0000000000000000007}); the counter lives with the parent, never wraps and is never reused, also
 *     after children are deleted. {@link CreateResult#path()} is the created path.
 * @param ttl {@link Duration#ZERO} for none; otherwise the znode is deleted once it went this long without a
 *     write (any put restarts the countdown) and has no children; at least 1 s, at most 30 days
 */
public record CreateOptions(boolean makeParents, boolean sequential, Duration ttl) {
    /** Fail when the parent is missing. */
    public static final CreateOptions DEFAULT = new CreateOptions(false);
    /** Create missing ancestors. */
    public static final CreateOptions MAKE_PARENTS = new CreateOptions(true);

    public CreateOptions {
        Objects.requireNonNull(ttl, "ttl");
        if (ttl.isNegative()) {
            throw new IllegalArgumentException("ttl must not be negative: " + ttl);
        }
    }

    /** Only {@code makeParents}: not sequential, no TTL. */
    public CreateOptions(boolean makeParents) {
        this(makeParents, false, Duration.ZERO);
    }

    /** These options with a sequential name. */
    public CreateOptions withSequential() {
        return new CreateOptions(makeParents, true, ttl);
    }

    /** These options with a TTL. */
    public CreateOptions withTtl(Duration ttl) {
        return new CreateOptions(makeParents, sequential, ttl);
    }
}
