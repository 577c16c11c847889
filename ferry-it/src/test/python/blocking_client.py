#!/usr/bin/env python3
"""pika's BlockingConnection through the everyday calls, checking what the broker answers:
publish, basic_get (with the count of messages left), consume + ack, nack with requeue (the message
comes back first, flagged redelivered), nack without requeue (the message is gone), basic_get on an
empty queue, and publisher confirms: a routable message is confirmed, a mandatory unroutable one
raises UnroutableError (basic.return 312 NO_ROUTE), a non-mandatory unroutable one is confirmed and
dropped; and an auto-ack consumer cancelled at once gets back the messages delivered with its
consume-ok.

usage: blocking_client.py HOST PORT
Exits 0 when every check holds; otherwise prints one line and exits 1. Bounded by a timeout.
"""
import os
import signal
import sys
import uuid

TIMEOUT_SECONDS = 30


def fail(message):
    print("blocking_client FAILED: " + message, flush=True)
    os._exit(1)


def expect(condition, message):
    if not condition:
        fail(message)


def main():
    host, port = sys.argv[1], int(sys.argv[2])
    signal.signal(signal.SIGALRM, lambda *_: fail("timed out after %d s" % TIMEOUT_SECONDS))
    signal.alarm(TIMEOUT_SECONDS)
    import pika
    import pika.exceptions

    parameters = pika.ConnectionParameters(
        host=host, port=port, credentials=pika.PlainCredentials("guest", "guest"),
        connection_attempts=1, socket_timeout=10, blocked_connection_timeout=10)
    connection = pika.BlockingConnection(parameters)
    channel = connection.channel()
    queue = "ferry-pika.blocking-" + uuid.uuid4().hex[:12]
    declared = channel.queue_declare(queue=queue)
    expect(declared.method.queue == queue, "queue_declare-ok named %r, not %r" % (declared.method.queue, queue))
    try:
        exercise(pika, channel, queue)
    finally:
        channel.queue_delete(queue=queue)
    connection.close()


def exercise(pika, channel, queue):
    for body in (b"one", b"two", b"three"):
        channel.basic_publish(exchange="", routing_key=queue, body=body)

    # basic_get: the first message, and the count of those still waiting behind it.
    method, _, body = channel.basic_get(queue=queue, auto_ack=False)
    expect(body == b"one", "basic_get returned %r, expected b'one'" % (body,))
    expect(method.message_count == 2, "get-ok message_count is %r, expected 2" % method.message_count)
    expect(not method.redelivered, "a first basic_get is flagged redelivered")
    channel.basic_ack(delivery_tag=method.delivery_tag)

    # Consume one at a time, so that the order of (re)deliveries is determined.
    channel.basic_qos(prefetch_count=1)
    deliveries = channel.consume(queue=queue, auto_ack=False, inactivity_timeout=10)

    method, _, body = next_delivery(deliveries, "two")
    expect(not method.redelivered, "first delivery of b'two' is flagged redelivered")
    channel.basic_nack(delivery_tag=method.delivery_tag, requeue=True)

    method, _, body = next_delivery(deliveries, "two")
    expect(method.redelivered, "a message nacked with requeue came back without the redelivered flag")
    channel.basic_nack(delivery_tag=method.delivery_tag, requeue=False)

    method, _, body = next_delivery(deliveries, "three")
    channel.basic_ack(delivery_tag=method.delivery_tag)
    channel.cancel()

    method, properties, body = channel.basic_get(queue=queue, auto_ack=False)
    expect(method is None and body is None, "basic_get on an empty queue returned %r %r" % (method, body))
    left = channel.queue_declare(queue=queue, passive=True).method.message_count
    expect(left == 0, "%d messages left, expected none (nack without requeue must drop)" % left)

    # Publisher confirms.
    channel.confirm_delivery()
    channel.basic_publish(exchange="", routing_key=queue, body=b"confirmed", mandatory=True)
    nowhere = "ferry-pika.no-such-queue-" + uuid.uuid4().hex[:12]
    try:
        channel.basic_publish(exchange="", routing_key=nowhere, body=b"lost", mandatory=True)
        fail("a mandatory publish to no queue did not raise UnroutableError")
    except pika.exceptions.UnroutableError as error:
        returned = error.messages[0]
        expect(returned.method.reply_code == 312, "returned with reply_code %r, expected 312" % returned.method.reply_code)
        expect(returned.method.reply_text == "NO_ROUTE", "returned with reply_text %r" % returned.method.reply_text)
        expect(returned.body == b"lost", "returned body is %r" % (returned.body,))
    # Without mandatory, an unroutable message is simply confirmed and dropped.
    channel.basic_publish(exchange="", routing_key=nowhere, body=b"dropped")

    method, _, body = channel.basic_get(queue=queue, auto_ack=True)
    expect(body == b"confirmed", "after confirms basic_get returned %r, expected b'confirmed'" % (body,))
    expect(method.message_count == 0, "get-ok message_count is %r, expected 0" % method.message_count)

    # An auto-ack consumer cancelled as soon as basic_consume returns: basic_cancel hands back what
    # was delivered with the consume-ok. RabbitMQ writes the first deliveries with it; a broker that
    # sent them a moment later would have them arrive after the cancel, and pika drops those (they
    # are acked already, so they would be lost). Several rounds, for a timing-dependent failure.
    for round_number in range(5):
        for body in (b"early-1", b"early-2"):
            channel.basic_publish(exchange="", routing_key=queue, body=body)
        tag = channel.basic_consume(queue=queue, on_message_callback=lambda *_: None, auto_ack=True)
        returned = channel.basic_cancel(tag)
        bodies = [message[2] for message in returned]
        expect(bodies == [b"early-1", b"early-2"],
               "round %d: basic_cancel right after basic_consume returned %r" % (round_number, bodies))


def next_delivery(deliveries, expected_body):
    method, properties, body = next(deliveries)
    if method is None:
        fail("no delivery within the inactivity timeout, expected %r" % expected_body)
    expect(body == expected_body.encode(), "consumed %r, expected %r" % (body, expected_body))
    return method, properties, body


if __name__ == "__main__":
    try:
        main()
    except Exception as error:
        fail(repr(error))
    print("blocking_client OK", flush=True)
    sys.exit(0)
