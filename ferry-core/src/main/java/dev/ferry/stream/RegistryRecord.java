package dev.ferry.stream;

import java.io.ByteArrayInputStream;
import java.io.ByteArrayOutputStream;
import java.io.DataInputStream;
import java.io.DataOutputStream;
import java.io.IOException;
import java.util.Map;
import java.util.TreeMap;
import java.util.UUID;

/**
 * One change to the durable topic definitions, as the {@link TopicRegistry}'s log stores it: one
 * record per change, in a RecordBatch of its own (its own CRC). Replaying the records in order
 * gives the topics that stand and the producer ids already handed out.
 *
 * <p>Encoding of a record's value (big-endian, strings as {@link DataOutputStream#writeUTF}):
 * <pre>
 *   byte    format version (1)
 *   byte    kind: 1 TopicCreated, 2 TopicDeleted, 3 PartitionsAdded, 4 ConfigsChanged, 5 ProducerIdsReserved
 *   TopicCreated:        uuid id (2 longs), utf name, int partitions, configs
 *   TopicDeleted:        uuid id, utf name
 *   PartitionsAdded:     uuid id, int partitions (the new total)
 *   ConfigsChanged:      uuid id, configs (the whole new set of overrides)
 *   ProducerIdsReserved: long upTo (ids below it may have been handed out)
 *   configs:             int count, then count pairs of utf name, utf value
 * </pre>
 * A newer version or an unknown kind is refused (the broker does not start rather than forget a
 * topic it cannot read).
 */
sealed interface RegistryRecord {
    byte VERSION = 1;

    record TopicCreated(UUID id, String name, int partitions, Map<String, String> configs) implements RegistryRecord {
    }

    record TopicDeleted(UUID id, String name) implements RegistryRecord {
    }

    record PartitionsAdded(UUID id, int partitions) implements RegistryRecord {
    }

    record ConfigsChanged(UUID id, Map<String, String> configs) implements RegistryRecord {
    }

    record ProducerIdsReserved(long upTo) implements RegistryRecord {
    }

    static byte[] encode(RegistryRecord record) {
        ByteArrayOutputStream bytes = new ByteArrayOutputStream(64);
        try (DataOutputStream out = new DataOutputStream(bytes)) {
            out.writeByte(VERSION);
            if (record instanceof TopicCreated created) {
                out.writeByte(1);
                writeUuid(out, created.id());
                out.writeUTF(created.name());
                out.writeInt(created.partitions());
                writeConfigs(out, created.configs());
            } else if (record instanceof TopicDeleted deleted) {
                out.writeByte(2);
                writeUuid(out, deleted.id());
                out.writeUTF(deleted.name());
            } else if (record instanceof PartitionsAdded added) {
                out.writeByte(3);
                writeUuid(out, added.id());
                out.writeInt(added.partitions());
            } else if (record instanceof ConfigsChanged changed) {
                out.writeByte(4);
                writeUuid(out, changed.id());
                writeConfigs(out, changed.configs());
            } else if (record instanceof ProducerIdsReserved reserved) {
                out.writeByte(5);
                out.writeLong(reserved.upTo());
            } else {
                throw new IllegalArgumentException("unknown registry record " + record);
            }
        } catch (IOException e) {
            throw new IllegalStateException("writing to memory failed", e);
        }
        return bytes.toByteArray();
    }

    static RegistryRecord decode(byte[] value) throws IOException {
        DataInputStream in = new DataInputStream(new ByteArrayInputStream(value));
        byte version = in.readByte();
        if (version != VERSION) {
            throw new IOException("registry record of format version " + version + "; this Ferry reads " + VERSION);
        }
        byte kind = in.readByte();
        return switch (kind) {
            case 1 -> new TopicCreated(readUuid(in), in.readUTF(), in.readInt(), readConfigs(in));
            case 2 -> new TopicDeleted(readUuid(in), in.readUTF());
            case 3 -> new PartitionsAdded(readUuid(in), in.readInt());
            case 4 -> new ConfigsChanged(readUuid(in), readConfigs(in));
            case 5 -> new ProducerIdsReserved(in.readLong());
            default -> throw new IOException("unknown registry record kind " + kind);
        };
    }

    private static void writeUuid(DataOutputStream out, UUID id) throws IOException {
        out.writeLong(id.getMostSignificantBits());
        out.writeLong(id.getLeastSignificantBits());
    }

    private static UUID readUuid(DataInputStream in) throws IOException {
        return new UUID(in.readLong(), in.readLong());
    }

    private static void writeConfigs(DataOutputStream out, Map<String, String> configs) throws IOException {
        out.writeInt(configs.size());
        for (Map.Entry<String, String> entry : new TreeMap<>(configs).entrySet()) {
            out.writeUTF(entry.getKey());
            out.writeUTF(entry.getValue());
        }
    }

    private static Map<String, String> readConfigs(DataInputStream in) throws IOException {
        int count = in.readInt();
        if (count < 0 || count > 10_000) {
            throw new IOException("config count " + count);
        }
        Map<String, String> configs = new TreeMap<>();
        for (int i = 0; i < count; i++) {
            configs.put(in.readUTF(), in.readUTF());
        }
        return configs;
    }
}
