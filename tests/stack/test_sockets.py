"""The /proc reader the binding tests rely on, checked against sockets this test opens itself."""
from __future__ import annotations

import os
import socket
import sys

import pytest

from tests.stack.sockets import listening_sockets

pytestmark = pytest.mark.skipif(not sys.platform.startswith("linux"), reason="reads Linux's /proc")


@pytest.mark.parametrize("host", ["127.0.0.1", "0.0.0.0"])
def test_a_listening_socket_is_found_with_its_address(host):
    with socket.socket() as server:
        server.bind((host, 0))
        server.listen()
        port = server.getsockname()[1]
        assert (host, port) in listening_sockets(os.getpid())


def test_a_socket_that_does_not_listen_is_not_reported():
    with socket.socket() as unbound, socket.socket() as bound:
        bound.bind(("127.0.0.1", 0))
        port = bound.getsockname()[1]
        assert not any(found_port == port for _, found_port in listening_sockets(os.getpid()))
        del unbound


def test_ipv6_wildcard_is_read():
    if not socket.has_ipv6:
        pytest.skip("no IPv6 here")
    with socket.socket(socket.AF_INET6) as server:
        try:
            server.bind(("::", 0))
        except OSError:
            pytest.skip("IPv6 is disabled here")
        server.listen()
        assert ("::", server.getsockname()[1]) in listening_sockets(os.getpid())
