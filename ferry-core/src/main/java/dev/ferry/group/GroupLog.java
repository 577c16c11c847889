package dev.ferry.group;

import java.nio.ByteBuffer;
import java.nio.file.Path;
import java.util.List;
import java.util.concurrent.CompletableFuture;

import dev.ferry.log.FileHandleCache;
import dev.ferry.log.FsyncPolicy;
import dev.ferry.log.LogConfig;
import dev.ferry.log.LogFlusher;
import dev.ferry.log.StateLog;

/**
 * The durable side of consumer groups: committed offsets and each group's last completed
 * generation, as {@link GroupRecord}s in a {@link StateLog} of their own ({@code data/groups/}, fsync
 * {@link FsyncPolicy#ALWAYS}), keyed as {@link GroupRecordCodec} describes. Start, compaction and
 * damage are the state log's: a lost offset commit means the group reads some records again, never
 * that it skips any.
 *
 * <p>Thread safety: one owner at a time; while the broker runs, the {@link GroupCoordinator}'s thread.
 */
public final class GroupLog implements AutoCloseable {
    private static final StateLog.Codec<GroupRecord> CODEC = new StateLog.Codec<>() {
        @Override
        public byte[] key(GroupRecord record) {
            return GroupRecordCodec.encode(record).key();
        }

        @Override
        public byte[] value(GroupRecord record) {
            return GroupRecordCodec.encode(record).value();
        }

        @Override
        public GroupRecord decode(ByteBuffer key, ByteBuffer value) {
            return GroupRecordCodec.decode(key, value);
        }
    };

    private final StateLog<GroupRecord> log;

    private GroupLog(StateLog<GroupRecord> log) {
        this.log = log;
    }

    /**
     * Opens (creating if needed) the groups' log in {@code directory} and reads it back.
     *
     * @param flusher the broker's shared flusher, or null for a private one
     */
    public static GroupLog open(Path directory, LogFlusher flusher, FileHandleCache files) {
        return new GroupLog(StateLog.open("Groups log", CODEC, directory, flusher, files));
    }

    static LogConfig config() {
        return StateLog.config();
    }

    /** The records read at open, in log order. */
    public List<GroupRecord> recovered() {
        return log.recovered();
    }

    /** Appends the records of one command as one batch; completes after the fsync that covers them. */
    public CompletableFuture<Void> append(List<GroupRecord> records) {
        return log.append(records);
    }

    /** Rewrites the log as exactly {@code standing} when it holds more records than that (at start). */
    public void compact(List<GroupRecord> standing) {
        log.compact(standing);
    }

    long recordsInLog() {
        return log.recordsInLog();
    }

    @Override
    public void close() {
        log.close();
    }
}
