package io.kvstore.jepsen.nemesis;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.kvstore.jepsen.cluster.Link;
import java.util.ArrayList;
import java.util.List;
import java.util.Random;
import java.util.Set;
import org.junit.jupiter.api.Test;

/** The partition shapes cut what their names promise, for every seed tried. */
class PartitionsTest {
    private static final int SEEDS = 200;

    @Test
    void isolateCutsTheLonelyMemberFromEveryoneElse() {
        Set<Link> cut = Partitions.between(Partitions.isolate(2, 5));
        assertEquals(Set.of(new Link(2, 0), new Link(2, 1), new Link(2, 3), new Link(2, 4)), cut);
    }

    @Test
    void majorityMinorityLeavesExactlyOneMajority() {
        for (long seed = 0; seed < SEEDS; seed++) {
            var groups = Partitions.majorityMinority(5, new Random(seed));
            assertEquals(2, groups.get(0).size(), "seed " + seed);
            assertEquals(3, groups.get(1).size(), "seed " + seed);
            assertEquals(6, Partitions.between(groups).size(), "seed " + seed);
        }
    }

    @Test
    void bridgeMemberSeesEveryoneAndTheHalvesSeeNoOneAcross() {
        for (long seed = 0; seed < SEEDS; seed++) {
            List<Integer> order = new ArrayList<>();
            Set<Link> cut = Partitions.bridge(5, new Random(seed), order);
            int bridge = order.get(2);
            for (int m = 0; m < 5; m++) {
                if (m != bridge) {
                    assertTrue(!cut.contains(new Link(bridge, m)), "seed " + seed + ": bridge cut from " + m);
                }
            }
            assertEquals(4, cut.size(), "seed " + seed + ": two halves of two, 2x2 links cut");
        }
    }

    @Test
    void ringGivesEveryMemberAMajorityButNoTwoTheSameOne() {
        for (long seed = 0; seed < SEEDS; seed++) {
            Set<Link> cut = Partitions.ring(5, new Random(seed), new ArrayList<>());
            List<Set<Integer>> views = new ArrayList<>();
            for (int m = 0; m < 5; m++) {
                Set<Integer> view = new java.util.HashSet<>(Set.of(m));
                for (int o = 0; o < 5; o++) {
                    if (o != m && !cut.contains(new Link(m, o))) {
                        view.add(o);
                    }
                }
                assertEquals(3, view.size(), "seed " + seed + ": member " + m + " sees " + view);
                views.add(view);
            }
            assertEquals(5, new java.util.HashSet<>(views).size(), "seed " + seed + ": views " + views);
        }
    }
}
