package io.kvstore.raft;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.net.InetSocketAddress;
import java.nio.file.Path;
import java.util.Map;
import org.junit.jupiter.api.Test;

class RaftNodeOptionsTest {
    private static final Map<String, InetSocketAddress> MEMBERS = Map.of(
            "n1", new InetSocketAddress("127.0.0.1", 7001), "n2", new InetSocketAddress("127.0.0.1", 7002));

    @Test
    void defaultsAreTheDocumentedOnes() {
        RaftNodeOptions options = RaftNodeOptions.builder("n1", "c1", MEMBERS, Path.of("d")).build();
        assertEquals(10, options.tickMillis());
        assertEquals(20, options.electionTicks());
        assertEquals(3, options.heartbeatTicks());
        assertEquals(MEMBERS.keySet(), options.toRaftConfig(MEMBERS.keySet()).voters());
    }

    @Test
    void invalidValuesNameTheField() {
        assertField("id", () -> RaftNodeOptions.builder("n3", "c1", MEMBERS, Path.of("d")).build());
        assertField("clusterId", () -> RaftNodeOptions.builder("n1", "bad id", MEMBERS, Path.of("d")).build());
        assertField("tickMillis", () -> RaftNodeOptions.builder("n1", "c1", MEMBERS, Path.of("d")).tickMillis(0).build());
        assertField("electionTicks", () -> RaftNodeOptions.builder("n1", "c1", MEMBERS, Path.of("d"))
                .electionTicks(3).heartbeatTicks(3).build());
        assertField("maxMsgBytes", () -> RaftNodeOptions.builder("n1", "c1", MEMBERS, Path.of("d"))
                .maxMsgBytes(0).build());
    }

    private static void assertField(String field, Runnable build) {
        IllegalArgumentException e = assertThrows(IllegalArgumentException.class, build::run);
        assertTrue(e.getMessage().contains(field), e.getMessage());
    }
}
