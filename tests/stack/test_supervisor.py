"""The supervisor behind `python -m stack run`: a service that dies is restarted with a back-off and the
others keep running; stopping stops everything. Real processes (tests/stack/fake_service.py, which start
in a fraction of a second) stand in for the bot's services; the back-off arithmetic is checked with a
scripted service and a fake clock."""
from __future__ import annotations

import os
import signal
import socket
import subprocess
import sys
import time
from dataclasses import dataclass, field
from pathlib import Path
from types import SimpleNamespace

import pytest

from settings import PROJECT_ROOT
from stack.processes import Service
from stack.supervisor import BackOff, ServiceState, Supervisor
from tests.stack.sockets import listener_pid

FAKE = str(Path(__file__).with_name("fake_service.py"))


def free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return probe.getsockname()[1]


def fake(name: str, log_dir: Path, *extra: str) -> Service:
    port = free_port()
    return Service(name=name, command=[sys.executable, FAKE, "--port", str(port), "--name", name, *extra],
                   ready_url=f"http://127.0.0.1:{port}/", log_path=log_dir / f"{name}.log", env=dict(os.environ))


def wait_for(condition, timeout: float = 20, what: str = "condition") -> None:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if condition():
            return
        time.sleep(0.05)
    raise AssertionError(f"timed out waiting for {what}")


def pid_alive(pid: int) -> bool:
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    # a zombie (exited, not yet reaped) still accepts signal 0
    stat = Path(f"/proc/{pid}/stat")
    return not (stat.exists() and stat.read_text().split(")")[-1].split()[0] == "Z")


@pytest.fixture()
def said() -> list[str]:
    return []


def test_a_killed_service_is_restarted_and_the_others_keep_running(tmp_path, said):
    first, second = fake("first", tmp_path), fake("second", tmp_path)
    with Supervisor([first, second], backoff=BackOff(first=0.2), say=said.append, poll_seconds=0.05) as supervisor:
        supervisor.start_all()
        supervisor.start_in_background()
        killed, other = first.process.pid, second.process.pid
        os.kill(killed, signal.SIGKILL)
        supervisor.wait_restarted("first", timeout=20)
        assert first.process.pid != killed and first.running() and first.answers()
        assert second.process.pid == other and second.running(), "the other service is left alone"
    report = "\n".join(said)
    assert "first stopped (killed by signal SIGKILL (9)); the other services keep running" in report
    assert "first last words before dying" in report, "the last lines of its log are shown"
    assert "restarting first (restart 1)" in report and "first is answering again" in report
    assert "second" not in report
    assert not first.running() and not second.running(), "leaving the supervisor stops everything"


def test_a_service_that_keeps_dying_is_restarted_less_and_less_often(tmp_path, said):
    dying = fake("dying", tmp_path, "--die-after", "0.4", "--exit-code", "3")
    steady = fake("steady", tmp_path)
    with Supervisor([dying, steady], backoff=BackOff(first=0.1, cap=0.4), say=said.append,
                    poll_seconds=0.05) as supervisor:
        supervisor.start_all()
        supervisor.start_in_background()
        wait_for(lambda: supervisor.states["dying"].restarts >= 4, timeout=30, what="four restarts")
        assert steady.running() and supervisor.states["steady"].restarts == 0
    delays = [line.split("restarting it in ")[1].split(" s.")[0] for line in said if "restarting it in" in line]
    assert delays[:4] == ["0.1", "0.2", "0.4", "0.4"], said
    assert "dying stopped (exit code 3)" in said[0]


def test_stopping_stops_every_service_and_restarts_nothing(tmp_path, said):
    services = [fake(name, tmp_path) for name in ("a", "b", "c")]
    supervisor = Supervisor(services, backoff=BackOff(first=0.05), say=said.append, poll_seconds=0.05)
    supervisor.start_all()
    supervisor.start_in_background()
    pids = [service.process.pid for service in services]
    supervisor.stop()
    time.sleep(0.3)
    assert not any(pid_alive(pid) for pid in pids)
    assert all(state.restarts == 0 for state in supervisor.states.values()), said


