package io.kvstore.store;

import com.google.protobuf.ByteString;
import io.kvstore.store.command.ZnodeRecord;
import java.nio.ByteBuffer;
import java.nio.charset.StandardCharsets;

/**
 * The RocksDB key layout. One column family, four key spaces told apart by the first byte:
 * <pre>
 *   'z'                                  the root znode
 *   'z' parent-path 0x00 child-name      every other znode  (e.g. "/a/b" is  z/a\0b)
 *   'm:' name                            metadata: applied index, revision, dedup table size
 *   'd:' client-id                       exactly-once table entry
 *   'e:' last-index(8 bytes, big-endian) client-id    eviction order of the exactly-once table
 *   'a:' member-id                       a member's published attributes (PublishMember), outside the tree
 *   's:' session-id(8 bytes)             a live session (SessionRecord)
 *   'o:' session-id(8 bytes) path        index: an ephemeral znode of that session (empty value)
 *   't:' path                            index: a TTL znode (empty value)
 *   'h:' revision(8 bytes, big-endian)   watch history: the events of that revision (ChangeHistory)
 *   'u:' user-name                       an auth user (UserRecord), outside the tree
 *   'r:' role-name                       an auth role (RoleRecord), outside the tree
 *   'm:auth'                             the auth state: enabled flag, token secret, auth revision (AuthStateRecord)
 * </pre>
 * The children of a znode share the prefix {@code 'z' path 0x00} and sort by name, so listing children is one
 * prefix scan in order. 0x00 cannot occur in a path ({@link ZPath}), so the prefix of "/a" never matches "/ab".
 */
final class StoreKeys {

    static final byte[] APPLIED_INDEX = ascii("m:applied_index");
    static final byte[] REVISION = ascii("m:revision");
    static final byte[] DEDUP_COUNT = ascii("m:dedup_count");
    static final byte[] EVICTION_PREFIX = ascii("e:");

    private static final byte ZNODE = 'z';
    private static final byte[] DEDUP_PREFIX = ascii("d:");
    private static final byte[] MEMBER_PREFIX = ascii("a:");

    static final byte[] SESSION_PREFIX = ascii("s:");
    static final byte[] TTL_PREFIX = ascii("t:");
    private static final byte[] OWNED_PREFIX = ascii("o:");

    static final byte[] AUTH_STATE = ascii("m:auth");
    static final byte[] USER_PREFIX = ascii("u:");
    static final byte[] ROLE_PREFIX = ascii("r:");

    static byte[] user(String name) {
        return concat(USER_PREFIX, name.getBytes(StandardCharsets.UTF_8));
    }

    static byte[] role(String name) {
        return concat(ROLE_PREFIX, name.getBytes(StandardCharsets.UTF_8));
    }

    private StoreKeys() {
    }

    static ByteString session(long sessionId) {
        return ByteString.copyFrom(concat(SESSION_PREFIX, encodeLong(sessionId)));
    }

    /** Prefix of the ephemeral index keys of one session. */
    static ByteString ownedPrefix(long sessionId) {
        return ByteString.copyFrom(concat(OWNED_PREFIX, encodeLong(sessionId)));
    }

    static ByteString owned(long sessionId, ZPath path) {
        return ownedPrefix(sessionId).concat(ByteString.copyFromUtf8(path.value()));
    }

    static ByteString ttl(ZPath path) {
        return ByteString.copyFrom(concat(TTL_PREFIX, ascii(path.value())));
    }

    /**
     * What one znode counts towards the tree size (the space quota): its key and record as stored, plus a fixed
     * {@value #ZNODE_OVERHEAD_BYTES} bytes for RocksDB's per-entry cost and the index and history entries around it.
     */
    static long znodeBytes(ByteString key, ZnodeRecord record) {
        return key.size() + record.getSerializedSize() + ZNODE_OVERHEAD_BYTES;
    }

    /** See {@link #znodeBytes}; also what a server adds per new znode when it estimates a write's growth. */
    static final int ZNODE_OVERHEAD_BYTES = 64;

    /** Key of the znode at {@code path}. */
    static ByteString znode(ZPath path) {
        if (path.isRoot()) {
            return ByteString.copyFrom(new byte[] {ZNODE});
        }
        return childrenPrefix(path.parent()).concat(ByteString.copyFromUtf8(path.name()));
    }

    /** Common prefix of the keys of {@code path}'s children. */
    static ByteString childrenPrefix(ZPath path) {
        byte[] p = ascii(path.value());
        byte[] key = new byte[p.length + 2];
        key[0] = ZNODE;
        System.arraycopy(p, 0, key, 1, p.length);
        key[key.length - 1] = 0;
        return ByteString.copyFrom(key);
    }

    /** Smallest key after every key starting with {@code prefix} (whose last byte is 0x00). */
    static ByteString prefixEnd(ByteString prefix) {
        byte[] end = prefix.toByteArray();
        end[end.length - 1] = 1;
        return ByteString.copyFrom(end);
    }

    static byte[] dedup(String clientId) {
        return concat(DEDUP_PREFIX, clientId.getBytes(StandardCharsets.UTF_8));
    }

    static byte[] member(String memberId) {
        return concat(MEMBER_PREFIX, memberId.getBytes(StandardCharsets.UTF_8));
    }

    static byte[] eviction(long lastIndex, String clientId) {
        byte[] index = ByteBuffer.allocate(8).putLong(lastIndex).array();
        return concat(concat(EVICTION_PREFIX, index), clientId.getBytes(StandardCharsets.UTF_8));
    }

    /** The client id in an {@link #eviction} key. */
    static String evictionClientId(byte[] key) {
        int offset = EVICTION_PREFIX.length + 8;
        return new String(key, offset, key.length - offset, StandardCharsets.UTF_8);
    }

    static byte[] encodeLong(long value) {
        return ByteBuffer.allocate(8).putLong(value).array();
    }

    /** Decodes {@link #encodeLong}; {@code null} (key absent) is 0. */
    static long decodeLong(byte[] bytes) {
        if (bytes == null) {
            return 0;
        }
        if (bytes.length != 8) {
            throw new IllegalStateException("corrupt counter: " + bytes.length + " bytes");
        }
        return ByteBuffer.wrap(bytes).getLong();
    }

    static boolean startsWith(byte[] key, byte[] prefix) {
        if (key.length < prefix.length) {
            return false;
        }
        for (int i = 0; i < prefix.length; i++) {
            if (key[i] != prefix[i]) {
                return false;
            }
        }
        return true;
    }

    private static byte[] ascii(String s) {
        return s.getBytes(StandardCharsets.US_ASCII);
    }

    private static byte[] concat(byte[] a, byte[] b) {
        byte[] out = new byte[a.length + b.length];
        System.arraycopy(a, 0, out, 0, a.length);
        System.arraycopy(b, 0, out, a.length, b.length);
        return out;
    }
}
