package dev.ferry.access;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.io.IOException;
import java.net.InetSocketAddress;
import java.nio.ByteBuffer;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.security.MessageDigest;
import java.util.ArrayList;
import java.util.Base64;
import java.util.List;
import java.util.Random;
import java.util.Set;
import java.util.concurrent.CompletionException;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import dev.ferry.broker.Broker;
import dev.ferry.error.BrokerException;
import dev.ferry.error.ErrorCode;

class AccessControlTest {
    private static final InetSocketAddress LOOPBACK = new InetSocketAddress("127.0.0.1", 40000);
    private static final InetSocketAddress REMOTE = new InetSocketAddress("192.0.2.7", 40000);

    @TempDir
    Path dir;

    @Test
    void shouldStartWithRabbitMqDefaultsWhenNothingIsStored() {
        try (AccessControl access = AccessControl.open(dir, null, Set.of("guest"))) {
            User guest = access.authenticate("guest", "guest", LOOPBACK).orElseThrow();
            assertThat(guest.hasTag(User.ADMINISTRATOR)).isTrue();
            assertThat(access.authenticate("guest", "guest", REMOTE)).isEmpty();
            assertThat(access.authenticate("guest", "wrong", LOOPBACK)).isEmpty();
            assertThat(access.mayOpen(guest, "/")).isTrue();
            assertThat(access.mayConfigure(guest, "/", "anything")).isTrue();
        }
    }

    @Test
    void shouldKeepChangesAcrossReopen() {
        try (AccessControl access = AccessControl.open(dir, null, Set.of("guest"))) {
            access.addVirtualHost("orders");
            access.putUser("alice", PasswordHash.of("s3cret"), Set.of("monitoring"));
            access.setPermissions(new Permission("alice", "orders", "^alice-", "", ".*"));
            access.setTopicPermissions(new TopicPermission("alice", "orders", "amq.topic", "^{username}\\.", ""));
            access.setUserLimits("alice", new UserLimits(2, 10));
            access.deleteUser("guest").join();
        }
        try (AccessControl access = AccessControl.open(dir, null, Set.of("guest"))) {
            assertThat(access.user("guest")).isEmpty();
            User alice = access.authenticate("alice", "s3cret", REMOTE).orElseThrow();
            assertThat(alice.tags()).containsExactly("monitoring");
            assertThat(access.virtualHosts()).containsExactlyInAnyOrder("/", "orders");
            assertThat(access.mayOpen(alice, "orders")).isTrue();
            assertThat(access.mayOpen(alice, "/")).isFalse();
            assertThat(access.mayConfigure(alice, "orders", "alice-q")).isTrue();
            assertThat(access.mayConfigure(alice, "orders", "bob-q")).isFalse();
            assertThat(access.mayWrite(alice, "orders", "")).as("the empty expression is ^$").isTrue();
            assertThat(access.mayWrite(alice, "orders", "x")).isFalse();
            assertThat(access.mayWriteTopic(alice, "orders", "amq.topic", "alice.orders")).isTrue();
            assertThat(access.mayWriteTopic(alice, "orders", "amq.topic", "bob.orders")).isFalse();
            assertThat(access.mayReadTopic(alice, "orders", "amq.topic", "x")).isFalse();
            assertThat(access.mayWriteTopic(alice, "orders", "other.topic", "bob.orders"))
                    .as("no entry for the exchange: unrestricted").isTrue();
            assertThat(access.userLimits("alice")).isEqualTo(new UserLimits(2, 10));
        }
    }

    @Test
    void shouldFindEveryAcknowledgedChangeWithoutAClose() {
        // Like kill -9: the first instance is never closed; what its futures confirmed must be on disk.
        AccessControl crashed = AccessControl.open(dir, null, Set.of());
        crashed.putUser("alice", PasswordHash.of("a"), Set.of());
        crashed.addVirtualHost("v");
        crashed.setPermissions(Permission.full("alice", "v")).join();
        try (AccessControl reopened = AccessControl.open(dir, null, Set.of())) {
            User alice = reopened.authenticate("alice", "a", REMOTE).orElseThrow();
            assertThat(reopened.mayOpen(alice, "v")).isTrue();
        }
    }

