package dev.ferry.server;

import dev.ferry.access.AccessControl;
import dev.ferry.access.ClientAddress;
import dev.ferry.access.LoginThrottle;
import dev.ferry.access.PasswordHash;
import dev.ferry.access.User;
import dev.ferry.kafka.security.KafkaCredentials;
import java.net.SocketAddress;
import java.util.Optional;
import java.util.function.LongSupplier;
import org.apache.kafka.common.security.scram.ScramCredential;
import org.apache.kafka.common.security.scram.internals.ScramMechanism;

/**
 * The broker's users as the Kafka front sees them: the same passwords as over AMQP and HTTP, the
 * SCRAM credentials kept with them, and the guest rule for clients that do not log in (a PLAINTEXT
 * listener): they act as {@code guest}, so they are let in only while guest exists and, guest being
 * a loopback-only user, only from this machine.
 */
final class KafkaUsers implements KafkaCredentials {
    private final AccessControl access;
    private final LoginThrottle throttle;
    private final LongSupplier clock;

    KafkaUsers(AccessControl access, LoginThrottle throttle, LongSupplier clock) {
        this.access = access;
        this.throttle = throttle;
        this.clock = clock;
    }

    @Override
    public boolean passwordMatches(String username, String password, SocketAddress from) {
        return access.authenticate(username, password, from).isPresent();
    }

    @Override
    public Optional<ScramCredential> scramCredential(ScramMechanism mechanism, String username, SocketAddress from) {
        if (!access.mayLogInFrom(username, from)) {
            return Optional.empty();
        }
        return access.user(username).map(User::hash)
                .flatMap(mechanism == ScramMechanism.SCRAM_SHA_512 ? PasswordHash::scramSha512 : PasswordHash::scramSha256)
                .map(stored -> new ScramCredential(stored.salt(), stored.storedKey(), stored.serverKey(), stored.iterations()));
    }

    @Override
    public Optional<String> anonymousUser(SocketAddress from) {
        return access.mayLogInFrom(AccessControl.GUEST, from) && access.user(AccessControl.GUEST).isPresent()
                ? Optional.of(AccessControl.GUEST) : Optional.empty();
    }

    @Override
    public long failedLoginDelayMs(SocketAddress from) {
        String address = ClientAddress.host(from);
        long now = clock.getAsLong();
        throttle.failed(address, now);
        return throttle.delayMs(address, now);
    }

    @Override
    public void loginSucceeded(SocketAddress from) {
        throttle.succeeded(ClientAddress.host(from));
    }
}