def test_a_service_that_cannot_start_stops_the_first_start(tmp_path, said):
    healthy = fake("healthy", tmp_path)
    broken = fake("broken", tmp_path, "--die-after", "0", "--exit-code", "7")
    broken.ready_url = "http://127.0.0.1:9/"  # never answers, so only its death can end the wait
    supervisor = Supervisor([healthy, broken], say=said.append)
    with pytest.raises(RuntimeError, match=r"broken stopped \(exit code 7\) before it was ready"):
        supervisor.start_all()
    assert not healthy.running(), "what had started is stopped again"


def logged_fake(name: str, log_dir: Path) -> Service:
    """A stand-in run under the project's log writer, as the stack runs every service."""
    from stack.processes import LOG_WRITER, logged

    if not LOG_WRITER.exists():
        pytest.skip("settings/logging.py is not in this checkout")
    service = fake(name, log_dir)
    service.command, service.writes_log = logged(service.command, service.log_path)
    return service


def test_under_the_log_writer_a_killed_service_is_reported_and_restarted(tmp_path, said):
    service = logged_fake("wrapped", tmp_path)
    port = int(service.ready_url.rsplit(":", 1)[1].strip("/"))
    with Supervisor([service], backoff=BackOff(first=0.2), say=said.append, poll_seconds=0.05) as supervisor:
        supervisor.start_all()
        supervisor.start_in_background()
        inner = listener_pid(service.process.pid, port)
        assert inner and inner != service.process.pid
        os.kill(inner, signal.SIGKILL)
        supervisor.wait_restarted("wrapped", timeout=30)
    assert "wrapped stopped (killed by signal SIGKILL (9), exit code 137)" in said[0], said
    assert "wrapped last words before dying" in said[0], "the log writer's file is the one shown"


def test_when_the_log_writer_dies_its_orphan_is_stopped_before_the_restart(tmp_path, said):
    service = logged_fake("orphaned", tmp_path)
    port = int(service.ready_url.rsplit(":", 1)[1].strip("/"))
    with Supervisor([service], backoff=BackOff(first=0.2), say=said.append, poll_seconds=0.05) as supervisor:
        supervisor.start_all()
        supervisor.start_in_background()
        orphan = listener_pid(service.process.pid, port)
        try:
            os.kill(service.process.pid, signal.SIGKILL)  # the writer, not the service
            supervisor.wait_restarted("orphaned", timeout=30)
            assert not pid_alive(orphan), "the old service was stopped, so the new one could take the port"
            assert listener_pid(service.process.pid, port) not in (None, orphan)
        finally:
            if pid_alive(orphan):
                os.kill(orphan, signal.SIGKILL)


# --- the back-off with a scripted service and a fake clock -----------------------------------------------

@dataclass
class ScriptedService:
    """Duck-types `Service` for the supervisor: dies and answers when the test says so."""

    name: str = "scripted"
    alive: bool = True
    answering: bool = True
    starts: int = 0
    log_path: Path = Path("scripted.log")
    process: SimpleNamespace = field(default_factory=lambda: SimpleNamespace(returncode=None))

    def start(self):
        self.starts += 1
        self.alive, self.process = True, SimpleNamespace(returncode=None)

    def running(self) -> bool:
        return self.alive

    def answers(self, timeout: float = 1) -> bool:
        return self.answering

    def stop(self) -> None:
        self.alive, self.process = False, SimpleNamespace(returncode=-15)

    def stop_leftovers(self) -> None:
        pass

    def die(self) -> None:
        self.alive, self.process = False, SimpleNamespace(returncode=1)

    def log_tail(self, lines: int = 25) -> str:
        return "(log)"


def scripted_supervisor(said, **backoff) -> tuple[Supervisor, ScriptedService]:
    service = ScriptedService()
    supervisor = Supervisor([service], backoff=BackOff(**backoff), say=said.append, ready_timeout=30)
    supervisor.states[service.name] = ServiceState(started_at=0, ready_at=0)
    return supervisor, service


def die_and_get_delay(supervisor, service, now: float) -> float:
    service.die()
    supervisor.check_once(now)
    return supervisor.states[service.name].restart_at - now


def restart_and_answer(supervisor, service, now: float) -> None:
    starts = service.starts
    supervisor.check_once(now)   # the restart is due
    assert service.starts == starts + 1
    supervisor.check_once(now)   # it answers
    assert supervisor.states[service.name].ready_at == now