    @Test
    void shouldApplyChangesFromManyThreadsWithoutLosingOne() throws Exception {
        // The in-memory store completes at once, on the caller's thread: applying must still be in order.
        try (AccessControl access = AccessControl.inMemory(null, Set.of())) {
            List<Thread> threads = new ArrayList<>();
            for (int t = 0; t < 4; t++) {
                int thread = t;
                threads.add(new Thread(() -> {
                    for (int i = 0; i < 25; i++) {
                        access.addVirtualHost("v-" + thread + "-" + i).join();
                    }
                }));
            }
            threads.forEach(Thread::start);
            for (Thread thread : threads) {
                thread.join();
            }
            assertThat(access.virtualHosts()).hasSize(101);
        }
    }

    @Test
    void shouldDropATornLastRecordAndKeepTheRest() throws IOException {
        try (AccessControl access = AccessControl.open(dir, null, Set.of())) {
            access.putUser("alice", PasswordHash.of("a"), Set.of()).join();
        }
        // A crash in the middle of the next write: a record header promising more than was written.
        Files.write(dir.resolve(AccessLog.FILE_NAME), ByteBuffer.allocate(12).putInt(100).putInt(0).putInt(7).array(),
                StandardOpenOption.APPEND);
        try (AccessControl access = AccessControl.open(dir, null, Set.of())) {
            assertThat(access.authenticate("alice", "a", REMOTE)).isPresent();
            assertThat(access.authenticate("guest", "guest", LOOPBACK)).isPresent();
        }
    }

    @Test
    void shouldSkipACorruptRecordKeepACopyAndReplayTheOthers() throws IOException {
        try (AccessControl access = AccessControl.open(dir, null, Set.of())) {
            access.putUser("alice", PasswordHash.of("a"), Set.of());
            access.putUser("bob", PasswordHash.of("b"), Set.of()).join();
        }
        Path file = dir.resolve(AccessLog.FILE_NAME);
        byte[] bytes = Files.readAllBytes(file);
        // Flip a byte inside the last record (bob's) payload.
        bytes[bytes.length - 3] ^= 0x55;
        Files.write(file, bytes);
        try (AccessControl access = AccessControl.open(dir, null, Set.of())) {
            assertThat(access.user("alice")).isPresent();
            assertThat(access.user("bob")).isEmpty();
        }
        assertThat(dir.resolve(AccessLog.FILE_NAME + ".damaged-1")).exists();
    }

    @Test
    void shouldRefuseChangesNamingWhatDoesNotExist() {
        try (AccessControl access = AccessControl.inMemory(null, Set.of())) {
            assertThatThrownBy(() -> access.setPermissions(Permission.full("nobody", "/")))
                    .isInstanceOfSatisfying(BrokerException.class,
                            e -> assertThat(e.errorCode()).isEqualTo(ErrorCode.NOT_FOUND))
                    .hasMessage("User 'nobody' does not exist");
            assertThatThrownBy(() -> access.setPermissions(Permission.full("guest", "nowhere")))
                    .hasMessage("Virtual host 'nowhere' does not exist");
            assertThatThrownBy(() -> new Permission("guest", "/", "(", ".*", ".*"))
                    .isInstanceOf(IllegalArgumentException.class);
        }
    }

    @Test
    void shouldDeletePermissionsWithTheirVirtualHostAndUser() {
        try (AccessControl access = AccessControl.inMemory(null, Set.of())) {
            access.addVirtualHost("v");
            access.putUser("u", PasswordHash.of("p"), Set.of());
            access.setPermissions(Permission.full("u", "v"));
            access.setPermissions(Permission.full("u", "/")).join();
            assertThat(access.permissions()).hasSize(3);
            access.deleteVirtualHost("v").join();
            assertThat(access.permissions()).extracting(Permission::virtualHost).containsOnly("/");
            access.deleteUser("u").join();
            assertThat(access.permissions()).extracting(Permission::user).containsExactly("guest");
        }
    }

