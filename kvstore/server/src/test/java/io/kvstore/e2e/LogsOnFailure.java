package io.kvstore.e2e;

import java.util.function.Supplier;
import org.junit.jupiter.api.extension.ExtensionContext;
import org.junit.jupiter.api.extension.TestWatcher;

/**
 * Prints every member's log tail to stderr when a test fails: the members' data directories, logs included, are
 * temporary directories that JUnit deletes afterwards.
 */
final class LogsOnFailure implements TestWatcher {
    private final Supplier<ProcessCluster> cluster;

    LogsOnFailure(Supplier<ProcessCluster> cluster) {
        this.cluster = cluster;
    }

    @Override
    public void testFailed(ExtensionContext context, Throwable cause) {
        ProcessCluster c = cluster.get();
        if (c != null) {
            System.err.println("==== " + context.getDisplayName() + " failed; member logs follow ====");
            System.err.println(c.logTails());
        }
    }
}
