"""confluent-kafka (librdkafka) against a Kafka port: an idempotent producer, a consumer group
that commits, and a second consumer of the same group that finds nothing left. Checks every
answer itself and exits 0 only if all were right.

usage: kafka_group_client.py BOOTSTRAP TOPIC COUNT
"""
import sys
import time
import uuid

from confluent_kafka import Consumer, KafkaError, Producer


def fail(message):
    print("kafka_group_client FAILED: " + message, flush=True)
    sys.exit(1)


def main():
    bootstrap, topic, count = sys.argv[1], sys.argv[2], int(sys.argv[3])
    group = "py-group-" + uuid.uuid4().hex[:8]

    delivered, errors = [], []

    def on_delivery(error, message):
        if error is not None:
            errors.append(str(error))
        else:
            delivered.append((message.partition(), message.offset()))

    producer = Producer({"bootstrap.servers": bootstrap, "enable.idempotence": True, "acks": "all"})
    for i in range(count):
        producer.produce(topic, key="key-%d" % i, value="value-%d" % i,
                         headers=[("origin", b"confluent-kafka")], on_delivery=on_delivery)
    left = producer.flush(30)
    if left or errors or len(delivered) != count:
        fail("produce: %d left, errors %s, %d delivered of %d" % (left, errors[:3], len(delivered), count))
    print("kafka_group_client produced %d" % count, flush=True)

    settings = {"bootstrap.servers": bootstrap, "group.id": group, "auto.offset.reset": "earliest",
                "enable.auto.commit": False, "session.timeout.ms": 10000}
    consumer = Consumer(settings)
    consumer.subscribe([topic])
    seen = {}
    deadline = time.time() + 60
    while len(seen) < count and time.time() < deadline:
        message = consumer.poll(1.0)
        if message is None:
            continue
        if message.error():
            if message.error().code() == KafkaError._PARTITION_EOF:
                continue
            fail("consume: %s" % message.error())
        key, value = message.key().decode(), message.value().decode()
        if key.replace("key-", "") != value.replace("value-", ""):
            fail("key %s came with value %s" % (key, value))
        if message.headers() != [("origin", b"confluent-kafka")]:
            fail("headers %s" % message.headers())
        seen[value] = message.offset()
    if len(seen) != count:
        fail("consumed %d distinct records of %d" % (len(seen), count))
    consumer.commit(asynchronous=False)
    committed = consumer.committed(consumer.assignment(), timeout=15)
    if sum(tp.offset for tp in committed) != count:
        fail("committed offsets %s do not add up to %d" % ([(tp.partition, tp.offset) for tp in committed], count))
    consumer.close()
    print("kafka_group_client consumed and committed %d" % count, flush=True)

    # The same group again: it starts from the committed offsets, so nothing is left to read.
    again = Consumer(settings)
    again.subscribe([topic])
    deadline = time.time() + 30
    while not again.assignment() and time.time() < deadline:
        message = again.poll(0.5)
        if message is not None and not message.error():
            fail("the group read %s again after committing it" % message.value())
    if not again.assignment():
        fail("the second consumer of the group got no partitions")
    quiet_until = time.time() + 3
    while time.time() < quiet_until:
        message = again.poll(0.5)
        if message is not None and not message.error():
            fail("the group read %s again after committing it" % message.value())
    again.close()
    print("kafka_group_client ok", flush=True)


if __name__ == "__main__":
    main()
