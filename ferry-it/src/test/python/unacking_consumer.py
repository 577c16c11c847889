#!/usr/bin/env python3
"""A consumer that takes messages and never acknowledges them, to be killed by the test.

usage: unacking_consumer.py HOST PORT QUEUE PREFETCH
Prints "got BODY" for every delivery (flushed), and nothing else; runs until killed (or 60 s).
"""
import signal
import sys

import pika


def main():
    host, port, queue, prefetch = sys.argv[1], int(sys.argv[2]), sys.argv[3], int(sys.argv[4])
    signal.alarm(60)
    parameters = pika.ConnectionParameters(host=host, port=port,
                                           credentials=pika.PlainCredentials("guest", "guest"))
    connection = pika.BlockingConnection(parameters)
    channel = connection.channel()
    channel.basic_qos(prefetch_count=prefetch)

    def on_message(ch, method, properties, body):
        print("got " + body.decode("utf-8"), flush=True)

    channel.basic_consume(queue=queue, on_message_callback=on_message, auto_ack=False)
    channel.start_consuming()


if __name__ == "__main__":
    main()
