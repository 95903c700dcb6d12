package io.kvstore.raft.core;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.google.protobuf.ByteString;
import java.util.Map;
import java.util.Set;
import org.junit.jupiter.api.Test;

class MembershipTest {
    private static final Membership THREE = Membership.ofVoters(Set.of("a", "b", "c"));

    @Test
    void singleServerChangesFollowTheLearnerFirstPath() {
        Membership added = THREE.apply(MembershipChange.addLearner("d", "10.0.0.4:7380"));
        assertEquals(Set.of("d"), added.learners());
        assertEquals(Map.of("d", "10.0.0.4:7380"), added.addresses());
        Membership promoted = added.apply(MembershipChange.promote("d"));
        assertEquals(Set.of("a", "b", "c", "d"), promoted.voters());
        assertEquals(3, promoted.quorum());
        Membership removed = promoted.apply(MembershipChange.remove("d"));
        assertEquals(THREE.voters(), removed.voters());
        assertTrue(removed.addresses().isEmpty(), "a removed member's address goes with it");
    }

    @Test
    void invalidChangesSayWhy() {
        assertTrue(assertThrows(IllegalArgumentException.class,
                () -> THREE.apply(MembershipChange.addLearner("a", "x:1"))).getMessage().contains("already"));
        assertTrue(assertThrows(IllegalArgumentException.class,
                () -> THREE.apply(MembershipChange.promote("a"))).getMessage().contains("not a learner"));
        assertTrue(assertThrows(IllegalArgumentException.class,
                () -> THREE.apply(MembershipChange.remove("z"))).getMessage().contains("not in the cluster"));
        assertTrue(assertThrows(IllegalArgumentException.class,
                () -> Membership.ofVoters(Set.of("a")).apply(MembershipChange.remove("a")))
                .getMessage().contains("last voter"));
        assertTrue(assertThrows(IllegalArgumentException.class,
                () -> THREE.apply(MembershipChange.addLearner("d", null))).getMessage().contains("address"));
        assertThrows(IllegalArgumentException.class, () -> MembershipChange.remove("bad id"));
    }

    @Test
    void textFormRoundTripsAndOldFormDecodes() {
        Membership m = new Membership(Set.of("a", "b"), Set.of("c"), Map.of("c", "h:1", "a", "h:2"));
        assertEquals("voters=a,b;learners=c;addresses=a@h:2,c@h:1", m.encode().toStringUtf8());
        assertEquals(m, Membership.decode(m.encode()));
        assertEquals(Membership.ofVoters(Set.of("a")), Membership.decode(ByteString.copyFromUtf8("voters=a;learners=")));
        assertThrows(IllegalArgumentException.class, () -> Membership.decode(ByteString.copyFromUtf8("voters=a")));
        assertThrows(IllegalArgumentException.class,
                () -> Membership.decode(ByteString.copyFromUtf8("voters=a;learners=;addresses=nope")));
    }
}
