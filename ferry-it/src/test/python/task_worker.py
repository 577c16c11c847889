#!/usr/bin/env python3
"""Task-queue worker, in the classic pika style: declares the same durable queue, takes one task
at a time (prefetch 1), acknowledges each after handling it, and stops once it has all of them.

usage: task_worker.py HOST PORT QUEUE COUNT
Prints "task_worker ready" once it is consuming, and "task_worker received COUNT tasks" when it
has every task "task 0" .. "task COUNT-1" exactly once; then deletes the queue and exits 0.
Otherwise prints one line and exits 1. Bounded by a timeout.
"""
import os
import signal
import sys

TIMEOUT_SECONDS = 45


def fail(message):
    print("task_worker FAILED: " + message, flush=True)
    os._exit(1)


def main():
    host, port, queue, count = sys.argv[1], int(sys.argv[2]), sys.argv[3], int(sys.argv[4])
    signal.signal(signal.SIGALRM, lambda *_: fail("timed out after %d s" % TIMEOUT_SECONDS))
    signal.alarm(TIMEOUT_SECONDS)
    import pika

    parameters = pika.ConnectionParameters(
        host=host, port=port, credentials=pika.PlainCredentials("guest", "guest"),
        connection_attempts=1, socket_timeout=10, blocked_connection_timeout=10)
    connection = pika.BlockingConnection(parameters)
    channel = connection.channel()
    channel.queue_declare(queue=queue, durable=True)
    channel.basic_qos(prefetch_count=1)
    received = []

    def handle(chan, method, properties, body):
        if properties.delivery_mode != 2:
            fail("task %r arrived with delivery_mode %r, expected 2" % (body, properties.delivery_mode))
        received.append(body.decode())
        chan.basic_ack(delivery_tag=method.delivery_tag)
        if len(received) == count:
            chan.stop_consuming()

    channel.basic_consume(queue=queue, on_message_callback=handle)
    print("task_worker ready", flush=True)
    channel.start_consuming()

    expected = sorted("task %d" % number for number in range(count))
    if sorted(received) != expected:
        fail("got %r, expected %r" % (received, expected))
    left = channel.queue_declare(queue=queue, passive=True).method.message_count
    if left != 0:
        fail("%d messages left in %s after every task was acknowledged" % (left, queue))
    channel.queue_delete(queue=queue)
    connection.close()
    print("task_worker received %d tasks" % len(received), flush=True)


if __name__ == "__main__":
    try:
        main()
    except Exception as error:
        fail(repr(error))
    sys.exit(0)
