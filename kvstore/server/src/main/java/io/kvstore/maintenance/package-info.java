/**
 * Operator tasks on one member outside the key-value API: the {@code Maintenance} gRPC service (online snapshot
 * of the state machine, version and disk usage), the snapshot file format ({@link io.kvstore.maintenance.SnapshotFile})
 * and the offline restore of such a file into a new member's data directory
 * ({@link io.kvstore.maintenance.SnapshotRestore}), which kvctl runs.
 */
package io.kvstore.maintenance;
