package io.kvstore.jepsen.cluster;

/**
 * An undirected link between two members, by index from 0, {@code a < b}. A partition is the set of links it cuts.
 */
public record Link(int a, int b) {
    public Link {
        if (a < 0 || b < 0 || a == b) {
            throw new IllegalArgumentException("link needs two distinct members >= 0: " + a + ", " + b);
        }
        if (a > b) {
            int t = a;
            a = b;
            b = t;
        }
    }

    @Override
    public String toString() {
        return "n" + (a + 1) + "-n" + (b + 1);
    }
}