def test_the_delay_doubles_up_to_the_cap_and_resets_after_a_stable_run(said):
    supervisor, service = scripted_supervisor(said, first=1, factor=2, cap=4, stable_seconds=10)
    assert die_and_get_delay(supervisor, service, 1) == 1
    supervisor.check_once(1.5)
    assert service.starts == 0, "nothing is restarted before its delay"
    restart_and_answer(supervisor, service, 2)
    assert die_and_get_delay(supervisor, service, 3) == 2
    restart_and_answer(supervisor, service, 5)
    assert die_and_get_delay(supervisor, service, 6) == 4
    restart_and_answer(supervisor, service, 10)
    assert die_and_get_delay(supervisor, service, 11) == 4, "capped"
    restart_and_answer(supervisor, service, 15)
    supervisor.check_once(26)    # up and answering for 11 s > 10 s: healthy again
    assert supervisor.states[service.name].failures == 0
    assert die_and_get_delay(supervisor, service, 27) == 1, "back to the first delay"
    assert supervisor.states[service.name].restarts == 4


def test_a_restarted_service_that_never_answers_is_stopped_and_restarted(said):
    supervisor, service = scripted_supervisor(said, first=1, cap=8)
    die_and_get_delay(supervisor, service, 1)
    service.answering = False
    supervisor.check_once(2)           # restarted, alive, silent
    supervisor.check_once(20)
    assert service.alive
    supervisor.check_once(33)          # 31 s after its restart > ready_timeout 30 s
    assert not service.alive and supervisor.states[service.name].restart_at is not None
    assert any("did not answer within 30 s" in line for line in said)


# --- `python -m stack run` itself --------------------------------------------------------------------------

RUN_WITH_FAKES = """
import sys
import stack.__main__ as run_module
from stack.processes import Service
services = [Service(name=n, command=[sys.executable, {fake!r}, "--port", p, "--name", n],
                    ready_url=f"http://127.0.0.1:{{p}}/", log_path=__import__("pathlib").Path({logs!r}) / f"{{n}}.log")
            for n, p in (("one", {one!r}), ("two", {two!r}), ("three", {three!r}))]
run_module.all_services = lambda *args, **kwargs: services
sys.exit(run_module.run())
"""


def logged_pid(path: Path) -> int:
    return int(path.read_text().splitlines()[-2].split(" pid ")[1].split()[0])


def test_stack_run_restarts_a_dead_service_and_stops_all_on_sigterm(tmp_path):
    if not any((PROJECT_ROOT / "models").glob("*.tar.gz")):
        pytest.skip("`python -m stack run` refuses to start without a model in models/")
    script = RUN_WITH_FAKES.format(fake=FAKE, logs=str(tmp_path), one=str(free_port()), two=str(free_port()),
                                   three=str(free_port()))
    output = tmp_path / "stack.out"
    with output.open("wb") as out:
        stack = subprocess.Popen([sys.executable, "-c", script], cwd=PROJECT_ROOT, stdout=out,
                                 stderr=subprocess.STDOUT, env={**os.environ, "PYTHONPATH": str(PROJECT_ROOT)})
    try:
        wait_for(lambda: "The bot is running" in output.read_text() or stack.poll() is not None,
                 what="the stack to start")
        assert stack.poll() is None, output.read_text()
        pids = {name: logged_pid(tmp_path / f"{name}.log") for name in ("one", "two", "three")}
        os.kill(pids["two"], signal.SIGKILL)
        wait_for(lambda: "two is answering again" in output.read_text(), what="the restart of two")
        assert stack.poll() is None, "the stack keeps running"
        assert pid_alive(pids["one"]) and pid_alive(pids["three"]), "the others were not touched"
        new_two = logged_pid(tmp_path / "two.log")
        assert new_two != pids["two"]
        stack.send_signal(signal.SIGTERM)
        assert stack.wait(timeout=30) == 0
        time.sleep(0.2)
        assert not any(pid_alive(pid) for pid in (pids["one"], new_two, pids["three"])), "all stopped"
        text = output.read_text()
        assert "two stopped (killed by signal SIGKILL (9))" in text and "stopping..." in text
    finally:
        if stack.poll() is None:
            stack.kill()
