package dev.ferry.log;

import static dev.ferry.log.LogTestSupport.appendRecords;
import static dev.ferry.log.LogTestSupport.smallConfig;
import static org.assertj.core.api.Assertions.assertThat;

import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.channels.WritableByteChannel;
import java.nio.file.Path;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** A transfer of no bytes sends nothing and touches neither the file nor the target. */
class LogSliceZeroTransferTest {
    @TempDir
    Path directory;

    @Test
    void shouldTransferNoBytesToAClosedTargetWithoutError() throws IOException {
        try (Log log = Log.open(directory.resolve("log"), smallConfig(FsyncPolicy.NEVER))) {
            appendRecords(log, 3, 40);
            LogSlice slice = log.read(0, 1024 * 1024);
            WritableByteChannel closed = new WritableByteChannel() {
                @Override
                public int write(ByteBuffer source) {
                    throw new AssertionError("nothing to write");
                }

                @Override
                public boolean isOpen() {
                    return false;
                }

                @Override
                public void close() {
                }
            };

            assertThat(slice.transferTo(slice.sizeInBytes(), 0, closed)).isZero();
            assertThat(slice.transferTo(0, 0, closed)).isZero();
        }
    }
}
