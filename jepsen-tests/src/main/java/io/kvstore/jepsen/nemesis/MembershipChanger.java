package io.kvstore.jepsen.nemesis;

import io.kvstore.jepsen.cluster.Member;

/**
 * How the {@code member} nemesis changes the membership: the Runner supplies one that runs kvstore's ClusterAdmin
 * where the clients are. Called from the nemesis thread only.
 */
public interface MembershipChanger {
    /** What a change did: ok, and one line for the timeline. */
    record Result(boolean ok, String message) {
    }

    /** Removes {@code m} from the membership (the member keeps running until the nemesis stops it). */
    Result remove(Member m);

    /** Deletes the stopped member's data directory, so it comes back empty. */
    void wipe(Member m);

    /** Adds the running, empty {@code m} (started with --join) as a learner and promotes it. */
    Result readd(Member m);
}
