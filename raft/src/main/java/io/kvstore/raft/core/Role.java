package io.kvstore.raft.core;

/** A member's role. PRE_CANDIDATE asks for pre-votes without raising its term (dissertation §9.6). */
public enum Role { FOLLOWER, PRE_CANDIDATE, CANDIDATE, LEADER }
