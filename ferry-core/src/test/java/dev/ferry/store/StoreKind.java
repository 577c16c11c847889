package dev.ferry.store;

import java.nio.file.Path;

import dev.ferry.log.FsyncPolicy;
import dev.ferry.message.MessageProperties;

/**
 * The message stores a queue can run on. The queue-semantics suites run against each of them, so
 * a rule of the queue (requeue order, expiry, dead-lettering, retries) is checked with the store
 * that must also settle, page and write what the rule touches, not only with the in-memory one.
 */
public enum StoreKind {
    /** A broker without a data directory. */
    IN_MEMORY,
    /** A durable queue's own log, fsync ALWAYS, default paging limits. */
    DURABLE_LOG,
    /** A non-durable queue's spill log with paging limits so small that nearly every message pages. */
    SPILL_LOG;

    /** Delivery mode 2: what a durable log stores (the other stores ignore it). */
    public static final MessageProperties PERSISTENT = new MessageProperties(null, null, null, 2, -1, null, null,
            null, null, null, null, null, null, null);

    /** A fixture that opens stores of this kind under {@code directory} (a test's temporary directory). */
    public StoreFixture fixture(Path directory) {
        return new StoreFixture(this, directory);
    }

    /**
     * The storage of a broker whose queues run on this kind of store, in {@code dataDir} (queues
     * declared {@link #durable()} get durable logs, the others spill logs); null for
     * {@link #IN_MEMORY}, a broker without a data directory. Close it after the broker.
     */
    public DiskStorage diskStorage(Path dataDir) {
        if (this == IN_MEMORY) {
            return null;
        }
        PagingLimits paging = this == SPILL_LOG ? StoreFixture.TINY : PagingLimits.DEFAULTS;
        return DiskStorage.open(dataDir, new StorageSettings(FsyncPolicy.ALWAYS, 1000, 100, 1024 * 1024, paging));
    }

    /** Whether queues on it are declared durable. */
    public boolean durable() {
        return this == DURABLE_LOG;
    }
}
