package io.kvstore.raft.log;

import java.io.IOException;

/**
 * A durable log record is damaged or the directory does not hold our log: the member must not start, because
 * skipping the record could lose an entry it acknowledged. The message names the file and offset.
 */
public class CorruptLogException extends IOException {
    public CorruptLogException(String message) {
        super(message);
    }
}
