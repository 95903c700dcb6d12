package io.kvstore.store;

/**
 * The answer to {@link KvStateMachine#get}: the znode and the revision it was read at, from one consistent view.
 *
 * @param revision store revision of the view
 * @param znode the znode, or {@code null} when it does not exist
 */
public record Lookup(long revision, Znode znode) {

    /** Whether the znode exists. */
    public boolean found() {
        return znode != null;
    }
}
