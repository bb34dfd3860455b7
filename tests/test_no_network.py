import socket

import pytest


def test_outbound_connection_is_refused_by_the_guard():
    with pytest.raises(AssertionError, match="network"):
        socket.create_connection(("93.184.216.34", 80), timeout=1)


def test_loopback_is_allowed():
    srv = socket.socket()
    srv.bind(("127.0.0.1", 0))
    srv.listen(1)
    port = srv.getsockname()[1]
    c = socket.create_connection(("127.0.0.1", port), timeout=2)
    c.close()
    srv.close()
