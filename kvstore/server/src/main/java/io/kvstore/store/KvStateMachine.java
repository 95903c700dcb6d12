package io.kvstore.store;

import io.kvstore.api.ErrorCode;

import com.google.protobuf.ByteString;
import com.google.protobuf.InvalidProtocolBufferException;
import io.kvstore.raft.StateMachine;
import io.kvstore.raft.core.Entry;
import io.kvstore.api.v1.WatchEvent;
import io.kvstore.raft.snapshot.SnapshotFiles;
import io.kvstore.store.command.Command;
import io.kvstore.store.command.DedupRecord;
import io.kvstore.store.command.ListPageToken;
import io.kvstore.store.command.PublishMember;
import io.kvstore.store.command.SessionRecord;
import io.kvstore.store.command.ZnodeRecord;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;
import java.util.concurrent.locks.ReentrantReadWriteLock;
import java.util.stream.Stream;
import org.rocksdb.Checkpoint;
import java.util.function.LongSupplier;
import org.rocksdb.Options;
import org.rocksdb.ReadOptions;
import org.rocksdb.RocksDB;
import org.rocksdb.RocksDBException;
import org.rocksdb.RocksIterator;
import org.rocksdb.Snapshot;
import org.rocksdb.WriteBatch;
import org.rocksdb.WriteOptions;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The replicated znode tree, stored in RocksDB under one directory (by convention {@code <data-dir>/state}).
 *
 * <p><b>Durability.</b> Each entry's changes, the applied index, the store revision and the exactly-once table are
 * written in one {@link WriteBatch}, so after a crash the stored applied index names exactly the entries whose effects
 * are stored. Writes do not fsync: the raft log is durable, and entries lost from RocksDB's memtable are above the
 * stored applied index, so the node replays them.
 *
 * <p><b>Member attributes.</b> A {@code PublishMember} command stores a member's client address under its own key
 * prefix ({@link #clientAddressOf}). It is not a znode: it is invisible to get and list, does not bump the store
 * revision (a revision is one change of the tree, and watchers must never see a revision without an event), and
 * has no exactly-once entry (publishing the same address twice is harmless).
 *
 * <p><b>Auth.</b> Users, roles, grants and the enabled flag ({@link AuthCommands}) are stored under their own key
 * prefixes, outside the tree, like member attributes: no revision, no watch event, but exactly-once like writes. They
 * are part of every snapshot (the checkpoint holds all keys). {@link #authState()} is the applied version in memory.
 *
 * <p><b>Exactly once.</b> An entry at or below {@link #appliedIndex()} is ignored (returns {@code null}). A command
 * whose client id and sequence were already applied returns the stored original result and changes nothing; see
 * {@link DedupTable}.
 *
 * <p><b>Threads.</b> {@link #apply} is called by the raft node's single apply thread. {@link #get}, {@link #list} and
 * {@link #revision} may be called from any thread at the same time: each reads one RocksDB snapshot. {@link #close}
 * must be called once, after apply and reads have stopped; the caller that constructed the instance owns it.
 *
 * <p><b>Snapshots.</b> {@link #snapshot} is a RocksDB checkpoint (SST files hard-linked, the rest copied) in
 * {@code <snapshot>/db}. {@link #restore} stages the snapshot in {@code <dir>.new} (SSTs hard-linked, fsynced),
 * closes RocksDB, renames {@code <dir>} to {@code <dir>.old} and {@code <dir>.new} to {@code <dir>}, deletes the
 * old one and reopens. Opening finishes a swap a crash interrupted: {@code <dir>} missing but {@code <dir>.new}
 * present means the staged state was complete and is moved in; any other leftover is deleted (the node repeats the
 * restore when the old state survived). Reads hold a read lock so a restore never closes RocksDB under them.
 *
 * <p>Errors: expected failures are {@link Failure} values; RocksDB errors and undecodable stored bytes throw
 * {@link StoreIoException}; a gap in entry indexes throws {@link IllegalStateException}. Both mean: stop the member.
 */
public final class KvStateMachine implements StateMachine, AutoCloseable {

    private static final Logger log = LoggerFactory.getLogger(KvStateMachine.class);

    static {
        RocksDB.loadLibrary();
    }

    /** A snapshot's RocksDB checkpoint lives in this subdirectory of the snapshot's data directory. */
    private static final String SNAPSHOT_DB = "db";

    private final Path dir;
    private final int dedupClientsMax;
    private final Options options;
    private final WriteOptions writeOptions;
    private final ReadOptions applyReadOptions;
    /** Held for reading by readers of {@link #db}; for writing while a restore swaps the database. */
    private final ReentrantReadWriteLock swapLock = new ReentrantReadWriteLock();
    private volatile RocksDB db;
    private volatile DedupTable dedup;
    private volatile long appliedIndex;
    private volatile long revision;
    /** Re-created with the database on open and restore. */
    private volatile ChangeHistory history;
    private final HistoryBounds historyBounds;
    private final LongSupplier clockMillis;
    private volatile ChangeListener changeListener = ChangeListener.NONE;
    /** Events of the entry being applied (apply thread only). */
    private List<WatchEvent> applyingEvents = List.of();
    /** The applied auth state (AuthCommands): replaced whole after each auth command is stored. */
    private volatile io.kvstore.auth.AuthState authState = io.kvstore.auth.AuthState.EMPTY;
    /** The auth state the entry being applied produces, published once its batch is written (apply thread only). */
    private io.kvstore.auth.AuthState applyingAuth;
    /** Tree size change of the entry being applied; added to treeBytes once its batch is written. Apply thread. */
    private long applyingTreeBytesDelta;
    /** See {@link #treeBytes()}: written by the apply thread (and open/restore), read by any. */
    private volatile long treeBytes;

    /**
     * Opens (creating if needed) the state in {@code dir}.
     *
     * @throws UncheckedIOException when the directory cannot be created
     * @throws StoreIoException when RocksDB cannot open it
     */
    public KvStateMachine(Path dir) {
        this(dir, Limits.DEDUP_CLIENTS_MAX);
    }

    /** As {@link #KvStateMachine(Path)} with a smaller exactly-once table, for tests of eviction. */
    KvStateMachine(Path dir, int dedupClientsMax) {
        this(dir, dedupClientsMax, HistoryBounds.DEFAULT, System::currentTimeMillis);
    }

    /**
     * As {@link #KvStateMachine(Path)} with the given watch history bounds; {@code clockMillis} (wall clock, ms)
     * stamps history records for trimming by age.
     */
    public KvStateMachine(Path dir, HistoryBounds historyBounds, LongSupplier clockMillis) {
        this(dir, Limits.DEDUP_CLIENTS_MAX, historyBounds, clockMillis);
    }

    private KvStateMachine(Path dir, int dedupClientsMax, HistoryBounds historyBounds, LongSupplier clockMillis) {
        this.clockMillis = clockMillis;
        this.historyBounds = historyBounds;
        this.dir = dir;
        this.dedupClientsMax = dedupClientsMax;
        try {
            finishInterruptedSwap();
            Files.createDirectories(dir);
        } catch (IOException e) {
            throw new UncheckedIOException("creating " + dir, e);
        }
        options = new Options().setCreateIfMissing(true);
        writeOptions = new WriteOptions().setSync(false);
        applyReadOptions = new ReadOptions();
        openDb();
        log.info("state machine opened at {}: applied index {}, revision {}", dir, appliedIndex, revision);
    }

    private void openDb() {
        try {
            db = RocksDB.open(options, dir.toString());
            if (db.get(StoreKeys.znode(ZPath.ROOT).toByteArray()) == null) {
                // The root exists from the start: version 0, revision 0. Written before any entry is applied.
                db.put(writeOptions, StoreKeys.znode(ZPath.ROOT).toByteArray(),
                        ZnodeRecord.getDefaultInstance().toByteArray());
            }
            appliedIndex = StoreKeys.decodeLong(db.get(StoreKeys.APPLIED_INDEX));
            revision = StoreKeys.decodeLong(db.get(StoreKeys.REVISION));
            treeBytes = scanTreeBytes(db);
            dedup = new DedupTable(db, dedupClientsMax);
            history = new ChangeHistory(db, historyBounds, revision);
            authState = AuthCommands.load(db);
        } catch (RocksDBException e) {
            close();
            throw new StoreIoException("opening state at " + dir, e);
        }
    }

    private Path staged() {
        return dir.resolveSibling(dir.getFileName() + ".new");
    }

    private Path old() {
        return dir.resolveSibling(dir.getFileName() + ".old");
    }

    /** See "Snapshots" above: completes or rolls back a restore a crash interrupted. */
    private void finishInterruptedSwap() throws IOException {
        if (!Files.exists(dir) && Files.isDirectory(staged())) {
            log.warn("state at {} was being replaced by a snapshot when the member stopped; finishing", dir);
            Files.move(staged(), dir, StandardCopyOption.ATOMIC_MOVE);
            SnapshotFiles.fsyncDirectory(dir.toAbsolutePath().getParent());
        } else if (!Files.exists(dir) && Files.isDirectory(old())) {
            Files.move(old(), dir, StandardCopyOption.ATOMIC_MOVE);
            SnapshotFiles.fsyncDirectory(dir.toAbsolutePath().getParent());
        }
        SnapshotFiles.deleteRecursively(staged());
        SnapshotFiles.deleteRecursively(old());
    }

    /** A RocksDB checkpoint of the state as of {@link #appliedIndex()}; SST files are hard links. Apply thread. */
    @Override
    public void snapshot(Path snapshotDir) throws IOException {
        try (Checkpoint checkpoint = Checkpoint.create(db)) {
            checkpoint.createCheckpoint(snapshotDir.resolve(SNAPSHOT_DB).toString());
        } catch (RocksDBException e) {
            throw new IOException("checkpoint of " + dir + " into " + snapshotDir + " failed", e);
        }
        SnapshotFiles.fsyncTree(snapshotDir);
    }

    /**
     * A RocksDB checkpoint of the current state into {@code target} (which must not exist), for an online backup
     * (kvctl snapshot save). Any thread: RocksDB checkpoints are point-in-time consistent while writes go on, and
     * each entry's changes and applied index are one WriteBatch, so the checkpoint holds whole entries up to the
     * applied index it records (read it with {@link StateCheckpoints#read}). Holds the read lock so a concurrent
     * snapshot install cannot close RocksDB underneath.
     */
    public void checkpoint(Path target) throws IOException {
        swapLock.readLock().lock();
        try (Checkpoint checkpoint = Checkpoint.create(db)) {
            checkpoint.createCheckpoint(target.toString());
        } catch (RocksDBException e) {
            throw new IOException("checkpoint of " + dir + " into " + target + " failed", e);
        } finally {
            swapLock.readLock().unlock();
        }
    }

    /** Bytes of this state machine's directory on disk; a rough figure (files may change while it is summed). */
    public long diskSizeBytes() {
        return StateCheckpoints.directoryBytes(dir);
    }

    /** Replaces the state with a snapshot's checkpoint by a directory swap (see "Snapshots" above). Apply thread. */
    @Override
    public void restore(Path snapshotDir, long index) throws IOException {
        Path source = snapshotDir.resolve(SNAPSHOT_DB);
        Path staged = staged();
        SnapshotFiles.deleteRecursively(staged);
        Files.createDirectories(staged);
        try (Stream<Path> files = Files.list(source)) {
            for (Path file : files.toList()) {
                Path target = staged.resolve(file.getFileName());
                if (file.getFileName().toString().endsWith(".sst")) {
                    try {
                        Files.createLink(target, file); // immutable: share it with the snapshot
                        continue;
                    } catch (IOException | UnsupportedOperationException e) {
                        // another file system: copy
                    }
                }
                Files.copy(file, target); // MANIFEST, CURRENT, OPTIONS, WAL: RocksDB writes these, so copies
            }
        }
        SnapshotFiles.fsyncTree(staged);
        SnapshotFiles.fsyncDirectory(dir.toAbsolutePath().getParent());
        swapLock.writeLock().lock();
        try {
            db.close();
            Files.move(dir, old(), StandardCopyOption.ATOMIC_MOVE);
            SnapshotFiles.fsyncDirectory(dir.toAbsolutePath().getParent());
            Files.move(staged, dir, StandardCopyOption.ATOMIC_MOVE);
            SnapshotFiles.fsyncDirectory(dir.toAbsolutePath().getParent());
            SnapshotFiles.deleteRecursively(old());
            openDb();
        } finally {
            swapLock.writeLock().unlock();
        }
        if (appliedIndex != index) {
            throw new IllegalStateException("snapshot for index " + index + " holds state applied up to "
                    + appliedIndex);
        }
        log.info("state machine at {} restored from snapshot at index {}, revision {}", dir, index, revision);
        // Watches missed the revisions the snapshot skipped: they catch up from its history (or hear COMPACTED).
        changeListener.reset(revision);
    }

    @Override
    public long appliedIndex() {
        return appliedIndex;
    }

    /**
     * The size of the znode tree in bytes: every znode's stored key and record plus a fixed per-znode overhead
     * ({@code StoreKeys.znodeBytes}). Deterministic (the same on every member at the same applied index, unlike
     * RocksDB's file sizes, which depend on compaction), and it shrinks as soon as a delete is applied. Computed by one
     * scan when the state is opened or restored, then kept up to date by each applied entry. The server's space
     * quota compares it with {@code --quota-backend-bytes}. Any thread.
     */
    public long treeBytes() {
        return treeBytes;
    }

    /** Bytes a new znode at {@code pathBytes} bytes of path with {@code valueBytes} of data adds, at most, roughly. */
    public static long znodeBytesEstimate(long pathBytes, long valueBytes) {
        return 1 + pathBytes + valueBytes + StoreKeys.ZNODE_OVERHEAD_BYTES + 64; // 64: the stat fields' varints
    }

    private static long scanTreeBytes(RocksDB db) {
        long total = 0;
        byte[] first = {'z'};
        try (ReadOptions options = new ReadOptions(); RocksIterator it = db.newIterator(options)) {
            for (it.seek(first); it.isValid() && it.key().length > 0 && it.key()[0] == 'z'; it.next()) {
                total += it.key().length + it.value().length + StoreKeys.ZNODE_OVERHEAD_BYTES;
            }
        }
        return total;
    }

    /** The store revision after the last applied entry: 0 before the first change. */
    public long revision() {
        return revision;
    }

    /**
     * Applies one committed entry.
     *
     * @return {@code null} for a NOOP entry, a valid member publication, or an entry at or below
     *     {@link #appliedIndex()} (already applied); otherwise the command's {@link WriteResult}
     * @throws IllegalStateException when the entry skips indexes
     */
    @Override
    public WriteResult apply(Entry entry) {
        if (entry.index() <= appliedIndex) {
            return null;
        }
        if (entry.index() != appliedIndex + 1) {
            throw new IllegalStateException("entry " + entry.index() + " after applied index " + appliedIndex);
        }
        applyingTreeBytesDelta = 0; // nothing left over from an entry whose write failed
        try (WriteBatch batch = new WriteBatch()) {
            long newRevision = revision;
            long newDedupSize = dedup.size();
            WriteResult result = null;
            if (entry.type() == Entry.Type.COMMAND) {
                Command command = decode(entry.data());
                if (command == null) {
                    log.warn("entry {} does not decode as a command; skipped", entry.index());
                    result = Failure.of(ErrorCode.INVALID_COMMAND, "entry " + entry.index() + " is not a command");
                } else if (command.getOpCase() == Command.OpCase.PUBLISH_MEMBER) {
                    result = publishMember(command, batch, entry.index());
                } else {
                    DedupRecord previous = command.getClientId().isEmpty() ? null : dedup.find(command.getClientId());
                    if (previous != null && command.getSequence() <= previous.getSequence()) {
                        result = replay(command, previous);
                    } else {
                        result = execute(command, batch, entry.index());
                        if (result instanceof WriteResult.Success s) {
                            newRevision = s.revision();
                        }
                        if (!command.getClientId().isEmpty()) {
                            newDedupSize = dedup.record(batch, command.getClientId(), previous, command.getSequence(),
                                    entry.index(), WriteResult.toProto(result, newRevision));
                        }
                    }
                }
            }
            batch.put(StoreKeys.APPLIED_INDEX, StoreKeys.encodeLong(entry.index()));
            batch.put(StoreKeys.REVISION, StoreKeys.encodeLong(newRevision));
            boolean changed = newRevision != revision;
            List<WatchEvent> events = applyingEvents;
            applyingEvents = List.of();
            if (changed) {
                history.writeAndTrim(batch, newRevision, events, clockMillis.getAsLong());
            }
            db.write(writeOptions, batch);
            if (applyingAuth != null) {
                authState = applyingAuth;
                applyingAuth = null;
            }
            treeBytes += applyingTreeBytesDelta;
            applyingTreeBytesDelta = 0;
            dedup.committed(newDedupSize);
            if (changed) {
                history.committed();
            }
            revision = newRevision;
            appliedIndex = entry.index();
            if (changed) {
                changeListener.applied(newRevision, events);
            }
            return result;
        } catch (RocksDBException e) {
            throw new StoreIoException("applying entry " + entry.index(), e);
        }
    }

    /**
     * Reads one znode.
     *
     * @return the znode (or its absence) with the revision of the view it was read from
     */
    public Lookup get(ZPath path) {
        swapLock.readLock().lock();
        try {
            return getLocked(path);
        } finally {
            swapLock.readLock().unlock();
        }
    }

    private Lookup getLocked(ZPath path) {
        RocksDB db = this.db;
        Snapshot snapshot = db.getSnapshot();
        try (ReadOptions read = new ReadOptions().setSnapshot(snapshot)) {
            long at = StoreKeys.decodeLong(db.get(read, StoreKeys.REVISION));
            ZnodeRecord record = PendingTree.read(db, read, StoreKeys.znode(path));
            return new Lookup(at, record == null ? null
                    : new Znode(path, CommandExecutor.stat(record), record.getData()));
        } catch (RocksDBException e) {
            throw new StoreIoException("reading " + path, e);
        } finally {
            db.releaseSnapshot(snapshot);
        }
    }

    /**
     * The children of {@code dir} with their data, in name order, at most {@code max}, all read from one snapshot
     * (the lock and election services decide holders from it). An absent {@code dir} reads as no children. Any
     * thread until {@link #close}.
     *
     * @param revision the store revision of the snapshot
     */
    public record Children(long revision, List<Znode> znodes) {
        public Children {
            znodes = List.copyOf(znodes);
        }
    }

    /** See {@link Children}. */
    public Children readChildren(ZPath dir, int max) {
        swapLock.readLock().lock();
        RocksDB db = this.db;
        Snapshot snapshot = db.getSnapshot();
        try (ReadOptions read = new ReadOptions().setSnapshot(snapshot); RocksIterator it = db.newIterator(read)) {
            long at = StoreKeys.decodeLong(db.get(read, StoreKeys.REVISION));
            byte[] prefix = StoreKeys.childrenPrefix(dir).toByteArray();
            List<Znode> out = new ArrayList<>();
            for (it.seek(prefix); it.isValid() && StoreKeys.startsWith(it.key(), prefix) && out.size() < max;
                    it.next()) {
                byte[] key = it.key();
                ZPath path = dir.child(new String(key, prefix.length, key.length - prefix.length,
                        StandardCharsets.US_ASCII));
                ZnodeRecord record = PendingTree.read(db, read, StoreKeys.znode(path));
                if (record != null) {
                    out.add(new Znode(path, CommandExecutor.stat(record), record.getData()));
                }
            }
            return new Children(at, out);
        } catch (RocksDBException e) {
            throw new StoreIoException("reading children of " + dir, e);
        } finally {
            db.releaseSnapshot(snapshot);
            swapLock.readLock().unlock();
        }
    }

    /**
     * Lists the names of {@code path}'s children in byte order, one page at a time. A page is read from one snapshot;
     * the pages of one listing together equal the children at the first page's revision, which the token carries:
     * if the set of children changed since (the parent's children_revision passed it), the token is answered
     * {@link ErrorCode#PAGE_TOKEN_STALE} instead of a page that would mix two states.
     *
     * @param pageToken empty for the first page, else a previous page's {@link ListPage#nextPageToken()}
     * @param limit names per page, 0 for {@link Limits#LIST_LIMIT_DEFAULT}; at most {@link Limits#LIST_LIMIT_MAX}
     * @return a {@link ListPage}, or a {@link Failure}: NOT_FOUND, INVALID_PAGE_TOKEN or PAGE_TOKEN_STALE
     * @throws IllegalArgumentException when {@code limit} is out of range
     */
    public ListResult list(ZPath path, String pageToken, int limit) {
        if (limit < 0 || limit > Limits.LIST_LIMIT_MAX) {
            throw new IllegalArgumentException("limit must be in [0, " + Limits.LIST_LIMIT_MAX + "]: " + limit);
        }
        int pageMax = limit == 0 ? Limits.LIST_LIMIT_DEFAULT : limit;
        swapLock.readLock().lock();
        try {
            return listLocked(path, pageToken, pageMax);
        } finally {
            swapLock.readLock().unlock();
        }
    }

    private ListResult listLocked(ZPath path, String pageToken, int pageMax) {
        Snapshot snapshot = db.getSnapshot();
        try (ReadOptions read = new ReadOptions().setSnapshot(snapshot)) {
            ZnodeRecord parent = PendingTree.read(db, read, StoreKeys.znode(path));
            if (parent == null) {
                return Failure.of(ErrorCode.NOT_FOUND, path + " does not exist");
            }
            long listingRevision = StoreKeys.decodeLong(db.get(read, StoreKeys.REVISION));
            String after = "";
            if (!pageToken.isEmpty()) {
                ListPageToken token = PageTokens.decode(pageToken);
                if (token == null || !token.getPath().equals(path.value())) {
                    return Failure.of(ErrorCode.INVALID_PAGE_TOKEN, "page token is not one for " + path);
                }
                if (parent.getChildrenRevision() > token.getRevision()) {
                    return Failure.of(ErrorCode.PAGE_TOKEN_STALE, "children of " + path + " changed at revision "
                            + parent.getChildrenRevision() + ", after the listing's revision " + token.getRevision()
                            + ": list again from the first page");
                }
                listingRevision = token.getRevision();
                after = token.getAfter();
            }
            return readPage(read, path, listingRevision, after, pageMax);
        } catch (RocksDBException e) {
            throw new StoreIoException("listing " + path, e);
        } finally {
            db.releaseSnapshot(snapshot);
        }
    }

    private ListPage readPage(ReadOptions read, ZPath path, long listingRevision, String after, int pageMax) {
        byte[] prefix = StoreKeys.childrenPrefix(path).toByteArray();
        List<String> names = new ArrayList<>();
        long pageBytes = 0;
        boolean more = false;
        try (RocksIterator it = db.newIterator(read)) {
            it.seek(after.isEmpty() ? prefix : StoreKeys.childrenPrefix(path).concat(
                    ByteString.copyFromUtf8(after)).toByteArray());
            for (; it.isValid() && StoreKeys.startsWith(it.key(), prefix); it.next()) {
                byte[] key = it.key();
                String name = new String(key, prefix.length, key.length - prefix.length, StandardCharsets.US_ASCII);
                if (name.equals(after)) {
                    continue;
                }
                if (names.size() == pageMax || pageBytes + name.length() > Limits.LIST_PAGE_BYTES_MAX) {
                    more = true;
                    break;
                }
                names.add(name);
                pageBytes += name.length();
            }
        }
        String next = more ? PageTokens.encode(path, listingRevision, names.get(names.size() - 1)) : "";
        return new ListPage(listingRevision, names, next);
    }

    private WriteResult execute(Command command, WriteBatch batch, long index) throws RocksDBException {
        Optional<Failure> invalid = RequestValidator.validate(command);
        if (invalid.isPresent()) {
            return invalid.get();
        }
        if (AuthCommands.handles(command)) {
            AuthCommands.Applied applied = AuthCommands.apply(authState, command, batch, revision);
            applyingAuth = applied.state();
            return applied.result();
        }
        PendingTree tree = new PendingTree(db, applyReadOptions);
        WriteResult result = new CommandExecutor(tree, revision, index, authState).execute(command);
        if (result instanceof WriteResult.Success s) {
            tree.writeTo(batch); // also session state, which changes no revision
            applyingTreeBytesDelta = tree.treeBytesDelta();
            if (s.revision() != revision) {
                applyingEvents = ChangeHistory.events(tree, db, applyReadOptions, s.revision());
            }
        }
        return result;
    }

    /**
     * Stores a member's attributes under their own key: not a znode, no revision, no exactly-once entry (the command
     * is idempotent). Returns {@code null}, or the failure of an invalid command, which every member rejects alike.
     */
    private static WriteResult publishMember(Command command, WriteBatch batch, long index) throws RocksDBException {
        Optional<Failure> invalid = RequestValidator.validate(command);
        if (invalid.isPresent()) {
            log.warn("entry {}: invalid member publication skipped: {}", index, invalid.get().message());
            return invalid.get();
        }
        PublishMember publish = command.getPublishMember();
        batch.put(StoreKeys.member(publish.getMemberId()), publish.toByteArray());
        return null;
    }

    /**
     * The client address member {@code memberId} last published, if any. Reads the latest applied state; callable
     * from any thread until {@link #close}.
     *
     * @throws StoreIoException when RocksDB fails or the stored record does not decode
     */
    public Optional<String> clientAddressOf(String memberId) {
        swapLock.readLock().lock();
        try {
            byte[] bytes = db.get(StoreKeys.member(memberId));
            return bytes == null ? Optional.empty() : Optional.of(PublishMember.parseFrom(bytes).getClientAddress());
        } catch (RocksDBException e) {
            throw new StoreIoException("reading attributes of member " + memberId, e);
        } catch (InvalidProtocolBufferException e) {
            throw new StoreIoException("corrupt attributes of member " + memberId, e);
        } finally {
            swapLock.readLock().unlock();
        }
    }

    /**
     * The auth state (users, roles, grants, enabled flag) as of the last applied entry; see {@link AuthCommands}.
     * Any thread; the returned value is immutable.
     */
    public io.kvstore.auth.AuthState authState() {
        return authState;
    }

    /**
     * A live session as applied on this member.
     *
     * @param id the raft index of its open
     * @param ttlMillis its TTL
     * @param ephemeralCount ephemeral znodes it owns
     * @param checkpointMillis the last checkpointed remaining time (CheckpointSessions), or -1 when never checkpointed
     */
    public record LiveSession(long id, long ttlMillis, long ephemeralCount, long checkpointMillis) {
    }

    /**
     * A TTL znode as applied on this member.
     *
     * @param modRevision the revision of its last write: an expiry names it, and a later write cancels the expiry
     */
    public record TtlZnodeState(ZPath path, long modRevision, long ttlMillis, long numChildren) {
    }

    /** Session {@code id} if it is live in the latest applied state. Any thread until {@link #close}. */
    public Optional<LiveSession> session(long id) {
        return sessionRecord(id).map(r -> new LiveSession(id, r.getTtlMillis(), r.getEphemeralCount(),
                r.hasRemainingMillis() ? r.getRemainingMillis() : -1));
    }

    /**
     * The user who opened live session {@code id} ("" when it was opened while auth was off); empty when the session
     * is not live in the latest applied state. Any thread until {@link #close}.
     */
    public Optional<String> sessionOwner(long id) {
        return sessionRecord(id).map(SessionRecord::getOwner);
    }

    private Optional<SessionRecord> sessionRecord(long id) {
        swapLock.readLock().lock();
        try {
            byte[] bytes = db.get(StoreKeys.session(id).toByteArray());
            return bytes == null ? Optional.empty() : Optional.of(SessionRecord.parseFrom(bytes));
        } catch (RocksDBException e) {
            throw new StoreIoException("reading session " + id, e);
        } catch (InvalidProtocolBufferException e) {
            throw new StoreIoException("corrupt session " + id, e);
        } finally {
            swapLock.readLock().unlock();
        }
    }

    /** Every live session in id order, read from one snapshot. Any thread until {@link #close}. */
    public List<LiveSession> sessions() {
        List<LiveSession> out = new ArrayList<>();
        swapLock.readLock().lock();
        try (RocksIterator it = db.newIterator()) {
            for (it.seek(StoreKeys.SESSION_PREFIX); it.isValid()
                    && StoreKeys.startsWith(it.key(), StoreKeys.SESSION_PREFIX); it.next()) {
                long id = java.nio.ByteBuffer.wrap(it.key(), StoreKeys.SESSION_PREFIX.length, 8).getLong();
                SessionRecord r = SessionRecord.parseFrom(it.value());
                out.add(new LiveSession(id, r.getTtlMillis(), r.getEphemeralCount(),
                    r.hasRemainingMillis() ? r.getRemainingMillis() : -1));
            }
        } catch (InvalidProtocolBufferException e) {
            throw new StoreIoException("corrupt session record", e);
        } finally {
            swapLock.readLock().unlock();
        }
        return out;
    }

    /** Every TTL znode in path order, read from one snapshot. Any thread until {@link #close}. */
    public List<TtlZnodeState> ttlZnodes() {
        List<TtlZnodeState> out = new ArrayList<>();
        swapLock.readLock().lock();
        try (RocksIterator it = db.newIterator(); ReadOptions read = new ReadOptions()) {
            for (it.seek(StoreKeys.TTL_PREFIX); it.isValid()
                    && StoreKeys.startsWith(it.key(), StoreKeys.TTL_PREFIX); it.next()) {
                byte[] key = it.key();
                ZPath path = ZPath.parse(new String(key, StoreKeys.TTL_PREFIX.length,
                        key.length - StoreKeys.TTL_PREFIX.length, StandardCharsets.US_ASCII));
                ZnodeRecord r = PendingTree.read(db, read, StoreKeys.znode(path));
                if (r != null) {
                    out.add(new TtlZnodeState(path, r.getModRevision(), r.getTtlMillis(), r.getNumChildren()));
                }
            }
        } finally {
            swapLock.readLock().unlock();
        }
        return out;
    }

    private static WriteResult replay(Command command, DedupRecord previous) {
        if (command.getSequence() == previous.getSequence()) {
            return WriteResult.fromProto(previous.getResult());
        }
        return Failure.of(ErrorCode.STALE_SEQUENCE, "sequence " + command.getSequence() + " of client "
                + command.getClientId() + " is below the last applied " + previous.getSequence()
                + "; its result is no longer kept");
    }

    private static Command decode(ByteString data) {
        try {
            return Command.parseFrom(data);
        } catch (InvalidProtocolBufferException e) {
            return null;
        }
    }

    /**
     * Sets who is told of each applied change (on the apply thread, after it is stored). Set it before the raft node
     * starts applying; replaces the previous listener.
     */
    public void setChangeListener(ChangeListener listener) {
        changeListener = java.util.Objects.requireNonNull(listener, "listener");
    }

    /**
     * The watch history of revisions {@code [from, to]}, read from one snapshot, bounded by {@code recordsMax}
     * records and about {@code bytesMax} bytes; or {@link ChangeHistory.Compacted} when {@code from} is older than
     * the history. Any thread.
     */
    public HistoryRead readHistory(long from, long to, int recordsMax, long bytesMax) {
        ChangeHistory.Read read;
        swapLock.readLock().lock();
        try {
            read = ChangeHistory.read(db, from, to, recordsMax, bytesMax);
        } finally {
            swapLock.readLock().unlock();
        }
        if (read instanceof ChangeHistory.Compacted c) {
            return new HistoryRead(List.of(), to, c.oldestRevision());
        }
        ChangeHistory.Records r = (ChangeHistory.Records) read;
        return new HistoryRead(r.records(), r.throughRevision(), 0);
    }

    /** Closes RocksDB. Call once, after {@link #apply} and reads have stopped. */
    @Override
    public void close() {
        if (db != null) {
            db.close();
        }
        applyReadOptions.close();
        writeOptions.close();
        options.close();
    }
}
