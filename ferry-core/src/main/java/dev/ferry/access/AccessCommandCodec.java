package dev.ferry.access;

import java.io.ByteArrayInputStream;
import java.io.ByteArrayOutputStream;
import java.io.DataInputStream;
import java.io.DataOutputStream;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;

import dev.ferry.access.AccessCommand.AddVirtualHost;
import dev.ferry.access.AccessCommand.ClearPermission;
import dev.ferry.access.AccessCommand.ClearPolicy;
import dev.ferry.access.AccessCommand.SetPolicy;
import dev.ferry.policy.Policy;
import dev.ferry.policy.PolicyKind;
import dev.ferry.policy.PolicyValidationException;
import dev.ferry.access.AccessCommand.CreateAcls;
import dev.ferry.access.AccessCommand.DeleteAcls;
import dev.ferry.access.AccessCommand.ClearTopicPermission;
import dev.ferry.access.AccessCommand.DeleteUser;
import dev.ferry.access.AccessCommand.DeleteVirtualHost;
import dev.ferry.access.AccessCommand.PutUser;
import dev.ferry.access.AccessCommand.SetClusterName;
import dev.ferry.access.AccessCommand.SetPermission;
import dev.ferry.access.AccessCommand.SetTopicPermission;
import dev.ferry.access.AccessCommand.SetUserLimits;
import dev.ferry.access.AccessCommand.SetVirtualHostLimits;

/**
 * The bytes of one {@link AccessCommand} in the access log: a kind byte, then the command's fields
 * in order. A string is a 4-byte length and UTF-8; bytes are a 4-byte length (-1 for absent) and
 * the bytes; a set is a 4-byte count and its strings; a number is 4 bytes, big-endian.
 *
 * <pre>
 * kind 1 PutUser          name, tags(set), scramSalt(bytes), scramIterations(int), storedKey(bytes),
 *                         serverKey(bytes), rabbitSha256(bytes)[, scram512Salt(bytes), scram512Iterations(int),
 *                         scram512StoredKey(bytes), scram512ServerKey(bytes)] (the last four absent in
 *                         records written before SCRAM-SHA-512 was kept; absent salt = no credential)
 * kind 2 DeleteUser       name
 * kind 3 AddVirtualHost   name
 * kind 4 DeleteVirtualHost name
 * kind 5 SetPermission    user, vhost, configure, write, read
 * kind 6 ClearPermission  user, vhost
 * kind 7 SetTopicPermission user, vhost, exchange, write, read
 * kind 8 ClearTopicPermission user, vhost, exchange(bytes; -1 = every exchange)
 * kind 9 SetUserLimits    user, maxConnections, maxChannels
 * kind 10 SetVirtualHostLimits vhost, maxConnections, maxQueues
 * kind 11 CreateAcls       count(int), then per binding: resourceType, resourceName, patternType,
 *                         principal, host, operation, permission (the enums by their names)
 * kind 12 DeleteAcls       as kind 11
 * kind 13 SetPolicy        kind(USER|OPERATOR), vhost, name, pattern, applyTo, priority(int64), definition(value)
 * kind 14 ClearPolicy      kind, vhost, name
 * kind 15 SetClusterName   name
 * value: tag byte, then 0 null | 1 string | 2 int64 | 3 float64 | 4 boolean(byte) |
 *        5 list: count(int), values | 6 map: count(int), (string key, value)*
 * </pre>
 * Kinds are only ever added: a log written before ACLs existed reads as it did.
 * <pre>
 * </pre>
 */
final class AccessCommandCodec {
    private static final int MAX_FIELD_BYTES = 1 << 20;

    private AccessCommandCodec() {
    }

