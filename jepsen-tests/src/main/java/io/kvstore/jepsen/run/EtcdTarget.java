package io.kvstore.jepsen.run;

/**
 * etcd as a target: not built. What it needs and what this environment offers is recorded here so the check is
 * in one place; a target would supply the member command line and a workload client.
 */
final class EtcdTarget {
    static final String UNAVAILABLE = "it needs the etcd server (Debian package etcd-server) and the Java client "
            + "io.etcd:jetcd-core; neither is set up here (see docs/jepsen.md, \"Targets\")";

    private EtcdTarget() {
    }
}
