#!/usr/bin/env python3
"""Task-queue producer, in the classic pika style: declares a durable queue and sends tasks to it
through the default exchange as persistent messages, then closes.

usage: task_producer.py HOST PORT QUEUE COUNT
Exits 0 when every task was handed to the broker; otherwise prints one line and exits 1.
Paired with task_worker.py, which runs as a separate process.
"""
import os
import signal
import sys

TIMEOUT_SECONDS = 30


def fail(message):
    print("task_producer FAILED: " + message, flush=True)
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
    # Declared by both sides, so whichever starts first the queue exists before a task is sent.
    channel.queue_declare(queue=queue, durable=True)
    for number in range(count):
        channel.basic_publish(
            exchange="", routing_key=queue, body=("task %d" % number).encode(),
            properties=pika.BasicProperties(delivery_mode=2))
    connection.close()
    print("task_producer sent %d tasks to %s" % (count, queue), flush=True)


if __name__ == "__main__":
    try:
        main()
    except Exception as error:  # one line for the test's failure message, not a traceback
        fail(repr(error))
    sys.exit(0)
