#!/usr/bin/env python3
"""pika's asynchronous adapter (SelectConnection): every step is a callback. Opens a channel,
turns on publisher confirms, declares a durable queue, starts a consumer, publishes persistent
messages, and finishes when every message is both confirmed by the broker (acks may cover many
delivery tags at once) and received and acknowledged by the consumer, in publish order.

usage: async_client.py HOST PORT
Exits 0 on success; otherwise prints one line and exits 1. Bounded by a timeout on the ioloop.
"""
import sys
import uuid

try:
    import pika
except ImportError as missing:
    print("async_client FAILED: cannot import pika (install python3-pika): %s" % missing, flush=True)
    sys.exit(1)

TIMEOUT_SECONDS = 30
MESSAGES = 200


class AsyncRoundTrip:
    def __init__(self, host, port):
        self.queue = "ferry-pika.async-" + uuid.uuid4().hex[:12]
        self.unconfirmed = set()
        self.received = []
        self.failure = None
        self.done = False
        self.channel = None
        parameters = pika.ConnectionParameters(
            host=host, port=port, credentials=pika.PlainCredentials("guest", "guest"),
            connection_attempts=1, socket_timeout=10)
        self.connection = pika.SelectConnection(
            parameters,
            on_open_callback=self.on_connection_open,
            on_open_error_callback=lambda _, error: self.stop("cannot connect to %s:%s: %r" % (host, port, error)),
            on_close_callback=self.on_connection_closed)
        self.connection.ioloop.call_later(TIMEOUT_SECONDS, self.on_timeout)

    def run(self):
        self.connection.ioloop.start()
        if self.failure is None and not self.done:
            self.failure = "the ioloop stopped before the round trip finished"
        return self.failure

    def stop(self, failure=None):
        if failure is not None and self.failure is None:
            self.failure = failure
        if self.connection.is_open:
            self.connection.close()
        elif not self.connection.is_closing:
            self.connection.ioloop.stop()

    def on_timeout(self):
        self.stop("timed out after %d s: %d unconfirmed, %d of %d received"
                  % (TIMEOUT_SECONDS, len(self.unconfirmed), len(self.received), MESSAGES))

    def on_connection_closed(self, _connection, reason):
        if not self.done and self.failure is None:
            self.failure = "connection closed early: %s" % reason
        self.connection.ioloop.stop()

    def on_connection_open(self, connection):
        connection.channel(on_open_callback=self.on_channel_open)

    def on_channel_open(self, channel):
        self.channel = channel
        channel.add_on_close_callback(self.on_channel_closed)
        channel.confirm_delivery(ack_nack_callback=self.on_confirm, callback=self.on_confirm_mode)

    def on_channel_closed(self, _channel, reason):
        if not self.done:
            self.stop("channel closed early: %s" % reason)

    def on_confirm_mode(self, _frame):
        self.channel.queue_declare(queue=self.queue, durable=True, callback=self.on_queue_declared)

    def on_queue_declared(self, frame):
        if frame.method.queue != self.queue:
            self.stop("declare-ok named %r, not %r" % (frame.method.queue, self.queue))
            return
        self.channel.basic_qos(prefetch_count=20, callback=self.on_qos)

    def on_qos(self, _frame):
        self.channel.basic_consume(queue=self.queue, on_message_callback=self.on_message,
                                   callback=self.on_consuming)

    def on_consuming(self, _frame):
        # In confirm mode the broker numbers publishes 1, 2, 3, ... on this channel.
        for number in range(MESSAGES):
            self.unconfirmed.add(number + 1)
            self.channel.basic_publish(
                exchange="", routing_key=self.queue, body=("message %d" % number).encode(),
                properties=pika.BasicProperties(delivery_mode=2))

    def on_confirm(self, frame):
        method = frame.method
        if isinstance(method, pika.spec.Basic.Nack):
            self.stop("broker nacked delivery tag %d" % method.delivery_tag)
            return
        if method.multiple:
            self.unconfirmed = {tag for tag in self.unconfirmed if tag > method.delivery_tag}
        else:
            self.unconfirmed.discard(method.delivery_tag)
        self.finish_if_complete()

    def on_message(self, channel, method, properties, body):
        if properties.delivery_mode != 2:
            self.stop("message arrived with delivery_mode %r" % properties.delivery_mode)
            return
        self.received.append(body.decode())
        channel.basic_ack(delivery_tag=method.delivery_tag)
        self.finish_if_complete()

    def finish_if_complete(self):
        if self.done or self.unconfirmed or len(self.received) < MESSAGES:
            return
        expected = ["message %d" % number for number in range(MESSAGES)]
        if self.received != expected:
            self.stop("received out of order or wrong: first %r" % self.received[:5])
            return
        self.done = True
        self.channel.queue_delete(queue=self.queue, callback=lambda _frame: self.stop())


def main():
    host, port = sys.argv[1], int(sys.argv[2])
    failure = AsyncRoundTrip(host, port).run()
    if failure is not None:
        print("async_client FAILED: " + failure, flush=True)
        return 1
    print("async_client OK: %d messages confirmed and consumed" % MESSAGES, flush=True)
    return 0


if __name__ == "__main__":
    try:
        sys.exit(main())
    except Exception as error:
        print("async_client FAILED: %r" % (error,), flush=True)
        sys.exit(1)
