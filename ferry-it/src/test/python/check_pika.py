#!/usr/bin/env python3
"""Says whether this interpreter can import pika, and which version: the pika tests need Debian's
python3-pika (1.2) and must fail, not skip, without it."""
import sys

try:
    import pika
except ImportError as missing:
    print("pika is not importable by %s: %s" % (sys.executable, missing), flush=True)
    sys.exit(1)
print("pika %s" % pika.__version__, flush=True)
