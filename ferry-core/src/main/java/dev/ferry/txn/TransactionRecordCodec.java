package dev.ferry.txn;

import java.io.ByteArrayOutputStream;
import java.io.DataOutputStream;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.ByteBuffer;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;
import java.util.TreeSet;

import dev.ferry.group.GroupCommand.OffsetToCommit;
import dev.ferry.group.PartitionRef;
import dev.ferry.log.StateLog;

/**
 * How a {@link TransactionMetadata} is stored in the transaction log. Big-endian; strings are a
 * 2-byte length then UTF-8 (the key's transactional id is the key's remaining bytes).
 *
 * <pre>
 * key:   byte   kind = 1 (transaction)
 *        bytes  transactional id (UTF-8, to the end of the key)
 * value: byte   version = 1
 *        long   producer id
 *        short  producer epoch
 *        int    timeout ms
 *        byte   state (TransactionState ordinal)
 *        long   start time ms (-1: no transaction)
 *        long   update time ms
 *        int    partition count, then per partition: string topic, int partition
 *        int    group count, then per group: string group id, int offset count,
 *               then per offset: string topic, int partition, long offset, int leader epoch, string metadata
 * </pre>
 */
final class TransactionRecordCodec implements StateLog.Codec<TransactionMetadata> {
    static final TransactionRecordCodec INSTANCE = new TransactionRecordCodec();
    private static final byte KIND_TRANSACTION = 1;
    private static final byte VALUE_VERSION = 1;

    private TransactionRecordCodec() {
    }

    @Override
    public byte[] key(TransactionMetadata record) {
        byte[] id = record.transactionalId().getBytes(StandardCharsets.UTF_8);
        byte[] key = new byte[1 + id.length];
        key[0] = KIND_TRANSACTION;
        System.arraycopy(id, 0, key, 1, id.length);
        return key;
    }

    @Override
    public byte[] value(TransactionMetadata record) {
        ByteArrayOutputStream bytes = new ByteArrayOutputStream(128);
        try (DataOutputStream out = new DataOutputStream(bytes)) {
            out.writeByte(VALUE_VERSION);
            out.writeLong(record.producerId());
            out.writeShort(record.producerEpoch());
            out.writeInt(record.timeoutMs());
            out.writeByte(record.state().ordinal());
            out.writeLong(record.startTimeMs());
            out.writeLong(record.updateTimeMs());
            out.writeInt(record.partitions().size());
            for (PartitionRef partition : record.partitions()) {
                writeString(out, partition.topic());
                out.writeInt(partition.partition());
            }
            out.writeInt(record.pendingOffsets().size());
            for (Map.Entry<String, List<OffsetToCommit>> group : record.pendingOffsets().entrySet()) {
                writeString(out, group.getKey());
                out.writeInt(group.getValue().size());
                for (OffsetToCommit offset : group.getValue()) {
                    writeString(out, offset.partition().topic());
                    out.writeInt(offset.partition().partition());
                    out.writeLong(offset.offset());
                    out.writeInt(offset.leaderEpoch());
                    writeString(out, offset.metadata() == null ? "" : offset.metadata());
                }
            }
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
        return bytes.toByteArray();
    }

    @Override
    public TransactionMetadata decode(ByteBuffer key, ByteBuffer value) {
        if (key == null || key.remaining() < 1 || key.get(key.position()) != KIND_TRANSACTION) {
            throw new IllegalArgumentException("not a transaction record key");
        }
        byte[] id = new byte[key.remaining() - 1];
        key.duplicate().position(key.position() + 1).get(id);
        String transactionalId = new String(id, StandardCharsets.UTF_8);
        if (value == null) {
            throw new IllegalArgumentException("transaction " + transactionalId + ": no value");
        }
        ByteBuffer in = value.duplicate();
        byte version = in.get();
        if (version != VALUE_VERSION) {
            throw new IllegalArgumentException("transaction " + transactionalId + ": value version " + version);
        }
        long producerId = in.getLong();
        short epoch = in.getShort();
        int timeoutMs = in.getInt();
        int stateIndex = in.get();
        if (stateIndex < 0 || stateIndex >= TransactionState.values().length) {
            throw new IllegalArgumentException("transaction " + transactionalId + ": state " + stateIndex);
        }
        long startMs = in.getLong();
        long updateMs = in.getLong();
        TreeSet<PartitionRef> partitions = new TreeSet<>();
        for (int i = count(in); i > 0; i--) {
            partitions.add(new PartitionRef(readString(in), in.getInt()));
        }
        Map<String, List<OffsetToCommit>> offsets = new TreeMap<>();
        for (int i = count(in); i > 0; i--) {
            String group = readString(in);
            List<OffsetToCommit> list = new ArrayList<>();
            for (int j = count(in); j > 0; j--) {
                PartitionRef partition = new PartitionRef(readString(in), in.getInt());
                list.add(new OffsetToCommit(partition, in.getLong(), in.getInt(), readString(in)));
            }
            offsets.put(group, list);
        }
        return new TransactionMetadata(transactionalId, producerId, epoch, timeoutMs,
                TransactionState.values()[stateIndex], partitions, offsets, startMs, updateMs);
    }

    private static int count(ByteBuffer in) {
        int count = in.getInt();
        if (count < 0 || count > in.remaining()) {
            throw new IllegalArgumentException("count " + count + " with " + in.remaining() + " bytes left");
        }
        return count;
    }

    private static void writeString(DataOutputStream out, String value) throws IOException {
        byte[] bytes = value.getBytes(StandardCharsets.UTF_8);
        if (bytes.length > 0xFFFF) {
            throw new IllegalArgumentException("a string of " + bytes.length + " bytes is too long to store");
        }
        out.writeShort(bytes.length);
        out.write(bytes);
    }

    private static String readString(ByteBuffer in) {
        int length = Short.toUnsignedInt(in.getShort());
        byte[] bytes = new byte[length];
        in.get(bytes);
        return new String(bytes, StandardCharsets.UTF_8);
    }
}
