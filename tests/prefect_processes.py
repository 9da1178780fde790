"""A real Prefect server and its workers as child processes of a test, each stopped in the end."""

from __future__ import annotations

import contextlib
import os
import signal
import socket
import subprocess
import sys
import time
import urllib.request
from collections.abc import Iterator, Sequence
from contextlib import contextmanager
from pathlib import Path

BIN = Path(sys.executable).parent  # the prefect and bookingest commands of this environment


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


class Processes:
    """Started processes, each in its own process group (a worker's flow runs are its children),
    logging to a file in `logs`; `stop_all` ends every group, killing what does not stop."""

    def __init__(self, env: dict[str, str], logs: Path) -> None:
        self.env = env
        self.logs = logs
        self.started: list[subprocess.Popen[bytes]] = []

    def start(self, name: str, args: Sequence[str], cwd: Path | None = None) -> subprocess.Popen[bytes]:
        log = (self.logs / f"{name}.log").open("wb")
        proc = subprocess.Popen(
            [str(BIN / args[0]), *args[1:]], env=self.env, cwd=cwd, stdout=log, stderr=subprocess.STDOUT,
            start_new_session=True,
        )  # fmt: skip
        self.started.append(proc)
        return proc

    def run(self, args: Sequence[str], cwd: Path | None = None, timeout: float = 60) -> str:
        """A command to its end; its output, or AssertionError with it."""
        done = subprocess.run(
            [str(BIN / args[0]), *args[1:]], env=self.env, cwd=cwd, capture_output=True, text=True, timeout=timeout
        )
        assert done.returncode == 0, f"{' '.join(args)}: {done.stdout}\n{done.stderr}"
        return done.stdout

    def stop_all(self) -> None:
        for proc in reversed(self.started):  # the workers before the server they talk to
            _stop(proc)

    def log(self, name: str) -> str:
        path = self.logs / f"{name}.log"
        return path.read_text(errors="replace")[-4000:] if path.exists() else ""


def _stop(proc: subprocess.Popen[bytes]) -> None:
    with contextlib.suppress(ProcessLookupError):  # the group has ended already
        if proc.poll() is None:
            os.killpg(proc.pid, signal.SIGTERM)
            with contextlib.suppress(subprocess.TimeoutExpired):
                proc.wait(timeout=10)
        os.killpg(proc.pid, signal.SIGKILL)  # whatever is left of its group (a flow run of a stopped worker)
    proc.wait(timeout=10)


def wait_until_healthy(api_url: str, proc: subprocess.Popen[bytes], seconds: float) -> None:
    deadline = time.monotonic() + seconds
    while time.monotonic() < deadline:
        assert proc.poll() is None, "the Prefect server stopped while starting"
        try:
            with urllib.request.urlopen(f"{api_url}/health", timeout=2) as response:
                if response.status == 200:
                    return
        except OSError:
            pass
        time.sleep(0.5)
    raise AssertionError(f"the Prefect server at {api_url} was not up within {seconds} s")


@contextmanager
def prefect_server(home: Path) -> Iterator[tuple[str, Processes]]:
    """A Prefect server on a free port with its own PREFECT_HOME (its SQLite database in it),
    and the environment that points commands at it."""
    port = free_port()
    api_url = f"http://127.0.0.1:{port}/api"
    env = {
        **os.environ,
        "PREFECT_HOME": str(home),
        "PREFECT_API_URL": api_url,
        "PREFECT_SERVER_ANALYTICS_ENABLED": "false",
        "PREFECT_SERVER_UI_ENABLED": "false",
        "PREFECT_WORKER_QUERY_SECONDS": "1",  # workers poll for runs every second, not every 10
        "PREFECT_API_DATABASE_CONNECTION_URL": f"sqlite+aiosqlite:///{home / 'prefect.db'}",
    }
    processes = Processes(env, home)
    try:
        # Without its services: no scheduler makes runs of the deployment's cron while a test runs.
        start = ["prefect", "server", "start", "--host", "127.0.0.1", "--port", str(port), "--no-services"]
        server = processes.start("server", start)
        wait_until_healthy(api_url, server, 90)
        yield api_url, processes
    finally:
        processes.stop_all()