    static byte[] encode(AccessCommand command) {
        ByteArrayOutputStream bytes = new ByteArrayOutputStream();
        try (DataOutputStream out = new DataOutputStream(bytes)) {
            if (command instanceof PutUser c) {
                out.writeByte(1);
                string(out, c.name());
                out.writeInt(c.tags().size());
                for (String tag : c.tags()) {
                    string(out, tag);
                }
                PasswordHash h = c.hash();
                bytes(out, h.scramSaltBytes());
                out.writeInt(h.scramIterations());
                bytes(out, h.storedKeyBytes());
                bytes(out, h.serverKeyBytes());
                bytes(out, h.rabbitSha256Bytes());
                PasswordHash.ScramCredential sha512 = h.scramSha512Stored();
                bytes(out, sha512 == null ? null : sha512.salt());
                out.writeInt(sha512 == null ? 0 : sha512.iterations());
                bytes(out, sha512 == null ? null : sha512.storedKey());
                bytes(out, sha512 == null ? null : sha512.serverKey());
            } else if (command instanceof DeleteUser c) {
                out.writeByte(2);
                string(out, c.name());
            } else if (command instanceof AddVirtualHost c) {
                out.writeByte(3);
                string(out, c.name());
            } else if (command instanceof DeleteVirtualHost c) {
                out.writeByte(4);
                string(out, c.name());
            } else if (command instanceof SetPermission c) {
                Permission p = c.permission();
                out.writeByte(5);
                strings(out, p.user(), p.virtualHost(), p.configure(), p.write(), p.read());
            } else if (command instanceof ClearPermission c) {
                out.writeByte(6);
                strings(out, c.user(), c.virtualHost());
            } else if (command instanceof SetTopicPermission c) {
                TopicPermission p = c.permission();
                out.writeByte(7);
                strings(out, p.user(), p.virtualHost(), p.exchange(), p.write(), p.read());
            } else if (command instanceof ClearTopicPermission c) {
                out.writeByte(8);
                strings(out, c.user(), c.virtualHost());
                bytes(out, c.exchange() == null ? null : c.exchange().getBytes(StandardCharsets.UTF_8));
            } else if (command instanceof SetUserLimits c) {
                out.writeByte(9);
                string(out, c.user());
                out.writeInt(c.limits().maxConnections());
                out.writeInt(c.limits().maxChannels());
            } else if (command instanceof SetVirtualHostLimits c) {
                out.writeByte(10);
                string(out, c.virtualHost());
                out.writeInt(c.limits().maxConnections());
                out.writeInt(c.limits().maxQueues());
            } else if (command instanceof CreateAcls c) {
                out.writeByte(11);
                acls(out, c.bindings());
            } else if (command instanceof DeleteAcls c) {
                out.writeByte(12);
                acls(out, c.bindings());
            } else if (command instanceof SetPolicy c) {
                Policy p = c.policy();
                out.writeByte(13);
                strings(out, p.kind().name(), p.virtualHost(), p.name(), p.pattern(), p.target().wireName());
                out.writeLong(p.priority());
                value(out, p.definition());
            } else if (command instanceof ClearPolicy c) {
                out.writeByte(14);
                strings(out, c.kind().name(), c.virtualHost(), c.name());
            } else if (command instanceof SetClusterName c) {
                out.writeByte(15);
                string(out, c.name());
            } else {
                throw new IllegalArgumentException("unknown command " + command);
            }
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
        return bytes.toByteArray();
    }

    /** @throws IllegalArgumentException if the bytes are not one command */
    static AccessCommand decode(byte[] payload) {
        DataInputStream in = new DataInputStream(new ByteArrayInputStream(payload));
        try {
            int kind = in.readUnsignedByte();
            AccessCommand command = switch (kind) {
                case 1 -> {
                    String name = string(in);
                    int count = in.readInt();
                    if (count < 0 || count > 1024) {
                        throw new IllegalArgumentException("tag count " + count);
                    }
                    Set<String> tags = new LinkedHashSet<>();
                    for (int i = 0; i < count; i++) {
                        tags.add(string(in));
                    }
                    byte[] salt = bytes(in);
                    int iterations = in.readInt();
                    byte[] storedKey = bytes(in);
                    byte[] serverKey = bytes(in);
                    byte[] rabbit = bytes(in);
                    PasswordHash.ScramCredential sha512 = null;
                    if (in.available() > 0) {
                        byte[] salt512 = bytes(in);
                        int iterations512 = in.readInt();
                        byte[] storedKey512 = bytes(in);
                        byte[] serverKey512 = bytes(in);
                        if (salt512 != null) {
                            if (storedKey512 == null || serverKey512 == null) {
                                throw new IllegalArgumentException("SCRAM-SHA-512 credentials are incomplete");
                            }
                            sha512 = new PasswordHash.ScramCredential(salt512, iterations512, storedKey512, serverKey512);
                        }
                    }
                    PasswordHash hash = PasswordHash.stored(salt, iterations, storedKey, serverKey, rabbit, sha512);
                    yield new PutUser(name, hash, tags);
                }
                case 2 -> new DeleteUser(string(in));
                case 3 -> new AddVirtualHost(string(in));
                case 4 -> new DeleteVirtualHost(string(in));
                case 5 -> new SetPermission(new Permission(string(in), string(in), string(in), string(in), string(in)));
                case 6 -> new ClearPermission(string(in), string(in));
                case 7 -> new SetTopicPermission(new TopicPermission(string(in), string(in), string(in), string(in),
                        string(in)));
                case 8 -> {
                    String user = string(in);
                    String vhost = string(in);
                    byte[] exchange = bytes(in);
                    yield new ClearTopicPermission(user, vhost,
                            exchange == null ? null : new String(exchange, StandardCharsets.UTF_8));
                }
                case 9 -> new SetUserLimits(string(in), new UserLimits(in.readInt(), in.readInt()));
                case 10 -> new SetVirtualHostLimits(string(in), new VirtualHostLimits(in.readInt(), in.readInt()));
                case 11 -> new CreateAcls(acls(in));
                case 12 -> new DeleteAcls(acls(in));
                case 13 -> {
                    PolicyKind policyKind = PolicyKind.valueOf(string(in));
                    String vhost = string(in);
                    String name = string(in);
                    String pattern = string(in);
                    String target = string(in);
                    long priority = in.readLong();
                    if (!(value(in, 0) instanceof Map<?, ?> definition)) {
                        throw new IllegalArgumentException("a policy definition that is not a map");
                    }
                    try {
                        @SuppressWarnings("unchecked")
                        Map<String, Object> keys = (Map<String, Object>) definition;
                        yield new SetPolicy(Policy.create(policyKind, vhost, name, pattern, target, priority, keys));
                    } catch (PolicyValidationException e) {
                        throw new IllegalArgumentException("stored policy " + name + " no longer validates: "
                                + e.getMessage());
                    }
                }
                case 14 -> new ClearPolicy(PolicyKind.valueOf(string(in)), string(in), string(in));
                case 15 -> new SetClusterName(string(in));
                default -> throw new IllegalArgumentException("unknown access command kind " + kind);
            };
            if (in.available() != 0) {
                throw new IllegalArgumentException(in.available() + " bytes after the command");
            }
            return command;
        } catch (IOException e) {
            throw new IllegalArgumentException("truncated access command", e);
        }
    }

    private static void acls(DataOutputStream out, List<AclBinding> bindings) throws IOException {
        out.writeInt(bindings.size());
        for (AclBinding b : bindings) {
            strings(out, b.resourceType().name(), b.resourceName(), b.patternType().name(), b.principal(), b.host(),
                    b.operation().name(), b.permission().name());
        }
    }

    private static List<AclBinding> acls(DataInputStream in) throws IOException {
        int count = in.readInt();
        if (count < 0 || count > in.available()) {
            throw new IllegalArgumentException("ACL count " + count);
        }
        List<AclBinding> bindings = new ArrayList<>(count);
        for (int i = 0; i < count; i++) {
            bindings.add(new AclBinding(AclBinding.ResourceType.valueOf(string(in)), string(in),
                    AclBinding.PatternType.valueOf(string(in)), string(in), string(in),
                    AclBinding.Operation.valueOf(string(in)), AclBinding.AclPermission.valueOf(string(in))));
        }
        return bindings;
    }

    private static void value(DataOutputStream out, Object value) throws IOException {
        if (value == null) {
            out.writeByte(0);
        } else if (value instanceof String text) {
            out.writeByte(1);
            string(out, text);
        } else if (value instanceof Long number) {
            out.writeByte(2);
            out.writeLong(number);
        } else if (value instanceof Double number) {
            out.writeByte(3);
            out.writeDouble(number);
        } else if (value instanceof Boolean flag) {
            out.writeByte(4);
            out.writeBoolean(flag);
        } else if (value instanceof List<?> list) {
            out.writeByte(5);
            out.writeInt(list.size());
            for (Object item : list) {
                value(out, item);
            }
        } else if (value instanceof Map<?, ?> map) {
            out.writeByte(6);
            out.writeInt(map.size());
            for (Map.Entry<?, ?> entry : map.entrySet()) {
                string(out, String.valueOf(entry.getKey()));
                value(out, entry.getValue());
            }
        } else {
            throw new IllegalArgumentException("a policy value of type " + value.getClass().getName());
        }
    }

    private static Object value(DataInputStream in, int depth) throws IOException {
        if (depth > 32) {
            throw new IllegalArgumentException("policy value nested too deep");
        }
        int tag = in.readUnsignedByte();
        switch (tag) {
            case 0: return null;
            case 1: return string(in);
            case 2: return in.readLong();
            case 3: return in.readDouble();
            case 4: return in.readBoolean();
            case 5: {
                int count = in.readInt();
                if (count < 0 || count > in.available()) {
                    throw new IllegalArgumentException("list count " + count);
                }
                List<Object> list = new ArrayList<>(count);
                for (int i = 0; i < count; i++) {
                    list.add(value(in, depth + 1));
                }
                return list;
            }
            case 6: {
                int count = in.readInt();
                if (count < 0 || count > in.available()) {
                    throw new IllegalArgumentException("map count " + count);
                }
                Map<String, Object> map = new LinkedHashMap<>();
                for (int i = 0; i < count; i++) {
                    map.put(string(in), value(in, depth + 1));
                }
                return map;
            }
            default: throw new IllegalArgumentException("unknown value tag " + tag);
        }
    }

    private static void strings(DataOutputStream out, String... values) throws IOException {
        for (String value : values) {
            string(out, value);
        }
    }

    private static void string(DataOutputStream out, String value) throws IOException {
        bytes(out, value.getBytes(StandardCharsets.UTF_8));
    }

    private static void bytes(DataOutputStream out, byte[] value) throws IOException {
        if (value == null) {
            out.writeInt(-1);
            return;
        }
        out.writeInt(value.length);
        out.write(value);
    }

    private static String string(DataInputStream in) throws IOException {
        byte[] bytes = bytes(in);
        if (bytes == null) {
            throw new IllegalArgumentException("absent string");
        }
        return new String(bytes, StandardCharsets.UTF_8);
    }

    private static byte[] bytes(DataInputStream in) throws IOException {
        int length = in.readInt();
        if (length == -1) {
            return null;
        }
        if (length < 0 || length > MAX_FIELD_BYTES || length > in.available()) {
            throw new IllegalArgumentException("field length " + length);
        }
        return in.readNBytes(length);
    }
}
