"""The chaos suite: faults injected into the running system, and an
account of every change the clients were promised. See __main__.py."""
