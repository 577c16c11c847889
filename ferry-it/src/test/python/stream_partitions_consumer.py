"""Reads every partition of a stream queue (a partitioned Kafka topic) from its first record with one
consumer, acknowledging each delivery, until COUNT arrived; prints one line per delivery:
"PARTITION OFFSET ROUTING_KEY BODY TRACE", where TRACE is the "trace" header, then "done".

usage: stream_partitions_consumer.py PORT QUEUE COUNT
"""
import signal
import sys

import pika

port, queue, count = int(sys.argv[1]), sys.argv[2], int(sys.argv[3])
signal.alarm(60)
connection = pika.BlockingConnection(pika.ConnectionParameters(
    '127.0.0.1', port, credentials=pika.PlainCredentials('guest', 'guest')))
channel = connection.channel()
channel.basic_qos(prefetch_count=7)
received = 0


def on_message(ch, method, properties, body):
    global received
    headers = properties.headers
    trace = headers['trace']
    if isinstance(trace, bytes):
        trace = trace.decode('utf-8')
    print('%d %d %s %s %s' % (headers['x-stream-partition'], headers['x-stream-offset'], method.routing_key,
                              body.decode('utf-8'), trace), flush=True)
    ch.basic_ack(method.delivery_tag)
    received += 1
    if received == count:
        ch.stop_consuming()


channel.basic_consume(queue, on_message, arguments={'x-stream-offset': 'first'})
channel.start_consuming()
print('done', flush=True)
connection.close()
