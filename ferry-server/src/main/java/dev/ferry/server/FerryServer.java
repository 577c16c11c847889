package dev.ferry.server;

import dev.ferry.server.config.BrokerSettings;
import java.io.IOException;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The broker's lifecycle: what starts, in which order, and how it stops. Stopping reverses the
 * start order so that no component is used after the one beneath it has closed: sockets stop
 * first, storage is flushed, fsynced and closed last.
 */
public final class FerryServer implements AutoCloseable {
    private static final Logger log = LoggerFactory.getLogger(FerryServer.class);

    private final BrokerSettings settings;
    private DataDirectoryLock dataLock;
    private boolean closed;

    public FerryServer(BrokerSettings settings) {
        this.settings = settings;
    }

    public synchronized void start() {
        dataLock = DataDirectoryLock.acquire(settings.dataDir);
        log.info("Ferry {} started; data in {}", FerryVersion.VERSION, settings.dataDir);
    }

    @Override
    public synchronized void close() {
        if (closed) {
            return;
        }
        closed = true;
        if (dataLock == null) {
            return;
        }
        try {
            dataLock.close();
        } catch (IOException e) {
            log.warn("releasing the data directory lock failed: {}", e.toString());
        }
        log.info("Ferry stopped");
    }
}
