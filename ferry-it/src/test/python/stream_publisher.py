"""Publishes COUNT messages through EXCHANGE with routing keys ROUTING_KEY.<i>, each with
properties and headers, and waits for every publisher confirm; prints "confirmed N" at the end.

usage: stream_publisher.py PORT EXCHANGE ROUTING_KEY COUNT
"""
import sys

import pika

port, exchange, routing_key, count = int(sys.argv[1]), sys.argv[2], sys.argv[3], int(sys.argv[4])
connection = pika.BlockingConnection(pika.ConnectionParameters(
    '127.0.0.1', port, credentials=pika.PlainCredentials('guest', 'guest')))
channel = connection.channel()
channel.confirm_delivery()
for i in range(count):
    properties = pika.BasicProperties(content_type='text/plain', message_id='m-%d' % i,
                                      timestamp=1700000000 + i, delivery_mode=2,
                                      headers={'source': 'pika', 'seq': i})
    # BlockingChannel with confirms raises if the broker nacks or returns the message.
    channel.basic_publish(exchange, '%s.%d' % (routing_key, i), ('body-%d' % i).encode(), properties,
                          mandatory=True)
print('confirmed %d' % count, flush=True)
connection.close()