    @Test
    void shouldAcceptRabbitMqSha256HashAndProduceOne() throws Exception {
        byte[] salt = {1, 2, 3, 4};
        MessageDigest sha = MessageDigest.getInstance("SHA-256");
        sha.update(salt);
        byte[] digest = sha.digest("imported".getBytes(StandardCharsets.UTF_8));
        byte[] form = ByteBuffer.allocate(36).put(salt).put(digest).array();
        PasswordHash imported = PasswordHash.fromRabbitSha256(Base64.getEncoder().encodeToString(form));
        assertThat(imported.matches("imported")).isTrue();
        assertThat(imported.matches("other")).isFalse();
        assertThat(imported.scramSha256()).isEmpty();

        PasswordHash made = PasswordHash.of("fresh", new Random(1));
        byte[] madeForm = Base64.getDecoder().decode(made.rabbitSha256().orElseThrow());
        MessageDigest check = MessageDigest.getInstance("SHA-256");
        check.update(madeForm, 0, 4);
        check.update("fresh".getBytes(StandardCharsets.UTF_8));
        assertThat(ByteBuffer.wrap(madeForm, 4, 32)).isEqualTo(ByteBuffer.wrap(check.digest()));
        assertThat(made.scramSha256().orElseThrow().iterations()).isEqualTo(PasswordHash.SCRAM_ITERATIONS);
        assertThatThrownBy(() -> PasswordHash.fromRabbitSha256("c2hvcnQ=")).isInstanceOf(IllegalArgumentException.class);
        assertThat(PasswordHash.NONE.matches("")).isFalse();
    }

    @Test
    void shouldKeepScramCredentialsForBothHashesAcrossAReopen() throws Exception {
        try (AccessControl access = AccessControl.open(dir, null, Set.of())) {
            access.putUser("alice", PasswordHash.of("pencil"), Set.of()).join();
        }
        try (AccessControl reopened = AccessControl.open(dir, null, Set.of())) {
            PasswordHash stored = reopened.user("alice").orElseThrow().hash();
            for (org.apache.kafka.common.security.scram.internals.ScramMechanism mechanism
                    : org.apache.kafka.common.security.scram.internals.ScramMechanism.values()) {
                PasswordHash.ScramCredential kept = mechanism.mechanismName().endsWith("512")
                        ? stored.scramSha512().orElseThrow() : stored.scramSha256().orElseThrow();
                // What Kafka's own SCRAM code derives from the password with the same salt and count.
                var formatter = new org.apache.kafka.common.security.scram.internals.ScramFormatter(mechanism);
                byte[] salted = formatter.saltedPassword("pencil", kept.salt(), kept.iterations());
                assertThat(kept.storedKey()).isEqualTo(formatter.storedKey(formatter.clientKey(salted)));
                assertThat(kept.serverKey()).isEqualTo(formatter.serverKey(salted));
                assertThat(kept.iterations()).isGreaterThanOrEqualTo(mechanism.minIterations());
            }
        }
    }

    @Test
    void shouldCheckScramStoredKeyWhenOnlyScramIsKept() {
        PasswordHash made = PasswordHash.of("pencil", new Random(2));
        PasswordHash.ScramCredential scram = made.scramSha256().orElseThrow();
        PasswordHash scramOnly = PasswordHash.stored(scram.salt(), scram.iterations(), scram.storedKey(),
                scram.serverKey(), null);
        assertThat(scramOnly.matches("pencil")).isTrue();
        assertThat(scramOnly.matches("pencil2")).isFalse();
    }

    @Test
    void shouldRefuseConnectionsAndChannelsOverTheLimits() {
        try (AccessControl access = AccessControl.inMemory(null, Set.of())) {
            access.setUserLimits("guest", new UserLimits(1, 2));
            access.setVirtualHostLimits("/", new VirtualHostLimits(5, -1)).join();
            OpenConnections open = access.connections();
            assertThat(open.admitConnection("guest", "/")).isNull();
            assertThat(open.admitConnection("guest", "/"))
                    .isEqualTo("connection refused for user 'guest': user connection limit (1) is reached");
            assertThat(open.connectionsTo("/")).as("the refused one is not counted").isEqualTo(1);
            open.connectionClosed("guest", "/");
            assertThat(open.admitConnection("guest", "/")).isNull();
            assertThat(open.admitChannel("guest")).isNull();
            assertThat(open.admitChannel("guest")).isNull();
            assertThat(open.admitChannel("guest")).isEqualTo(
                    "number of channels opened for user 'guest' has reached the maximum allowed user limit of (2)");
            access.setVirtualHostLimits("/", new VirtualHostLimits(1, -1)).join();
            access.setUserLimits("guest", UserLimits.NONE).join();
            assertThat(open.admitConnection("guest", "/"))
                    .isEqualTo("access to vhost '/' refused for user 'guest': connection limit (1) is reached");
        }
    }

