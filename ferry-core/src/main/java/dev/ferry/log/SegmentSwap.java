package dev.ferry.log;

import java.io.IOException;
import java.nio.file.Path;

/**
 * The files through which a segment the {@link LogCleaner} rewrote replaces the original, so that
 * a crash at any moment leaves either the whole original or the whole cleaned segment:
 * <ol>
 *   <li>the cleaned batches are written to {@code <base>.log.cleaned} and fsynced; a crash now
 *       leaves a {@code .cleaned} file that the next open deletes (the original still stands);</li>
 *   <li>{@code .cleaned} is renamed to {@code <base>.log.swap} and the directory fsynced: from
 *       here on the cleaned content is complete and durable, and the swap is committed;</li>
 *   <li>the original's index files are deleted and {@code .swap} is renamed over
 *       {@code <base>.log} (one atomic replace), the directory fsynced; new index files follow.</li>
 * </ol>
 * An open that finds a {@code .swap} file finishes step 3 (the indexes are then rebuilt from the
 * segment itself), so a swap that was committed is never rolled back and one that was not is.
 *
 * <p>Stateless; the caller serialises swaps of one log.
 */
final class SegmentSwap {
    static final String CLEANED_SUFFIX = ".cleaned";
    static final String SWAP_SUFFIX = ".swap";

    private SegmentSwap() {
    }

    static Path cleanedFile(Path directory, long baseOffset) {
        return directory.resolve(LogSegment.fileStem(baseOffset) + ".log" + CLEANED_SUFFIX);
    }

    static Path swapFile(Path directory, long baseOffset) {
        return directory.resolve(LogSegment.fileStem(baseOffset) + ".log" + SWAP_SUFFIX);
    }

    /** Step 2: the cleaned file (already fsynced) becomes the committed swap file. */
    static void commit(LogFileSystem fileSystem, Path directory, long baseOffset) throws IOException {
        fileSystem.moveAtomically(cleanedFile(directory, baseOffset), swapFile(directory, baseOffset));
        fileSystem.fsyncDirectory(directory);
    }

    /** Step 3: the committed swap file replaces the segment; its stale index files go first. */
    static void install(LogFileSystem fileSystem, Path directory, long baseOffset) throws IOException {
        fileSystem.deleteIfExists(LogSegment.offsetIndexFile(directory, baseOffset));
        fileSystem.deleteIfExists(LogSegment.timeIndexFile(directory, baseOffset));
        fileSystem.moveAtomically(swapFile(directory, baseOffset), LogSegment.logFile(directory, baseOffset));
        fileSystem.fsyncDirectory(directory);
    }

    /** The base offset a {@code .cleaned} or {@code .swap} file name belongs to, or -1 if it is neither. */
    static long baseOffsetOf(String fileName, String suffix) {
        String tail = ".log" + suffix;
        if (!fileName.endsWith(tail) || fileName.length() != 20 + tail.length()) {
            return -1;
        }
        String stem = fileName.substring(0, 20);
        for (int i = 0; i < stem.length(); i++) {
            if (!Character.isDigit(stem.charAt(i))) {
                return -1;
            }
        }
        return Long.parseLong(stem);
    }
}
