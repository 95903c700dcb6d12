package io.kvstore.raft;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.net.InetSocketAddress;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Map;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class ClusterIdentityTest {
    private static final InetSocketAddress A = new InetSocketAddress("127.0.0.1", 1);

    @TempDir
    Path dir;

    @Test
    void firstStartWritesAndSameIdentityPasses() throws Exception {
        ClusterIdentity.checkOrWrite(dir, options("n1", "c1", Map.of("n1", A, "n2", A)));
        ClusterIdentity.checkOrWrite(dir, options("n1", "c1", Map.of("n2", A, "n1", A)));
        assertTrue(Files.exists(dir.resolve(ClusterIdentity.FILE_NAME)));
    }

    @Test
    void otherMemberIdIsRefusedNamingBothAndNothingChanges() throws Exception {
        ClusterIdentity.checkOrWrite(dir, options("n1", "c1", Map.of("n1", A, "n2", A)));
        byte[] before = Files.readAllBytes(dir.resolve(ClusterIdentity.FILE_NAME));
        IllegalStateException e = assertThrows(IllegalStateException.class,
                () -> ClusterIdentity.checkOrWrite(dir, options("n2", "c1", Map.of("n1", A, "n2", A))));
        assertTrue(e.getMessage().contains("member 'n1'") && e.getMessage().contains("member 'n2'"), e.getMessage());
        assertArrayEquals(before, Files.readAllBytes(dir.resolve(ClusterIdentity.FILE_NAME)));
    }

    @Test
    void otherClusterIsRefusedAndTheBootstrapListIsReturned() throws Exception {
        assertEquals("n1,n2", ClusterIdentity.checkOrWrite(dir, options("n1", "c1", Map.of("n1", A, "n2", A))));
        assertThrows(IllegalStateException.class,
                () -> ClusterIdentity.checkOrWrite(dir, options("n1", "c2", Map.of("n1", A, "n2", A))));
        // The member list is compared by RaftNode.open, which also knows the log's membership.
        assertEquals("n1,n2", ClusterIdentity.checkOrWrite(dir, options("n1", "c1", Map.of("n1", A, "n3", A))));
    }

    @Test
    void otherMemberSetIsRefusedAtOpen(@TempDir Path data) throws Exception {
        var sm = new io.kvstore.raft.demo.AppendOnlyFileStateMachine(data.resolve("sm.log"));
        RaftNode.open(RaftNodeOptions.builder("n1", "c1", Map.of("n1", A, "n2", A), data).build(), sm).close();
        IllegalStateException e = assertThrows(IllegalStateException.class, () -> RaftNode.open(
                RaftNodeOptions.builder("n1", "c1", Map.of("n1", A, "n3", A), data).build(), sm));
        assertTrue(e.getMessage().contains("n1,n2") && e.getMessage().contains("n3"), e.getMessage());
        sm.close();
    }

    private static RaftNodeOptions options(String id, String cluster, Map<String, InetSocketAddress> members) {
        return RaftNodeOptions.builder(id, cluster, members, Path.of("unused")).build();
    }
}
