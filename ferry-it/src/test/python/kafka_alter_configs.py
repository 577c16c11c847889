"""Non-incremental AlterConfigs (API key 33) from librdkafka, as clients built before
IncrementalAlterConfigs send it: the topic's configs become exactly the ones given.

usage: kafka_alter_configs.py BOOTSTRAP TOPIC
Sets retention.ms=123456 and max.message.bytes=50000 on TOPIC in one request, then checks that
an unknown config name is refused with INVALID_CONFIG, and prints "kafka_alter_configs ok".
The caller checks what the broker kept (and that overrides left out went back to their defaults).
"""
import sys

from confluent_kafka import KafkaException
from confluent_kafka.admin import AdminClient, ConfigResource

bootstrap, topic = sys.argv[1], sys.argv[2]
admin = AdminClient({"bootstrap.servers": bootstrap})

wanted = ConfigResource("topic", topic, set_config={"retention.ms": "123456", "max.message.bytes": "50000"})
admin.alter_configs([wanted])[wanted].result(timeout=30)
print("kafka_alter_configs altered", topic)

unknown = ConfigResource("topic", topic, set_config={"no.such.config": "1"})
try:
    admin.alter_configs([unknown])[unknown].result(timeout=30)
    print("kafka_alter_configs FAIL: an unknown config was accepted")
    sys.exit(1)
except KafkaException as refused:
    print("kafka_alter_configs refused:", refused.args[0].name())
    if refused.args[0].name() != "INVALID_CONFIG":
        sys.exit(1)
print("kafka_alter_configs ok")
