package dev.ferry.store;

import java.nio.file.Path;

/**
 * The metadata log exists but cannot be read at all: an I/O error, or segment files holding
 * written bytes of which not one record is intact. The broker must not start then: starting
 * with no metadata would leave every durable queue's data without an owner. The message names the
 * file and what was wrong, and says whether anything on disk was changed (normally nothing; if
 * the log's own recovery cut a damaged file, a copy of it as found is kept and named).
 */
public final class MetadataUnreadableException extends RuntimeException {
    private final Path file;

    MetadataUnreadableException(Path file, String problem, Throwable cause) {
        this(file, problem, null, cause);
    }

    /** @param keptCopy where a copy of the log as it was found is kept, when opening it changed it */
    MetadataUnreadableException(Path file, String problem, Path keptCopy, Throwable cause) {
        super("the metadata log " + file + " cannot be read: " + problem + ". "
                + (keptCopy == null ? "Nothing was changed on disk" : "A copy of it as found is kept in " + keptCopy)
                + "; restore the metadata directory from a backup, or move it away to start with no durable"
                + " metadata (queue data without a declaration is then moved to data/orphans/)", cause);
        this.file = file;
    }

    /** The file (or directory) that could not be read. */
    public Path file() {
        return file;
    }
}
