package dev.ferry.log;

import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.channels.FileChannel;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.util.ArrayList;
import java.util.List;
import java.util.TreeSet;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Turns a log directory back into segments after a start, clean or not, validating every batch
 * and repairing what it can without losing an intact record.
 *
 * <p><b>Validation.</b> Every segment (with {@link LogConfig#validateSegmentsAtOpen()}, the
 * default; otherwise only the newest, and sealed segments whose index files fail their checks) is
 * read batch by batch: length, magic, header consistency (record count, last offset delta, the
 * empty-batch shape), offset continuity (each batch starts where the previous one ended; the
 * first at the segment's base; none at or past the next segment's base) and CRC32C. The indexes
 * are rebuilt from the same pass.
 *
 * <p><b>What happens to a batch that fails</b>, in this order:
 * <ol>
 *   <li><b>Header repair.</b> The CRC does not cover a batch's base offset, length or magic. If the
 *       bytes the CRC covers are intact with the base offset the position demands, magic 2 and a
 *       length that either the stated one, the one the records add up to (uncompressed batches),
 *       or the rest of the file gives, only those fields were damaged: they are restored, nothing
 *       is lost (WARN).</li>
 *   <li><b>Damage, skipped.</b> Otherwise the loader resynchronises: it scans forward byte by
 *       byte for the next position holding a batch that passes every check including its CRC,
 *       with a base offset at or above the next expected offset and below the segment's bound.
 *       The bytes in between are damage: they are kept aside in the {@code .corrupt} file
 *       ({@link CorruptFile}) and replaced in the segment by an empty batch covering the offsets
 *       between (see {@link BatchFormat}), so every batch after them keeps its offsets. One ERROR
 *       line names the log, the segment file, the offsets and the bytes lost, and the region is
 *       listed in {@link Log#damage()}.</li>
 *   <li><b>Nothing valid follows, sealed segment.</b> The rest of the file is damage, and the
 *       offsets up to the next segment's base are lost (a sealed segment was fsynced before the
 *       next one existed, so a crash cannot have torn it). The same holds when a sealed segment's
 *       batches simply end before the next segment's base: those offsets are reported lost.</li>
 *   <li><b>Nothing valid follows, newest segment.</b> A complete batch that says it is the next
 *       batch (magic 2, the expected base offset, a length that fits in the file) held records
 *       that may have been confirmed: it is damage, whatever else is wrong with it, and the
 *       offsets it claims (the larger of its record count and last offset delta that its size
 *       allows) are reported lost, so they are never handed out again. Everything after the last
 *       such batch is a <b>torn tail</b>: a header cut short, a length running past the end of the
 *       file, zeros or other bytes that do not even claim to be the next batch; a crash cut that
 *       write short, no record in it was ever confirmed, and it is truncated (WARN).</li>
 * </ol>
 *
 * <p><b>Rewriting a segment</b> is crash-safe: the repaired content goes to
 * {@code <segment>.log.tmp}, which is fsynced; the damaged bytes are added to the {@code .corrupt}
 * file (itself written whole to a temporary name, fsynced, renamed); the segment's index files
 * are deleted (their positions no longer hold); the temporary file is renamed over the segment and
 * the directory fsynced. A crash at any point leaves the original segment or the repaired one,
 * and a {@code .tmp} file found at the next start is deleted (the original still stands and is
 * validated again). A torn tail alone is cut in place (truncate, fsync).
 *
 * <p><b>Compaction.</b> A {@code .cleaned} file (a cleaning that had not committed) is deleted; a
 * {@code .swap} file (a committed one) replaces its segment, whose indexes are then rebuilt
 * ({@link SegmentSwap}).
 *
 * <p>Also cleaned up: index files whose segment is gone (a deletion interrupted half way). A
 * {@code .corrupt} file whose segment is gone is left alone.
 */
final class LogLoader {
    private static final Logger LOG = LoggerFactory.getLogger(LogLoader.class);
    private static final Pattern SEGMENT_FILE = Pattern.compile("(\\d{20})\\.(log|index|timeindex|corrupt)");
    private static final int COPY_CHUNK_BYTES = 256 * 1024;

    private LogLoader() {
    }

    /** The segments in offset order (the last one is the active segment) and the damage found. */
    record Loaded(List<LogSegment> segments, List<LogDamage> damage) {
    }

    /** Loads every segment; creates segment 0 for an empty directory. */
    static Loaded load(String logName, Path directory, LogConfig config, FileHandleCache cache) throws IOException {
        LogFileSystem fileSystem = cache.fileSystem();
        TreeSet<Long> baseOffsets = new TreeSet<>();
        List<Path> indexFiles = new ArrayList<>();
        List<Path> corruptFiles = new ArrayList<>();
        List<Long> swaps = new ArrayList<>();
        for (Path file : fileSystem.list(directory)) {
            String fileName = file.getFileName().toString();
            if (SegmentSwap.baseOffsetOf(fileName, SegmentSwap.CLEANED_SUFFIX) >= 0) {
                LOG.info("Log '{}': deleting {}, a cleaning the broker stopped before committing it; the original "
                        + "segment stands", logName, fileName);
                fileSystem.deleteIfExists(file);
                continue;
            }
            long swapBase = SegmentSwap.baseOffsetOf(fileName, SegmentSwap.SWAP_SUFFIX);
            if (swapBase >= 0) {
                swaps.add(swapBase);
                continue;
            }
            if (fileName.endsWith(".tmp")) {
                LOG.info("Log '{}': deleting {} left by an interrupted index write or repair", logName, fileName);
                fileSystem.deleteIfExists(file);
                continue;
            }
            Matcher matcher = SEGMENT_FILE.matcher(fileName);
            if (!matcher.matches()) {
                continue;
            }
            switch (matcher.group(2)) {
                case "log" -> baseOffsets.add(Long.parseLong(matcher.group(1)));
                case "corrupt" -> corruptFiles.add(file);
                default -> indexFiles.add(file);
            }
        }
        for (long swapBase : swaps) {
            if (baseOffsets.contains(swapBase)) {
                LOG.warn("Log '{}': finishing the swap of cleaned segment {} that the broker stopped half way", logName,
                        LogSegment.fileStem(swapBase));
                SegmentSwap.install(fileSystem, directory, swapBase);
            } else {
                LOG.warn("Log '{}': deleting the cleaned copy of segment {}, which is gone", logName,
                        LogSegment.fileStem(swapBase));
                fileSystem.deleteIfExists(SegmentSwap.swapFile(directory, swapBase));
            }
        }
        for (Path indexFile : indexFiles) {
            if (!baseOffsets.contains(Long.parseLong(indexFile.getFileName().toString().substring(0, 20)))) {
                LOG.info("Log '{}': deleting {}, whose segment is gone", logName, indexFile.getFileName());
                fileSystem.deleteIfExists(indexFile);
            }
        }
        for (Path corruptFile : corruptFiles) {
            if (!baseOffsets.contains(Long.parseLong(corruptFile.getFileName().toString().substring(0, 20)))) {
                LOG.warn("Log '{}': {} holds damaged bytes of a segment that is gone; left in place", logName,
                        corruptFile.getFileName());
            }
        }
        List<LogSegment> segments = new ArrayList<>();
        List<LogDamage> damage = new ArrayList<>();
        if (baseOffsets.isEmpty()) {
            segments.add(LogSegment.create(logName, directory, 0, config.indexIntervalBytes(), cache));
            fileSystem.fsyncDirectory(directory);
            return new Loaded(segments, damage);
        }
        List<Long> ordered = new ArrayList<>(baseOffsets);
        try {
            for (int i = 0; i < ordered.size(); i++) {
                boolean newest = i == ordered.size() - 1;
                long baseOffset = ordered.get(i);
                long upperBound = newest ? SegmentValidator.newestUpperBound(baseOffset) : ordered.get(i + 1);
                SegmentFile file = SegmentFile.open(cache, LogSegment.logFile(directory, baseOffset));
                LogSegment segment = new LogSegment(logName, directory, baseOffset, file, fileSystem,
                        config.indexIntervalBytes());
                segments.add(segment);
                if (!newest && !config.validateSegmentsAtOpen()) {
                    if (segment.loadIndexes(upperBound)) {
                        continue;
                    }
                    LOG.warn("Log '{}': validating sealed segment {} to rebuild its indexes: index file {}", logName,
                            segment.logFile().getFileName(), segment.indexFileProblem());
                }
                boolean rewritten = validate(segment, upperBound, newest, config, cache, damage);
                if (!newest) {
                    segment.sealIndexes();
                    if (rewritten || !segment.indexFilesIntact(upperBound)) {
                        segment.writeIndexes();
                    }
                }
            }
        } catch (IOException | RuntimeException e) {
            for (LogSegment segment : segments) {
                segment.close();
            }
            throw e;
        }
        return new Loaded(segments, withEarlierDamage(logName, directory, segments, damage, fileSystem));
    }

    /**
     * This open's damage and the damage earlier opens recorded in the segments' {@code .corrupt}
     * files (each region once), in offset order: a loss stays reported for as long as its segment
     * exists, whatever happened between the repair and its owner's bookkeeping.
     */
    private static List<LogDamage> withEarlierDamage(String logName, Path directory, List<LogSegment> segments,
            List<LogDamage> foundNow, LogFileSystem fileSystem) {
        record RegionKey(String segmentFile, long position, long bytes, long firstOffset, long lastOffset) {
        }
        java.util.Set<RegionKey> listed = new java.util.HashSet<>();
        List<LogDamage> all = new ArrayList<>();
        for (LogDamage region : foundNow) {
            if (listed.add(new RegionKey(region.segmentFile(), region.position(), region.bytes(), region.firstOffset(),
                    region.lastOffset()))) {
                all.add(region);
            }
        }
        for (LogSegment segment : segments) {
            Path corruptFile = CorruptFile.path(directory, segment.baseOffset());
            if (!fileSystem.exists(corruptFile)) {
                continue;
            }
            String segmentFile = segment.logFile().getFileName().toString();
            try {
                for (CorruptFile.Region region : CorruptFile.readRegions(fileSystem, corruptFile)) {
                    if (listed.add(new RegionKey(segmentFile, region.position(), region.length(), region.firstOffsetLost(),
                            region.lastOffsetLost()))) {
                        all.add(new LogDamage(segmentFile, region.position(), region.length(), region.firstOffsetLost(),
                                region.lastOffsetLost(), corruptFile, "found at an earlier open", false));
                    }
                }
            } catch (IOException e) {
                LOG.warn("Log '{}': cannot read the damage recorded in {}: {}", logName, corruptFile.getFileName(), e.toString());
            }
        }
        all.sort(java.util.Comparator.comparingLong(LogDamage::firstOffset).thenComparingLong(LogDamage::position));
        return all;
    }

    /** Validates one segment, indexing it, and repairs it if needed; true if the file was replaced. */
    private static boolean validate(LogSegment segment, long upperBound, boolean newest, LogConfig config,
            FileHandleCache cache, List<LogDamage> damage) throws IOException {
        SegmentFile file = segment.file();
        SegmentValidator.Result result = new SegmentValidator(file, segment.baseOffset(), upperBound, newest,
                config.batchBytesMax(), recordedLosses(segment, cache.fileSystem())).validate(segment::recovered);
        if (result.isClean()) {
            return false;
        }
        String logName = segment.logName();
        Path segmentName = segment.logFile().getFileName();
        if (result.onlyCutsATornTail()) {
            SegmentValidator.Edit cut = result.edits().get(0);
            LOG.warn("Log '{}': truncating segment {} from {} to {} bytes at offset {}: {}", logName, segmentName,
                    file.size(), cut.position(), result.nextOffset(), cut.reason());
            file.truncate((int) cut.position());
            file.force();
            return false;
        }
        rewrite(segment, result, cache);
        Path corruptFile = CorruptFile.path(segment.logFile().getParent(), segment.baseOffset());
        for (SegmentValidator.Edit edit : result.edits()) {
            switch (edit.kind()) {
                case HEADER_REPAIR -> LOG.warn("Log '{}': segment {}: restored the header fields of the batch at byte {} "
                        + "({}); its records are intact", logName, segmentName, edit.position(), edit.reason());
                case TORN_TAIL -> LOG.warn("Log '{}': cut the torn tail of segment {} at byte {} ({} bytes: {})", logName,
                        segmentName, edit.position(), edit.length(), edit.reason());
                case DAMAGE -> {
                    LogDamage found = new LogDamage(segmentName.toString(), edit.position(), edit.length(),
                            edit.firstOffsetLost(), edit.lastOffsetLost(), corruptFile, edit.reason(), true);
                    damage.add(found);
                    if (found.offsetsLost() > 0) {
                        LOG.error("Log '{}': segment {} is damaged at byte {}: offsets {}..{} lost ({} offsets, {} bytes: {});"
                                + " the bytes are kept in {}", logName, segmentName, edit.position(), edit.firstOffsetLost(),
                                edit.lastOffsetLost(), found.offsetsLost(), edit.length(), edit.reason(),
                                corruptFile.getFileName());
                    } else {
                        LOG.error("Log '{}': segment {} holds {} damaged bytes at byte {} that held no offset ({}); "
                                + "they are kept in {}", logName, segmentName, edit.length(), edit.position(), edit.reason(),
                                corruptFile.getFileName());
                    }
                }
                default -> throw new IllegalStateException(edit.kind().toString());
            }
        }
        return true;
    }

    /** First to last offset of each loss recorded in the segment's {@code .corrupt} file; empty if none or unreadable. */
    private static java.util.Map<Long, Long> recordedLosses(LogSegment segment, LogFileSystem fileSystem) {
        Path corruptFile = CorruptFile.path(segment.logFile().getParent(), segment.baseOffset());
        if (!fileSystem.exists(corruptFile)) {
            return java.util.Map.of();
        }
        java.util.Map<Long, Long> losses = new java.util.HashMap<>();
        try {
            for (CorruptFile.Region region : CorruptFile.readRegions(fileSystem, corruptFile)) {
                losses.merge(region.firstOffsetLost(), region.lastOffsetLost(), Math::max);
            }
        } catch (IOException e) {
            LOG.warn("Log '{}': cannot read {}: {}", segment.logName(), corruptFile.getFileName(), e.toString());
        }
        return losses;
    }

    /** Writes the repaired segment beside the original, keeps the damage aside, and swaps it in (see the class comment). */
    private static void rewrite(LogSegment segment, SegmentValidator.Result result, FileHandleCache cache) throws IOException {
        LogFileSystem fileSystem = cache.fileSystem();
        SegmentFile original = segment.file();
        Path segmentFile = segment.logFile();
        Path directory = segmentFile.getParent();
        Path temporary = segmentFile.resolveSibling(segmentFile.getFileName() + ".tmp");
        ByteBuffer chunk = ByteBuffer.allocate(COPY_CHUNK_BYTES);
        try (FileChannel out = fileSystem.open(temporary, StandardOpenOption.CREATE, StandardOpenOption.TRUNCATE_EXISTING,
                StandardOpenOption.WRITE)) {
            long read = 0;
            long written = 0;
            for (SegmentValidator.Edit edit : result.edits()) {
                written += copy(original, read, edit.position() - read, out, written, chunk);
                written += writeFully(out, edit.replacement().duplicate(), written);
                read = edit.position() + edit.length();
            }
            written += copy(original, read, original.size() - read, out, written, chunk);
            if (written != result.repairedSize()) {
                throw new IllegalStateException("repaired " + segmentFile.getFileName() + " is " + written
                        + " bytes, validation expected " + result.repairedSize());
            }
            out.force(true);
        }
        List<CorruptFile.Region> regions = new ArrayList<>();
        for (SegmentValidator.Edit edit : result.edits()) {
            if (edit.kind() == SegmentValidator.EditKind.DAMAGE) {
                regions.add(new CorruptFile.Region(edit.position(), (int) edit.length(), edit.firstOffsetLost(),
                        edit.lastOffsetLost()));
            }
        }
        if (!regions.isEmpty()) {
            CorruptFile.append(fileSystem, CorruptFile.path(directory, segment.baseOffset()), segment.baseOffset(), regions,
                    original);
        }
        fileSystem.deleteIfExists(LogSegment.offsetIndexFile(directory, segment.baseOffset()));
        fileSystem.deleteIfExists(LogSegment.timeIndexFile(directory, segment.baseOffset()));
        fileSystem.moveAtomically(temporary, segmentFile);
        fileSystem.fsyncDirectory(directory);
        segment.replaceFile(SegmentFile.open(cache, segmentFile));
    }

    private static long copy(SegmentFile from, long position, long bytes, FileChannel to, long toPosition, ByteBuffer chunk)
            throws IOException {
        for (long copied = 0; copied < bytes; ) {
            int now = (int) Math.min(chunk.capacity(), bytes - copied);
            chunk.clear().limit(now);
            from.readFully(chunk, position + copied);
            chunk.flip();
            writeFully(to, chunk, toPosition + copied);
            copied += now;
        }
        return bytes;
    }

    private static int writeFully(FileChannel out, ByteBuffer buffer, long position) throws IOException {
        int bytes = buffer.remaining();
        for (long at = position; buffer.hasRemaining(); ) {
            at += out.write(buffer, at);
        }
        return bytes;
    }
}
