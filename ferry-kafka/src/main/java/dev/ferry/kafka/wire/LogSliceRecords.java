package dev.ferry.kafka.wire;

import dev.ferry.log.LogSlice;
import org.apache.kafka.common.record.internal.BaseRecords;
import org.apache.kafka.common.record.internal.RecordsSend;

/**
 * The records of a Fetch response as a range of a segment file. {@link ResponseWriter} sends them
 * as a {@link LogSliceRegion} (straight from the file to the socket) instead of copying them into
 * the response buffer; only their size is needed to size the response.
 */
public final class LogSliceRecords implements BaseRecords {
    private final LogSlice slice;

    public LogSliceRecords(LogSlice slice) {
        this.slice = slice;
    }

    public LogSlice slice() {
        return slice;
    }

    @Override
    public int sizeInBytes() {
        return slice.sizeInBytes();
    }

    /** Kafka's own network layer is not used: {@link ResponseWriter} sends the slice. */
    @Override
    public RecordsSend<? extends BaseRecords> toSend() {
        throw new UnsupportedOperationException("a log slice is sent by ResponseWriter as a file region");
    }

    @Override
    public String toString() {
        return "LogSliceRecords{" + slice + "}";
    }
}
