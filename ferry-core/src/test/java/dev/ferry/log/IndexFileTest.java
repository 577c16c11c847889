package dev.ferry.log;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.junit.jupiter.api.Assertions.assertTimeoutPreemptively;

import java.io.IOException;
import java.io.RandomAccessFile;
import java.nio.ByteBuffer;
import java.nio.MappedByteBuffer;
import java.nio.channels.FileChannel;
import java.nio.channels.FileLock;
import java.nio.channels.ReadableByteChannel;
import java.nio.channels.WritableByteChannel;
import java.nio.file.OpenOption;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** {@link IndexFile} reads a file whole however its channel delivers the bytes, and refuses files it cannot. */
class IndexFileTest {
    @TempDir
    Path directory;

    private Path indexWithEntries() throws IOException {
        Path file = directory.resolve("00000000000000000100.index");
        OffsetIndex index = new OffsetIndex(100);
        index.append(110, 400);
        index.append(130, 900);
        index.writeTo(LogFileSystem.real(), file);
        return file;
    }

    @Test
    void shouldCallAnIndexFileOfTwoGibibytesDamagedWithoutReadingIt() throws IOException {
        Path file = directory.resolve("00000000000000000000.index");
        try (RandomAccessFile sparse = new RandomAccessFile(file.toFile(), "rw")) {
            sparse.setLength(1L << 31);
        }

        assertThatThrownBy(() -> IndexFile.readChecked(LogFileSystem.real(), file, OffsetIndex.MAGIC,
                OffsetIndex.VERSION, OffsetIndex.ENTRY_BYTES, 0))
                .isInstanceOf(IndexFile.DamagedException.class)
                .hasMessageContaining("unreadable");
    }

    @Test
    void shouldKeepReadingWhenAReadReturnsNoBytes() throws Exception {
        Path file = indexWithEntries();
        OddChannels fileSystem = new OddChannels();
        fileSystem.emptyReadsFirst = 2;

        ByteBuffer entries = IndexFile.readChecked(fileSystem, file, OffsetIndex.MAGIC, OffsetIndex.VERSION,
                OffsetIndex.ENTRY_BYTES, 100);

        assertThat(entries.remaining()).isEqualTo(2 * OffsetIndex.ENTRY_BYTES);
        assertThat(entries.getInt()).isEqualTo(10);
    }

    @Test
    void shouldCallAFileThatEndsBeforeItsReportedSizeUnreadable() throws Exception {
        Path file = indexWithEntries();
        OddChannels fileSystem = new OddChannels();
        fileSystem.extraReportedBytes = 8;

        assertTimeoutPreemptively(Duration.ofSeconds(20), () ->
                assertThatThrownBy(() -> IndexFile.readChecked(fileSystem, file, OffsetIndex.MAGIC,
                        OffsetIndex.VERSION, OffsetIndex.ENTRY_BYTES, 100))
                        .isInstanceOf(IndexFile.DamagedException.class)
                        .hasMessageContaining("unreadable"));
    }

    /**
     * The real file system, except that its channels may first return reads of no bytes (which the
     * {@link FileChannel} contract allows) and may report a size larger than the file's.
     */
    private static final class OddChannels implements LogFileSystem {
        private final LogFileSystem real = LogFileSystem.real();
        int emptyReadsFirst;
        long extraReportedBytes;

        @Override
        public FileChannel open(Path file, OpenOption... options) throws IOException {
            return new OddChannel(real.open(file, options));
        }

        @Override
        public void createDirectories(Path path) throws IOException {
            real.createDirectories(path);
        }

        @Override
        public boolean exists(Path path) {
            return real.exists(path);
        }

        @Override
        public long size(Path file) throws IOException {
            return real.size(file) + extraReportedBytes;
        }

        @Override
        public List<Path> list(Path path) throws IOException {
            return real.list(path);
        }

        @Override
        public boolean deleteIfExists(Path file) throws IOException {
            return real.deleteIfExists(file);
        }

        @Override
        public void moveAtomically(Path source, Path target) throws IOException {
            real.moveAtomically(source, target);
        }

        @Override
        public void fsyncDirectory(Path path) throws IOException {
            real.fsyncDirectory(path);
        }

        private final class OddChannel extends FileChannel {
            private final FileChannel delegate;

            OddChannel(FileChannel delegate) {
                this.delegate = delegate;
            }

            @Override
            public int read(ByteBuffer destination, long position) throws IOException {
                if (emptyReadsFirst > 0) {
                    emptyReadsFirst--;
                    return 0;
                }
                return delegate.read(destination, position);
            }

            @Override
            public long size() throws IOException {
                return delegate.size() + extraReportedBytes;
            }

            @Override
            public int read(ByteBuffer destination) throws IOException {
                throw new UnsupportedOperationException();
            }

            @Override
            public long read(ByteBuffer[] destinations, int offset, int length) throws IOException {
                throw new UnsupportedOperationException();
            }

            @Override
            public int write(ByteBuffer source) throws IOException {
                throw new UnsupportedOperationException();
            }

            @Override
            public long write(ByteBuffer[] sources, int offset, int length) throws IOException {
                throw new UnsupportedOperationException();
            }

            @Override
            public int write(ByteBuffer source, long position) throws IOException {
                return delegate.write(source, position);
            }

            @Override
            public long position() throws IOException {
                return delegate.position();
            }

            @Override
            public FileChannel position(long newPosition) throws IOException {
                delegate.position(newPosition);
                return this;
            }

            @Override
            public FileChannel truncate(long size) throws IOException {
                throw new UnsupportedOperationException();
            }

            @Override
            public void force(boolean metaData) throws IOException {
                delegate.force(metaData);
            }

            @Override
            public long transferTo(long position, long count, WritableByteChannel target) {
                throw new UnsupportedOperationException();
            }

            @Override
            public long transferFrom(ReadableByteChannel source, long position, long count) {
                throw new UnsupportedOperationException();
            }

            @Override
            public MappedByteBuffer map(MapMode mode, long position, long size) {
                throw new UnsupportedOperationException();
            }

            @Override
            public FileLock lock(long position, long size, boolean shared) {
                throw new UnsupportedOperationException();
            }

            @Override
            public FileLock tryLock(long position, long size, boolean shared) {
                throw new UnsupportedOperationException();
            }

            @Override
            protected void implCloseChannel() throws IOException {
                delegate.close();
            }
        }
    }
}
