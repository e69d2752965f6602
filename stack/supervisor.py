"""Keeps the bot's services running: a service that dies is restarted, the others are left alone.

A restart waits a back-off delay that doubles after each failure up to a cap (a service that cannot
start does not spin the two cores), and the delay goes back to the start once the service has been
up and answering for a while. Each death is reported on the stack's own output with the exit code or
signal and the last lines of the service's log. Stopping (Ctrl-C, SIGTERM) stops everything and
restarts nothing.

`python -m stack run` drives this from its main thread; the fault tests run it in a background thread
(`start_in_background`) and kill services under it.
"""
from __future__ import annotations

import sys
import threading
import time
from collections.abc import Callable
from dataclasses import dataclass, field

from stack.processes import Service, describe_exit, stop_all


@dataclass(frozen=True)
class BackOff:
    """Restart delays: `first`, then doubling, at most `cap`; reset after `stable_seconds` of health."""

    first: float = 1.0
    factor: float = 2.0
    cap: float = 60.0
    stable_seconds: float = 120.0

    def delay(self, failures: int) -> float:
        """The wait before restart number `failures` (1 = the first failure in a row)."""
        return min(self.cap, self.first * self.factor ** max(0, failures - 1))


@dataclass
class ServiceState:
    """What the supervisor knows about one service."""

    started_at: float = 0.0
    ready_at: float | None = None
    failures: int = 0          # deaths in a row without a stable run in between
    restarts: int = 0          # restarts done so far (for tests and the report)
    restart_at: float | None = None
    last_exit: str | None = None


def timestamped(message: str) -> None:
    print(f"[{time.strftime('%H:%M:%S')}] {message}", file=sys.stderr, flush=True)


@dataclass
class Supervisor:
    """Starts `services`, then restarts any that dies; `stop()` ends it all."""

    services: list[Service]
    backoff: BackOff = field(default_factory=BackOff)
    say: Callable[[str], None] = timestamped
    poll_seconds: float = 0.5
    ready_timeout: float = 300.0
    log_lines: int = 20
    states: dict[str, ServiceState] = field(default_factory=dict)
    stopping: threading.Event = field(default_factory=threading.Event)
    _thread: threading.Thread | None = None
    _lock: threading.Lock = field(default_factory=threading.Lock)

    def start_all(self, on_ready: Callable[[Service, float], None] | None = None) -> None:
        """Start every service and wait until each answers. A service that dies or hangs at this first
        start is a configuration problem (port taken, no model): everything is stopped and it raises."""
        try:
            for service in self.services:
                service.start()
                self.states[service.name] = ServiceState(started_at=time.monotonic())
            for service in self.services:
                seconds = self._wait_first_start(service)
                self.states[service.name].ready_at = time.monotonic()
                if on_ready:
                    on_ready(service, seconds)
        except BaseException:
            stop_all(self.services)
            raise

    def _wait_first_start(self, service: Service) -> float:
        started = self.states[service.name].started_at
        while not self.stopping.is_set():
            if not service.running():
                raise RuntimeError(
                    f"{service.name} stopped ({describe_exit(service.process.returncode)}) before it was ready; "
                    f"last lines of {service.log_path}:\n{service.log_tail(self.log_lines)}")
            if service.answers():
                return time.monotonic() - started
            if time.monotonic() - started > self.ready_timeout:
                raise TimeoutError(f"{service.name} did not answer at {service.ready_url} within "
                                   f"{self.ready_timeout:.0f} s; last lines of {service.log_path}:\n"
                                   f"{service.log_tail(self.log_lines)}")
            time.sleep(0.3)
        raise KeyboardInterrupt("stopped while starting")

    def check_once(self, now: float | None = None) -> None:
        """One round: notice deaths, restart what is due, note services that answer again."""
        with self._lock:
            for service in self.services:
                if self.stopping.is_set():
                    return
                self._check(service, time.monotonic() if now is None else now)

    def _check(self, service: Service, now: float) -> None:
        state = self.states.setdefault(service.name, ServiceState(started_at=now))
        if state.restart_at is not None:
            if now >= state.restart_at:
                state.restart_at, state.ready_at, state.started_at = None, None, now
                state.restarts += 1
                self.say(f"restarting {service.name} (restart {state.restarts})")
                try:
                    service.start()
                except OSError as error:  # e.g. the executable vanished: try again later
                    self.say(f"{service.name} could not be started: {error.__class__.__name__}")
                    service.process = None
                    self._schedule_restart(service, state, now)
            return
        if not service.running():
            self._schedule_restart(service, state, now)
            return
        if state.ready_at is None:
            if service.answers():
                state.ready_at = now
                self.say(f"{service.name} is answering again after {now - state.started_at:.1f} s")
            elif now - state.started_at > self.ready_timeout:
                # alive but never answering: treat as dead, so it gets the next restart
                self.say(f"{service.name} did not answer within {self.ready_timeout:.0f} s of its restart; "
                          "stopping it")
                service.stop()
                self._schedule_restart(service, state, time.monotonic())
        elif state.failures and now - state.ready_at >= self.backoff.stable_seconds:
            state.failures = 0

    def _schedule_restart(self, service: Service, state: ServiceState, now: float) -> None:
        state.last_exit = describe_exit(service.process.returncode) if service.process else "not started"
        service.stop_leftovers()
        if state.ready_at is not None and now - state.ready_at >= self.backoff.stable_seconds:
            state.failures = 0
        state.failures += 1
        delay = self.backoff.delay(state.failures)
        state.restart_at, state.ready_at = now + delay, None
        self.say(f"{service.name} stopped ({state.last_exit}); the other services keep running; restarting it in "
                 f"{delay:g} s. Last lines of {service.log_path}:\n{service.log_tail(self.log_lines)}")

    def run_until_stopped(self) -> None:
        """Supervise until `stop()` (or `stopping.set()`, e.g. from a signal handler)."""
        while not self.stopping.wait(self.poll_seconds):
            self.check_once()

    def start_in_background(self) -> "Supervisor":
        self._thread = threading.Thread(target=self.run_until_stopped, name="supervisor", daemon=True)
        self._thread.start()
        return self

    def stop(self) -> None:
        """Restart nothing more, then stop every service (last started first)."""
        self.stopping.set()
        if self._thread is not None and self._thread is not threading.current_thread():
            self._thread.join(timeout=30)
        with self._lock:
            stop_all(self.services)

    def service(self, name: str) -> Service:
        return next(service for service in self.services if service.name == name)

    def wait_restarted(self, name: str, restarts: int = 1, timeout: float = 300) -> float:
        """Wait until `name` has been restarted `restarts` times and answers; return the seconds waited."""
        started = time.monotonic()
        while time.monotonic() - started < timeout:
            state = self.states.get(name)
            if state and state.restarts >= restarts and state.ready_at is not None:
                return time.monotonic() - started
            time.sleep(0.2)
        service = self.service(name)
        raise TimeoutError(f"{name} was not restarted and answering within {timeout:.0f} s; last lines of "
                           f"{service.log_path}:\n{service.log_tail(self.log_lines)}")

    def __enter__(self) -> "Supervisor":
        return self

    def __exit__(self, *exc) -> None:
        self.stop()
