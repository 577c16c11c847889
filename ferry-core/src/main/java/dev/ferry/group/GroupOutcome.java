package dev.ferry.group;

import java.util.ArrayList;
import java.util.List;

/**
 * What applying one command produced: answers to requests (this command's, or requests parked by
 * earlier commands that this one completed) and the records to make durable. The owner writes the
 * records first and sends the replies once they are durable, so no client hears of a commit or an
 * assignment that a crash could take back.
 */
public record GroupOutcome(List<Reply> replies, List<GroupRecord> records) {
    public GroupOutcome {
        replies = List.copyOf(replies);
        records = List.copyOf(records);
    }

    /** The answer to the request the caller numbered {@code requestId}. */
    public record Reply(long requestId, GroupResult result) {
    }

    /** Collects an outcome while a command is applied. */
    static final class Builder {
        private final List<Reply> replies = new ArrayList<>();
        private final List<GroupRecord> records = new ArrayList<>();

        void reply(long requestId, GroupResult result) {
            replies.add(new Reply(requestId, result));
        }

        void record(GroupRecord record) {
            records.add(record);
        }

        GroupOutcome build() {
            return new GroupOutcome(replies, records);
        }
    }
}
