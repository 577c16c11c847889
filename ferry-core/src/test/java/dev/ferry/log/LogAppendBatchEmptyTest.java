package dev.ferry.log;

import static dev.ferry.log.LogTestSupport.appendRecords;
import static dev.ferry.log.LogTestSupport.smallConfig;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.nio.ByteBuffer;
import java.nio.file.Path;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** An encoded append of no bytes at all holds no batch: it is refused, and takes no offset. */
class LogAppendBatchEmptyTest {
    @TempDir
    Path directory;

    @Test
    void shouldRefuseAnEmptyBufferOfBatchesAndWriteNothing() {
        try (Log log = Log.open(directory.resolve("empty-batch"), smallConfig(FsyncPolicy.NEVER))) {
            appendRecords(log, 2, 10);
            long bytesBefore = log.sizeInBytes();

            assertThatThrownBy(() -> log.appendBatch(ByteBuffer.allocate(0)))
                    .isInstanceOf(InvalidBatchException.class).hasMessageContaining("less than one batch header");

            assertThat(log.logEndOffset()).isEqualTo(2);
            assertThat(log.sizeInBytes()).isEqualTo(bytesBefore);
            assertThat(appendRecords(log, 1, 10)).isEqualTo(new AppendResult(2, 2));
        }
    }
}
