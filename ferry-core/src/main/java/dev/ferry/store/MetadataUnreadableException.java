package dev.ferry.store;

import java.nio.file.Path;

/**
 * The metadata log exists but cannot be read at all: an I/O error, or segment files holding
 * written bytes of which not one record is intact. The broker must not start then: starting
 * with no metadata would leave every durable queue's data without an owner. Nothing on disk has
 * been changed when this is thrown. The message names the file and what was wrong.
 */
public final class MetadataUnreadableException extends RuntimeException {
    private final Path file;

    MetadataUnreadableException(Path file, String problem, Throwable cause) {
        super("the metadata log " + file + " cannot be read: " + problem + ". Nothing was changed on disk;"
                + " restore the metadata directory from a backup, or move it away to start with no durable"
                + " metadata (queue data without a declaration is then moved to data/orphans/)", cause);
        this.file = file;
    }

    /** The file (or directory) that could not be read. */
    public Path file() {
        return file;
    }
}
