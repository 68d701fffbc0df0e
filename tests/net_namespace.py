"""A private network namespace for tests that start Ableton Link (issue 19's network rule).

Link announces itself by multicast on every network interface, so nothing that starts Link
may run on this machine's real interfaces. ``NetNamespace`` makes a namespace with only a
loopback (up, with the multicast range routed on it), held open by a sleeping process made
by ``unshare -n``. Programs run inside it with ``nsenter --net`` (``command``); the test
process reaches the namespace's loopback from one thread that entered it with ``setns``
(``call``): a socket belongs to the namespace of the thread that made it.
"""

from __future__ import annotations

import ctypes
import os
import subprocess
from concurrent.futures import ThreadPoolExecutor

CLONE_NEWNET = 0x40000000  # linux/sched.h
SETUP = "ip link set lo up && ip route add 224.0.0.0/4 dev lo && echo ready && exec sleep infinity"


class NetNamespace:
    """Loopback only, multicast on lo; ``close()`` ends it (and with it every socket in it)."""

    def __init__(self) -> None:
        self.holder = subprocess.Popen(["unshare", "-n", "bash", "-c", SETUP], stdout=subprocess.PIPE, text=True)
        line = self.holder.stdout.readline().strip()
        if line != "ready":
            self.holder.kill()
            raise RuntimeError(f"the network namespace could not be made (unshare said {line!r}; root is needed)")
        self.path = f"/proc/{self.holder.pid}/ns/net"
        self.inode = os.stat(self.path).st_ino
        if self.inode == os.stat("/proc/self/ns/net").st_ino:
            raise RuntimeError("unshare -n did not make a new network namespace")
        self._thread = ThreadPoolExecutor(max_workers=1, thread_name_prefix="netns", initializer=self._enter)

    def _enter(self) -> None:
        libc = ctypes.CDLL(None, use_errno=True)
        fd = os.open(self.path, os.O_RDONLY)
        try:
            if libc.setns(fd, CLONE_NEWNET) != 0:
                raise OSError(ctypes.get_errno(), "setns into the test namespace failed")
        finally:
            os.close(fd)
        if os.stat("/proc/thread-self/ns/net").st_ino != self.inode:
            raise RuntimeError("this thread is not in the test namespace")

    def command(self, *args: str) -> list[str]:
        """``args`` as a command line that runs inside the namespace."""
        return ["nsenter", f"--net={self.path}", *args]

    def call(self, function, *args, **kwargs):
        """``function(*args, **kwargs)`` on the thread inside the namespace (its sockets are there)."""
        return self._thread.submit(function, *args, **kwargs).result()

    def interfaces(self) -> list[str]:
        """The namespace's network interfaces (only ``lo``)."""
        out = subprocess.run(self.command("ip", "-o", "link", "show"), capture_output=True, text=True, check=True).stdout
        return [line.split(":")[1].strip() for line in out.splitlines()]

    def close(self) -> None:
        self._thread.shutdown(wait=True)
        self.holder.kill()
        self.holder.wait()
