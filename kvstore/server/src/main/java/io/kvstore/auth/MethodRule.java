package io.kvstore.auth;

import io.kvstore.store.Failure;
import java.util.Optional;

/**
 * What one gRPC method requires once auth is enabled: who may call it at all, and what each request message must be
 * allowed (paths, root, admin). Immutable.
 *
 * @param who the kind of caller that may start the call
 * @param check run on every request message with the caller's {@link Access}; ignored for {@link Who#ANYONE} and
 *     {@link Who#MEMBER}
 */
public record MethodRule(Who who, Check check) {

    /** Who may start a call. */
    public enum Who {
        /** Nobody needs to authenticate (Authenticate itself, health, reflection). */
        ANYONE,
        /** Only a cluster member with its member credential (internal RPCs). */
        MEMBER,
        /** An authenticated user (also a user whose call a member forwarded). */
        USER,
        /** An authenticated user, or a member acting for itself (read-only cluster status). */
        USER_OR_MEMBER
    }

    /** The per-message part of a decision. */
    @FunctionalInterface
    public interface Check {
        /** Empty when {@code message} is allowed, else the failure to answer. */
        Optional<Failure> check(Access access, Object message);
    }

    /** No per-message condition. */
    public static final Check NOTHING = (access, message) -> Optional.empty();
}
