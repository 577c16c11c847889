package dev.ferry.log;

import java.io.IOException;
import java.nio.file.DirectoryStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.TreeSet;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Turns a log directory back into segments after a start, clean or not.
 *
 * <p>What a crash can leave behind, and what loading does about it:
 * <ul>
 *   <li>a torn or corrupt tail in the newest segment (the only one being written): it is validated
 *       batch by batch and truncated at the first bad batch, and its indexes are rebuilt;</li>
 *   <li>a {@code .tmp} index file from an interrupted index write: deleted;</li>
 *   <li>index files whose segment is gone (a deletion interrupted half way): deleted;</li>
 *   <li>a missing or damaged index of a sealed segment: rebuilt from the segment.</li>
 * </ul>
 * Sealed segments are not re-validated: they were fsynced, with their indexes, before the next
 * segment was created, so a crash cannot tear them. Readers still check each batch's CRC.
 */
final class LogLoader {
    private static final Logger LOG = LoggerFactory.getLogger(LogLoader.class);
    private static final Pattern SEGMENT_FILE = Pattern.compile("(\\d{20})\\.(log|index|timeindex)");

    private LogLoader() {
    }

    /** The log's segments in offset order; the last one is the active segment. Creates segment 0 for an empty directory. */
    static List<LogSegment> load(String logName, Path directory, LogConfig config) throws IOException {
        TreeSet<Long> baseOffsets = new TreeSet<>();
        List<Path> indexFiles = new ArrayList<>();
        try (DirectoryStream<Path> files = Files.newDirectoryStream(directory)) {
            for (Path file : files) {
                String fileName = file.getFileName().toString();
                if (fileName.endsWith(".tmp")) {
                    LOG.info("Log '{}': deleting {} left by an interrupted index write", logName, fileName);
                    Files.delete(file);
                    continue;
                }
                Matcher matcher = SEGMENT_FILE.matcher(fileName);
                if (!matcher.matches()) {
                    continue;
                }
                if (matcher.group(2).equals("log")) {
                    baseOffsets.add(Long.parseLong(matcher.group(1)));
                } else {
                    indexFiles.add(file);
                }
            }
        }
        for (Path indexFile : indexFiles) {
            String stem = indexFile.getFileName().toString().substring(0, 20);
            if (!baseOffsets.contains(Long.parseLong(stem))) {
                LOG.info("Log '{}': deleting {}, whose segment is gone", logName, indexFile.getFileName());
                Files.delete(indexFile);
            }
        }
        List<LogSegment> segments = new ArrayList<>();
        if (baseOffsets.isEmpty()) {
            segments.add(LogSegment.create(logName, directory, 0, config.indexIntervalBytes()));
            Log.fsyncDirectory(directory);
            return segments;
        }
        List<Long> ordered = new ArrayList<>(baseOffsets);
        try {
            for (int i = 0; i < ordered.size() - 1; i++) {
                segments.add(LogSegment.openSealed(logName, directory, ordered.get(i), ordered.get(i + 1),
                        config.indexIntervalBytes()));
            }
            segments.add(LogSegment.openAndRecover(logName, directory, ordered.get(ordered.size() - 1),
                    config.indexIntervalBytes()));
        } catch (IOException | RuntimeException e) {
            for (LogSegment segment : segments) {
                segment.close();
            }
            throw e;
        }
        return segments;
    }
}
