package io.kvstore.jepsen.nemesis;

import io.kvstore.jepsen.cluster.Link;
import java.util.ArrayList;
import java.util.Collections;
import java.util.HashSet;
import java.util.List;
import java.util.Random;
import java.util.Set;

/** The partition shapes of Jepsen's vocabulary, as the set of links each cuts. Pure functions of their input. */
final class Partitions {
    private Partitions() {
    }

    /** Cuts every link between members of different groups. */
    static Set<Link> between(List<List<Integer>> groups) {
        Set<Link> out = new HashSet<>();
        for (int g = 0; g < groups.size(); g++) {
            for (int h = g + 1; h < groups.size(); h++) {
                for (int a : groups.get(g)) {
                    for (int b : groups.get(h)) {
                        out.add(new Link(a, b));
                    }
                }
            }
        }
        return out;
    }

    /** {@code lonely} against everyone else. */
    static List<List<Integer>> isolate(int lonely, int size) {
        List<Integer> rest = new ArrayList<>();
        for (int m = 0; m < size; m++) {
            if (m != lonely) {
                rest.add(m);
            }
        }
        return List.of(List.of(lonely), rest);
    }

    /** A random minority (size/2 rounded down) against the majority. */
    static List<List<Integer>> majorityMinority(int size, Random random) {
        List<Integer> order = shuffled(size, random);
        return List.of(order.subList(0, size / 2), order.subList(size / 2, size));
    }

    /**
     * Bridge: two halves that cannot talk to each other, and one member that talks to both. Returns the links cut
     * (halves are {@code order[0..k)} and {@code order[k+1..n)}, the bridge is {@code order[k]}).
     */
    static Set<Link> bridge(int size, Random random, List<Integer> orderOut) {
        List<Integer> order = shuffled(size, random);
        orderOut.addAll(order);
        int k = (size - 1) / 2;
        return between(List.of(order.subList(0, k), order.subList(k + 1, size)));
    }

    /**
     * Majorities ring: members on a shuffled ring, each still linked to its neighbors within distance
     * {@code max(1, (size/2)/2)}, so with five members each sees a majority (itself and two neighbors) but no two
     * see the same one.
     */
    static Set<Link> ring(int size, Random random, List<Integer> orderOut) {
        List<Integer> order = shuffled(size, random);
        orderOut.addAll(order);
        int reach = Math.max(1, (size / 2) / 2);
        Set<Link> out = new HashSet<>();
        for (int i = 0; i < size; i++) {
            for (int j = i + 1; j < size; j++) {
                int d = Math.min(j - i, size - (j - i));
                if (d > reach) {
                    out.add(new Link(order.get(i), order.get(j)));
                }
            }
        }
        return out;
    }

    private static List<Integer> shuffled(int size, Random random) {
        List<Integer> order = new ArrayList<>();
        for (int m = 0; m < size; m++) {
            order.add(m);
        }
        Collections.shuffle(order, random);
        return order;
    }
}
