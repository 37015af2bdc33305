#!/usr/bin/env python3
"""`/mailpit readyz`: exit 0 when the SMTP port answers with a 220 greeting."""
import socket
import sys

if sys.argv[1:] != ["readyz"]:
    sys.exit("usage: /mailpit readyz")
try:
    with socket.create_connection(("127.0.0.1", 1025), timeout=2) as smtp:
        greeting = smtp.recv(64)
except OSError as error:
    sys.exit(f"not ready: {error}")
sys.exit(0 if greeting.startswith(b"220") else "not ready: no SMTP greeting")
