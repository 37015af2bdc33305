"""A TCP proxy that can be cut: the network fault of the chaos suite.

A service that should reach Postgres or RabbitMQ reaches this proxy instead,
which forwards every byte both ways. `cut()` closes every open connection
and the listening socket, so the service sees its connections reset and new
ones refused (a dead host, a partition, a firewall that changed its mind);
`restore()` listens again on the same port.

The Rust tests have the same tool (crates/platform/src/testing/cuttable_proxy.rs);
this one lives beside the suite that drives real processes, in the
standard library only.
"""

from __future__ import annotations

import socket
import threading
import time

from harness.processes import free_port


class CuttableProxy:
    def __init__(self, target_port: int, target_host: str = "127.0.0.1"):
        self.port = free_port()
        self.target = (target_host, target_port)
        self._lock = threading.Lock()
        self._connections: set[socket.socket] = set()
        self._listener: socket.socket | None = None
        self._closed = False
        self.restore()
        threading.Thread(target=self._accept_loop, daemon=True).start()

    @property
    def is_cut(self) -> bool:
        return self._listener is None

    def restore(self) -> None:
        """Listens again (same port): new connections go through."""
        listener = socket.socket()
        listener.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
        listener.bind(("127.0.0.1", self.port))
        listener.listen(128)
        listener.settimeout(0.2)
        with self._lock:
            self._listener = listener

    def cut(self) -> None:
        """Resets every connection and refuses new ones until `restore`."""
        with self._lock:
            listener, self._listener = self._listener, None
            connections, self._connections = self._connections, set()
        if listener is not None:
            listener.close()
        for connection in connections:
            _close(connection)

    def close(self) -> None:
        self._closed = True
        self.cut()

    def _accept_loop(self) -> None:
        while not self._closed:
            listener = self._listener
            if listener is None:
                time.sleep(0.05)
                continue
            try:
                client, _ = listener.accept()
            except (TimeoutError, OSError):
                continue
            try:
                upstream = socket.create_connection(self.target, timeout=5)
                upstream.settimeout(None)
                client.settimeout(None)
            except OSError:
                _close(client)
                continue
            with self._lock:
                if self._listener is not listener:  # cut while connecting
                    _close(client)
                    _close(upstream)
                    continue
                self._connections.update((client, upstream))
            for source, sink in ((client, upstream), (upstream, client)):
                threading.Thread(target=self._pump, args=(source, sink), daemon=True).start()

    def _pump(self, source: socket.socket, sink: socket.socket) -> None:
        try:
            while chunk := source.recv(65536):
                sink.sendall(chunk)
        except OSError:
            pass
        finally:
            # One side ended: end both, as a real connection would.
            with self._lock:
                self._connections.discard(source)
                self._connections.discard(sink)
            _close(source)
            _close(sink)


def _close(connection: socket.socket) -> None:
    try:
        connection.shutdown(socket.SHUT_RDWR)
    except OSError:
        pass
    connection.close()
