/**
 * The kvstore.v1 Cluster service ({@link io.kvstore.server.cluster.ClusterService}): membership changes (add a
 * learner, promote, remove, including removal of the current leader after a leadership transfer), leadership
 * transfer, the member list with each member's progress in the leader's view, and a member's own status.
 */
package io.kvstore.server.cluster;