    @Test
    void shouldChangeOneLimitAndKeepTheOtherAndForgetLimitsSetToNone() {
        try (AccessControl access = AccessControl.inMemory(null, Set.of())) {
            access.updateVirtualHostLimits("/", limits -> limits.withMaxQueues(7)).join();
            access.updateVirtualHostLimits("/", limits -> limits.withMaxConnections(3)).join();
            access.updateUserLimits("guest", limits -> limits.withMaxChannels(4)).join();
            assertThat(access.virtualHostLimits("/")).isEqualTo(new VirtualHostLimits(3, 7));
            assertThat(access.userLimits("guest")).isEqualTo(new UserLimits(-1, 4));

            access.updateVirtualHostLimits("/", limits -> limits.withMaxQueues(-1)).join();
            access.updateVirtualHostLimits("/", limits -> limits.withMaxConnections(-1)).join();
            access.updateUserLimits("guest", limits -> limits.withMaxChannels(-1)).join();
            assertThat(access.state().allVirtualHostLimits()).as("no limit left: not listed").isEmpty();
            assertThat(access.state().allUserLimits()).isEmpty();
            assertThatThrownBy(() -> access.updateVirtualHostLimits("nowhere", limits -> limits.withMaxQueues(1)))
                    .isInstanceOf(BrokerException.class);
            assertThatThrownBy(() -> access.updateUserLimits("nobody", limits -> limits.withMaxChannels(1)))
                    .isInstanceOf(BrokerException.class);
        }
    }

    @Test
    void shouldKeepTheClusterNameAcrossReopenAndCompaction() {
        try (AccessControl access = AccessControl.open(dir, null, Set.of())) {
            assertThat(access.clusterName()).as("none set: the node's default applies").isEmpty();
            access.setClusterName("first").join();
            access.setClusterName("orders-eu").join();
        }
        // The second open compacts the log to the state's commands; the third reads that.
        for (int round = 0; round < 2; round++) {
            try (AccessControl access = AccessControl.open(dir, null, Set.of())) {
                assertThat(access.clusterName()).contains("orders-eu");
            }
        }
        AccessCommand command = new AccessCommand.SetClusterName("ünïcode cluster");
        assertThat(AccessCommandCodec.decode(AccessCommandCodec.encode(command))).isEqualTo(command);
    }

    @Test
    void shouldSlowDownRepeatedFailuresFromOneAddress() {
        LoginThrottle throttle = new LoginThrottle();
        assertThat(throttle.delayMs("a", 0)).isZero();
        throttle.failed("a", 0);
        assertThat(throttle.delayMs("a", 1)).isEqualTo(LoginThrottle.FIRST_DELAY_MS);
        throttle.failed("a", 1);
        throttle.failed("a", 2);
        assertThat(throttle.delayMs("a", 3)).isEqualTo(4 * LoginThrottle.FIRST_DELAY_MS);
        assertThat(throttle.delayMs("b", 3)).isZero();
        for (int i = 0; i < 30; i++) {
            throttle.failed("a", 4);
        }
        assertThat(throttle.delayMs("a", 5)).isEqualTo(LoginThrottle.MAX_DELAY_MS);
        assertThat(throttle.delayMs("a", 5 + LoginThrottle.FORGET_AFTER_MS + 1)).isZero();
        throttle.failed("c", 0);
        throttle.succeeded("c");
        assertThat(throttle.delayMs("c", 1)).isZero();
    }

    @Test
    void shouldFailTheFutureWhenTheChangeCannotBeStored() {
        AccessStore broken = command -> java.util.concurrent.CompletableFuture.failedFuture(new IOException("disk"));
        AccessControl access = AccessControl.of(broken, AccessState.EMPTY.apply(new AccessCommand.AddVirtualHost("/")),
                (Broker) null, Set.of());
        assertThatThrownBy(() -> access.putUser("x", PasswordHash.of("y"), Set.of()).join())
                .isInstanceOf(CompletionException.class);
        assertThat(access.user("x")).as("not applied before it is durable").isEmpty();
    }
}
