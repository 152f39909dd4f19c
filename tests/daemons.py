"""Servers the tests start on localhost in a subprocess (Radicale, dovecot): a free port, start until it
answers, stop for good."""

import socket
import subprocess
import time
from pathlib import Path


def free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return probe.getsockname()[1]


class LocalServer:
    name = "the server"

    def __init__(self) -> None:
        self.port = free_port()
        self.process: subprocess.Popen[bytes] | None = None

    def _answers(self) -> bool:
        raise NotImplementedError

    def _log(self) -> str:
        """What the server said, for the error when it does not start."""
        return ""

    def _launch(self, command: list[str], timeout: float, log_path: Path | None = None) -> None:
        if log_path is None:
            self.process = subprocess.Popen(command, stdout=subprocess.DEVNULL, stderr=subprocess.STDOUT)
        else:
            with open(log_path, "wb") as log:  # the child keeps its own copy of the descriptor
                self.process = subprocess.Popen(command, stdout=log, stderr=subprocess.STDOUT)
        deadline = time.monotonic() + timeout
        while not self._answers():
            if self.process.poll() is not None or time.monotonic() > deadline:
                self.stop()
                raise RuntimeError(f"{self.name} did not start:\n{self._log()}")
            time.sleep(0.05)

    def stop(self) -> None:
        if self.process is None:
            return
        self.process.terminate()
        try:
            self.process.wait(timeout=5)
        except subprocess.TimeoutExpired:
            self.process.kill()
            self.process.wait()
        self.process = None
