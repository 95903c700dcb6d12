/** A runnable single-process demo member ({@link io.kvstore.raft.demo.RaftDemo}) and its durable file state machine. */
package io.kvstore.raft.demo;
