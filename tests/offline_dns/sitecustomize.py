"""A resolver for tests that must not send a DNS query off the machine.

Put this directory on ``PYTHONPATH`` of a tap subprocess: every host name except ``localhost``
then fails to resolve the way an unknown name does (``EAI_NONAME``), and IP literals still
connect. A mistyped ``datacenter`` or ``api_url`` is thereby tested end to end, offline.
"""

from __future__ import annotations

import ipaddress
import socket

_resolve = socket.getaddrinfo


def _offline_getaddrinfo(host, *args, **kwargs):  # type: ignore[no-untyped-def]
    name = host.decode() if isinstance(host, bytes) else host
    if name is not None and name != "localhost":
        try:
            ipaddress.ip_address(name)
        except ValueError:
            raise socket.gaierror(socket.EAI_NONAME, "Name or service not known") from None
    return _resolve(host, *args, **kwargs)


socket.getaddrinfo = _offline_getaddrinfo
