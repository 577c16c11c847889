#!/usr/bin/env python3
"""pika's BlockingConnection logging in with a wrong password: pika announces the
authentication_failure_close capability, so the broker must answer with connection.close 403
ACCESS_REFUSED before it closes the socket, and pika then raises ProbableAuthenticationError carrying
that code and text (a socket that merely closes gives the same class, but with a StreamLostError
inside and no reply code).

usage: auth_failure.py HOST PORT
Exits 0 and prints "auth_failure ok" when the error is the one expected; otherwise prints one line
and exits 1. Bounded by a timeout.
"""
import os
import signal
import sys

TIMEOUT_SECONDS = 30


def fail(message):
    print("auth_failure FAILED: " + message, flush=True)
    os._exit(1)


def main():
    host, port = sys.argv[1], int(sys.argv[2])
    signal.signal(signal.SIGALRM, lambda *_: fail("timed out after %d s" % TIMEOUT_SECONDS))
    signal.alarm(TIMEOUT_SECONDS)
    import pika
    import pika.exceptions

    parameters = pika.ConnectionParameters(
        host=host, port=port, credentials=pika.PlainCredentials("guest", "not-the-password"),
        connection_attempts=1, socket_timeout=10)
    try:
        connection = pika.BlockingConnection(parameters)
    except pika.exceptions.ProbableAuthenticationError as error:
        text = str(error)
        if "403" not in text or "ACCESS_REFUSED - Login was refused" not in text:
            fail("ProbableAuthenticationError without the broker's 403 ACCESS_REFUSED: " + text)
        print("pika raised: " + text, flush=True)
        print("auth_failure ok", flush=True)
        return
    except Exception as error:  # noqa: BLE001 - any other class is the failure being reported
        fail("expected ProbableAuthenticationError, got %s: %s" % (type(error).__name__, error))
    connection.close()
    fail("the login with a wrong password was accepted")


if __name__ == "__main__":
    main()
