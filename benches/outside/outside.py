#!/usr/bin/env python3
"""Outside-client benchmark: post-to-screen latency as an independent SSH client sees it.

    pip install -r benches/outside/requirements.txt
    python3 benches/outside/outside.py --build --sessions 1000

The team benchmark (`cargo bench --bench load`) measures camp with its own russh client
and the `vt100` crate. This one measures it from outside the project: asyncssh for SSH and
pyte as the terminal emulator, the way somebody else's client would see camp.

What it does:
  1. Starts a release `camp serve` on 127.0.0.1 (port 0) with a fresh data dir in a temp
     dir and flood limits opened for one address (as benches/load.rs does), or attaches
     to a running one (`--attach HOST:PORT --admin-invite CODE [--server-pid PID]`).
  2. Creates K campers through the server's own exec commands over SSH (`join CODE NAME
     --agree` with the admin invite, `invite --uses K`, `join` for the others).
  3. Opens N sessions (PTY 80x24, `xterm-256color`, shell) over asyncssh, C at a time,
     shared round-robin by the K keys; each feeds a pyte screen. A session is ready when
     its screen shows camp's footer (`q quit`).
  4. Waits idle for a few seconds: server CPU and bytes sent must stay at about zero.
  5. R rounds: a unique token `outside-R-HEX` is announced to every session, then the
     first camper runs `post TOKEN` over exec on a fresh connection. Per session, the
     latency is the time from just before the post's channel is opened until the token
     appears on that session's pyte screen (only lines pyte marks dirty are read). A
     session that has not shown it within 10 s counts as missed.

The clients run in `--procs` worker processes (each its own asyncio loop, sessions split
evenly), so a Python client that cannot keep up with 1000 screens on one core does not
pass for server latency. Every worker's CPU is read from /proc and reported: per
session-update, and as the busiest worker's share of one core while updates were being
delivered (near 100 % means that worker was the bottleneck); the coordinator's (which
sends the posts) separately, per round. Worker start-up (Python imports) happens before
the connect clock starts. All timestamps are CLOCK_MONOTONIC, the same clock in every
process. CPU figures come from /proc in clock ticks (10 ms): trust them over many
sessions, not over one.

Two ways to emulate during a round:
  live (default)  every chunk is fed to pyte as it arrives, like a terminal would; on a
                  small machine pyte (about 2 us per byte) competes with the server for
                  the same cores, so at 1000 sessions this mostly measures the client.
  --deferred      during a round a chunk is only stamped with its arrival time and kept;
                  after the round every session feeds its chunks to pyte in order, and
                  the latency is the arrival time of the chunk after which the token is
                  on the pyte screen. Same screens, same rule, but the emulator's CPU
                  is spent after the delivery window instead of inside it; SSH
                  (asyncssh, decryption) still runs live.
Compare the two, and the client's CPU against the server's (both are reported), before
blaming either side for a slow p99.

`--self-test` (alone) checks the screen reading against pyte without a server: a token
redrawn cell by cell, split over chunks, a near miss, and the deferred arrival times.

`--floor` also runs the same measurement against the bare russh broadcast server of the
load benchmark (`load --floor-server`, post command `broadcast TOKEN`): the difference
between the two is what camp adds, as this client sees it.

The last line of stdout is machine-readable:
`outside: sessions=N procs=P mode=live|deferred connect_per_s=X p50_ms=X p99_ms=X
max_ms=X missed=N server_cpu_us_per_update=X client_cpu_us_per_update=X
emulator_cpu_us_per_update=X busiest_client_pct=X bytes_per_update=X
rss_kib_per_session=X [floor_p99_ms=X ratio_p99=X]`
It exits 0 when every session connected and saw every post, 2 otherwise, 1 on error.
"""

import argparse
import asyncio
import glob
import math
import multiprocessing as mp
import os
import secrets
import shutil
import subprocess
import sys
import tempfile
import time

try:
    import asyncssh
    import pyte
except ImportError as e:  # pragma: no cover - guidance only
    sys.exit(f"outside: {e}; run: pip install -r benches/outside/requirements.txt")

READY_MARKER = "q quit"
SESSION_READY_TIMEOUT = 30.0
SEEN_TIMEOUT = 10.0
EXEC_TIMEOUT = 20.0
START_TIMEOUT = 30.0
# Output counts as settled after this long without a byte.
QUIET = 0.25
COLS, ROWS = 80, 24
REPO = os.path.dirname(os.path.dirname(os.path.dirname(os.path.abspath(__file__))))


def now():
    return time.monotonic()


# ---------------------------------------------------------------------------------------
# /proc readings


def clock_ticks():
    try:
        return float(os.sysconf("SC_CLK_TCK")) or 100.0
    except (ValueError, OSError):
        return 100.0


TCK = clock_ticks()


def cpu_ms(pid):
    """utime + stime of a process in milliseconds (0 when it is gone)."""
    try:
        with open(f"/proc/{pid}/stat") as f:
            stat = f.read()
    except OSError:
        return 0.0
    # The name may hold spaces and parentheses: fields start after the last ')'.
    fields = stat.rsplit(")", 1)[1].split()
    return (int(fields[11]) + int(fields[12])) * 1000.0 / TCK


def machine_busy_ms():
    """Process time (user+nice+system) of the whole machine, all cores, in ms."""
    with open("/proc/stat") as f:
        for line in f:
            if line.startswith("cpu "):
                v = [int(x) for x in line.split()[1:]]
                return (v[0] + v[1] + v[2]) * 1000.0 / TCK
    return 0.0


def rss_kib(pid):
    try:
        with open(f"/proc/{pid}/status") as f:
            for line in f:
                if line.startswith("VmRSS:"):
                    return int(line.split()[1])
    except OSError:
        pass
    return 0


def percentile(sorted_values, q):
    if not sorted_values:
        return math.nan
    rank = math.ceil(q / 100.0 * len(sorted_values))
    return sorted_values[min(max(rank, 1), len(sorted_values)) - 1]


# ---------------------------------------------------------------------------------------
# SSH helpers


async def ssh_connect(host, port, key):
    return await asyncssh.connect(
        host,
        port,
        username="bench",
        client_keys=[key],
        known_hosts=None,
        agent_path=None,
        config=[],
        preferred_auth="publickey",
        login_timeout=SESSION_READY_TIMEOUT,
    )


async def exec_ok(host, port, key, command):
    """Runs one exec command on a fresh connection; returns stdout, raises unless exit 0."""

    async def go():
        async with await ssh_connect(host, port, key) as conn:
            return await conn.run(command, check=False)

    try:
        r = await asyncio.wait_for(go(), EXEC_TIMEOUT)
    except asyncio.TimeoutError:
        raise RuntimeError(f"`{command}` did not finish within {EXEC_TIMEOUT:.0f} s") from None
    if r.exit_status != 0:
        raise RuntimeError(
            f"`{command}` failed (exit {r.exit_status}): {str(r.stderr).strip()}{str(r.stdout).strip()}"
        )
    return str(r.stdout)


# ---------------------------------------------------------------------------------------
# Worker processes: the sessions


def dirty_lines(screen):
    """The text of the lines pyte marked dirty since the last call; clears the marks."""
    buf = screen.buffer
    out = []
    for y in screen.dirty:
        if 0 <= y < ROWS:
            # Only the cells pyte holds (indexing a missing one builds a default cell);
            # the rest are blank.
            cells = [" "] * COLS
            for x, ch in buf[y].items():
                if x < COLS:
                    cells[x] = ch.data
            out.append("".join(cells))
    screen.dirty.clear()
    return out


class Shell(asyncssh.SSHClientSession):
    """One PTY session: feeds its bytes to a pyte screen and looks for the marker/token."""

    def __init__(self, worker, idx):
        self.worker = worker
        self.idx = idx
        self.screen = pyte.Screen(COLS, ROWS)
        self.stream = pyte.ByteStream(self.screen)
        self.ready = asyncio.get_running_loop().create_future()
        # Keeps an unretrieved exception on `ready` from being logged at exit.
        self.ready.add_done_callback(lambda f: f.cancelled() or f.exception())
        self.seen_round = None
        self.ended = None
        # Deferred mode: (arrival time, bytes) not yet fed to the screen.
        self.pending = []

    def data_received(self, data, datatype):
        w = self.worker
        if w.deferred and (w.token is not None or self.pending):
            # Deferred: note the arrival and emulate after the round (`resolve`); bytes
            # keep their order on the screen.
            self.pending.append((now(), data))
            w.count(len(data), 0)
            return
        cpu0 = time.thread_time_ns()
        try:
            self.take(data, None)
        finally:
            w.count(len(data), time.thread_time_ns() - cpu0)

    def resolve(self):
        """Deferred mode: feeds what arrived during the round, in order, to the screen."""
        pending, self.pending = self.pending, []
        for at, data in pending:
            self.take(data, at)

    def take(self, data, arrived):
        w = self.worker
        self.stream.feed(data)
        token = w.token
        want = token is not None and self.seen_round != token[0]
        is_ready = self.ready.done()
        if is_ready and not want:
            self.screen.dirty.clear()
            return
        lines = dirty_lines(self.screen)
        if not is_ready and any(READY_MARKER in l for l in lines):
            self.ready.set_result(True)
        if want and any(token[1] in l for l in lines):
            self.seen_round = token[0]
            w.seen(self.idx, token[0], now() if arrived is None else arrived)

    def exit_status_received(self, status):
        self.ended = f"the server ended the session (exit status {status})"

    def connection_lost(self, exc):
        why = self.ended or (f"connection lost: {exc}" if exc else "the server closed the channel")
        if not self.ready.done():
            self.ready.set_exception(SessionEnded(why))
        self.worker.session_lost(self.idx, why, self.screen)


class SessionEnded(Exception):
    """The server ended a session before its first screen (already reported)."""


class Worker:
    def __init__(self, wid, pipe, host, port, keys, indices, concurrency, counters, deferred):
        self.wid = wid
        self.deferred = deferred
        self.pipe = pipe
        self.host, self.port = host, port
        self.keys = keys
        self.indices = indices
        self.gate = asyncio.Semaphore(concurrency)
        self.counters = counters
        self.bytes = 0
        self.emulator_ns = 0
        self.procs = len(counters) // 2
        self.token = None
        self.stopping = False
        self.stopped = asyncio.Event()
        self.go = asyncio.Event()
        self.conns = []
        self.shells = []
        self.ready = set()
        # Sessions already reported as failed or closed: each is reported once.
        self.reported = set()
        self.seen_batch = []

    def send(self, msg):
        try:
            self.pipe.send(msg)
        except (BrokenPipeError, OSError):
            # The coordinator is gone: nothing left to measure for.
            os._exit(3)

    def seen(self, idx, rnd, at):
        # One pipe write per turn of the loop, not per session: each write may wake the
        # coordinator and cost this process its core on a busy machine.
        if not self.seen_batch:
            asyncio.get_running_loop().call_soon(self.flush_seen)
        self.seen_batch.append((idx, rnd, at))

    def flush_seen(self):
        batch, self.seen_batch = self.seen_batch, []
        self.send(("seen", batch))

    def count(self, n, emulator_ns):
        self.bytes += n
        self.emulator_ns += emulator_ns
        self.counters[self.wid] = self.bytes
        self.counters[self.procs + self.wid] = self.emulator_ns

    def report_end(self, idx, why):
        if self.stopping or idx in self.reported:
            return
        self.reported.add(idx)
        kind = "closed" if idx in self.ready else "failed"
        self.ready.discard(idx)
        self.send((kind, idx, why))

    def session_lost(self, idx, why, screen):
        if self.stopping:
            return
        text = " | ".join(l.rstrip() for l in screen.display if l.strip())[:300]
        self.report_end(idx, f"{why}; screen: {text!r}")

    def on_command(self):
        try:
            while self.pipe.poll():
                msg = self.pipe.recv()
                if msg[0] == "token":
                    self.token = (msg[1], msg[2])
                    self.send(("ack", msg[1]))
                elif msg[0] == "resolve":
                    cpu0 = time.thread_time_ns()
                    for shell in self.shells:
                        shell.resolve()
                    self.count(0, time.thread_time_ns() - cpu0)
                    if self.seen_batch:
                        self.flush_seen()
                    self.send(("resolved", msg[1]))
                elif msg[0] == "go":
                    self.go.set()
                elif msg[0] == "clear":
                    self.token = None
                    # Bytes that came after the round was resolved.
                    cpu0 = time.thread_time_ns()
                    for shell in self.shells:
                        shell.resolve()
                    self.count(0, time.thread_time_ns() - cpu0)
                elif msg[0] == "stop":
                    self.stopping = True
                    self.stopped.set()
                    self.go.set()
        except (EOFError, OSError):
            self.stopping = True
            self.stopped.set()

    async def session(self, idx, key):
        conn = None
        async with self.gate:
            try:
                async def open_and_wait():
                    nonlocal conn
                    conn = await ssh_connect(self.host, self.port, key)
                    self.conns.append(conn)
                    _chan, shell = await conn.create_session(
                        lambda: Shell(self, idx),
                        term_type="xterm-256color",
                        term_size=(COLS, ROWS),
                        encoding=None,
                    )
                    self.shells.append(shell)
                    await shell.ready

                await asyncio.wait_for(open_and_wait(), SESSION_READY_TIMEOUT)
            except asyncio.TimeoutError:
                self.report_end(idx, f"no first screen within {SESSION_READY_TIMEOUT:.0f} s")
                if conn is not None:
                    conn.abort()
                return
            except SessionEnded:
                return
            except Exception as e:  # noqa: BLE001 - every failure is reported, by reason
                self.report_end(idx, f"{type(e).__name__}: {e}")
                if conn is not None:
                    conn.abort()
                return
        self.ready.add(idx)
        self.send(("ready", idx))

    async def run(self):
        loop = asyncio.get_running_loop()
        loop.add_reader(self.pipe.fileno(), self.on_command)
        # Python's start-up (imports) is not part of the connect figures.
        self.send(("up",))
        await self.go.wait()
        tasks = [
            asyncio.create_task(self.session(idx, self.keys[idx % len(self.keys)]))
            for idx in self.indices
        ]
        await self.stopped.wait()
        for t in tasks:
            t.cancel()
        for c in self.conns:
            c.close()
        await asyncio.gather(*tasks, return_exceptions=True)
        try:
            await asyncio.wait_for(
                asyncio.gather(*(c.wait_closed() for c in self.conns), return_exceptions=True), 5
            )
        except asyncio.TimeoutError:
            pass
        self.send(("bye",))


def worker_main(wid, pipe, host, port, key_blobs, indices, concurrency, counters, deferred):
    keys = [asyncssh.import_private_key(b) for b in key_blobs]

    async def main():
        await Worker(wid, pipe, host, port, keys, indices, concurrency, counters, deferred).run()

    profile_dir = os.environ.get("OUTSIDE_PROFILE")
    if not profile_dir:
        asyncio.run(main())
        return
    # OUTSIDE_PROFILE=DIR: where does a client process spend its time (cProfile).
    import cProfile

    prof = cProfile.Profile()
    prof.enable()
    try:
        asyncio.run(main())
    finally:
        prof.disable()
        prof.dump_stats(os.path.join(profile_dir, f"worker-{wid}-{os.getpid()}.prof"))


# ---------------------------------------------------------------------------------------
# The coordinator


class Server:
    """A server child process, or a server we were pointed at (no process)."""

    def __init__(self, name, host, port, pid=None, proc=None, stderr_path=None):
        self.name, self.host, self.port = name, host, port
        self.pid, self.proc, self.stderr_path = pid, proc, stderr_path
        self.drain = None
        self.lines = None
        self.invite = None

    def alive(self):
        return self.proc is None or self.proc.returncode is None

    def stderr_tail(self, n=30):
        if not self.stderr_path:
            return ""
        try:
            with open(self.stderr_path, errors="replace") as f:
                lines = f.read().splitlines()
        except OSError:
            return ""
        tail = lines[-n:]
        return (
            f"--- last {len(tail)} of {len(lines)} stderr lines of the {self.name} server"
            f" ({self.stderr_path}) ---\n" + "\n".join(tail) + "\n---"
        )

    def stderr_summary(self):
        if not self.stderr_path:
            return (0, 0, 0)
        try:
            with open(self.stderr_path, errors="replace") as f:
                lines = f.read().splitlines()
        except OSError:
            return (0, 0, 0)
        warn = sum("WARN" in l for l in lines)
        err = sum(("ERROR" in l or "panicked" in l) for l in lines)
        return (len(lines), warn, err)

    async def stop(self):
        if self.proc is not None and self.proc.returncode is None:
            self.proc.kill()
            await self.proc.wait()
        if self.drain is not None:
            self.drain.cancel()


async def spawn_server(name, argv, stderr_path, keep_stdin):
    """Starts a server; its stdout lines go to `server.lines` (drained for its whole life)."""
    env = dict(os.environ, NO_COLOR="1")
    err = open(stderr_path, "wb")
    proc = await asyncio.create_subprocess_exec(
        *argv,
        stdout=asyncio.subprocess.PIPE,
        stderr=err,
        stdin=asyncio.subprocess.PIPE if keep_stdin else asyncio.subprocess.DEVNULL,
        env=env,
    )
    err.close()
    lines = asyncio.Queue()

    async def drain():
        while True:
            line = await proc.stdout.readline()
            if not line:
                await lines.put(None)
                return
            await lines.put(line.decode(errors="replace").rstrip("\n"))

    server = Server(name, None, None, pid=proc.pid, proc=proc, stderr_path=stderr_path)
    server.drain = asyncio.create_task(drain())
    server.lines = lines
    return server


async def wait_line(server, prefix, timeout=START_TIMEOUT):
    deadline = now() + timeout
    while True:
        try:
            line = await asyncio.wait_for(server.lines.get(), max(0.0, deadline - now()))
        except asyncio.TimeoutError:
            raise RuntimeError(
                f"the {server.name} server printed no {prefix!r} line within {timeout:.0f} s\n"
                + server.stderr_tail()
            ) from None
        if line is None:
            await asyncio.sleep(0.1)
            raise RuntimeError(
                f"the {server.name} server closed its stdout before {prefix!r}"
                f" (exit {server.proc.returncode})\n" + server.stderr_tail()
            )
        if line.startswith(prefix):
            return line[len(prefix):]


def split_addr(text):
    host, _, port = text.strip().rpartition(":")
    return host.strip("[]"), int(port)


async def start_camp(binary, tmp, sessions):
    cap = sessions + 200
    config = os.path.join(tmp, "camp.toml")
    with open(config, "w") as f:
        # A load test is exactly the flood the limits guard against: N sessions from one
        # address over a few accounts.
        f.write(
            f"max_connections = {cap}\nmax_connections_per_ip = {cap}\n"
            "connections_per_ip_per_minute = 0\nposts_per_minute = 0\n"
            f"max_strangers = {cap}\nmax_connections_per_account = {cap}\n"
        )
    argv = [
        binary, "serve",
        "--data", os.path.join(tmp, "data"),
        "--keys", os.path.join(tmp, "keys"),
        "--ssh", "127.0.0.1:0", "--http", "127.0.0.1:0",
        "--config", config,
    ]
    server = await spawn_server("camp", argv, os.path.join(tmp, "camp.stderr"), False)
    rest = await wait_line(server, "camp listening on ssh://")
    server.host, server.port = split_addr(rest.split()[0])
    server.invite = (await wait_line(server, "admin invite: ")).strip()
    return server


async def start_floor(binary, tmp):
    server = await spawn_server(
        "floor", [binary, "--floor-server"], os.path.join(tmp, "floor.stderr"), True
    )
    rest = await wait_line(server, "floor listening on ")
    server.host, server.port = split_addr(rest)
    return server


async def seed_accounts(server, keys, admin_invite):
    h, p = server.host, server.port
    tag = secrets.token_hex(2)
    await exec_ok(h, p, keys[0], f"join {admin_invite} o{tag}admin --agree")
    code = (await exec_ok(h, p, keys[0], f"invite --uses {len(keys)}")).strip()
    if not code or any(c.isspace() for c in code):
        raise RuntimeError(f"`invite` printed {code!r}, not a code")
    for i, key in enumerate(keys[1:], start=1):
        await exec_ok(h, p, key, f"join {code} o{tag}user{i} --agree")


class Inbox:
    """Messages from the workers, as an asyncio queue of (worker id, message)."""

    def __init__(self, pipes):
        self.queue = asyncio.Queue()
        loop = asyncio.get_running_loop()
        self.pipes = pipes
        for wid, pipe in enumerate(pipes):
            loop.add_reader(pipe.fileno(), self._read, wid, pipe)

    def _read(self, wid, pipe):
        try:
            while pipe.poll():
                self.queue.put_nowait((wid, pipe.recv()))
        except (EOFError, OSError):
            asyncio.get_running_loop().remove_reader(pipe.fileno())
            self.queue.put_nowait((wid, ("dead",)))

    def close(self):
        loop = asyncio.get_running_loop()
        for pipe in self.pipes:
            try:
                loop.remove_reader(pipe.fileno())
            except (ValueError, OSError):
                pass

    async def get(self, deadline):
        return await asyncio.wait_for(self.queue.get(), max(0.0, deadline - now()))


class Marks:
    """CPU of the server, of the clients (workers + this process) and of the machine."""

    def __init__(self, server_pid, worker_pids):
        self.server_pid, self.worker_pids = server_pid, worker_pids
        self.take()

    def read(self):
        return (
            cpu_ms(self.server_pid) if self.server_pid else math.nan,
            [cpu_ms(p) for p in self.worker_pids],
            cpu_ms("self"),
            machine_busy_ms(),
            now(),
        )

    def take(self):
        self.mark = self.read()

    def since(self):
        s, w, me, m, t = self.read()
        s0, w0, me0, m0, t0 = self.mark
        workers = [a - b for a, b in zip(w, w0)]
        server = s - s0
        clients = sum(workers) + (me - me0)
        return {
            "server": server,
            "workers": workers,
            "coordinator": me - me0,
            "clients": clients,
            "others": max(0.0, (m - m0) - (server if server == server else 0.0) - clients),
            "wall": (t - t0) * 1000.0,
        }


def total_bytes(counters):
    return sum(counters[: len(counters) // 2])


def emulator_ms(counters):
    return sum(counters[len(counters) // 2 :]) / 1e6


async def settle(counters, limit):
    """Waits until no session got a byte for QUIET seconds (at most `limit`)."""
    deadline = now() + limit
    last, since = total_bytes(counters), now()
    while now() < deadline:
        await asyncio.sleep(0.025)
        cur = total_bytes(counters)
        if cur != last:
            last, since = cur, now()
        elif now() - since >= QUIET:
            return


async def measure(server, keys, opts, post_command):
    n, procs = opts.sessions, opts.procs
    m = {
        "sessions": n, "procs": procs, "ready": 0, "connect_failures": [], "closed": [],
        "exec_failures": [], "latencies": [], "missed": 0, "rounds": [],
    }
    ctx = mp.get_context("spawn")
    # Per worker: bytes received, then CPU ns spent in pyte and the screen scan.
    counters = ctx.RawArray("Q", 2 * procs)
    blobs = [k.export_private_key() for k in keys]
    per_worker = max(1, math.ceil(opts.concurrency / procs))
    pipes, workers = [], []
    for wid in range(procs):
        mine, theirs = ctx.Pipe(duplex=True)
        indices = list(range(wid, n, procs))
        p = ctx.Process(
            target=worker_main,
            args=(wid, theirs, server.host, server.port, blobs, indices, per_worker, counters,
                  opts.deferred),
            daemon=True,
        )
        pipes.append(mine)
        workers.append(p)
    print(f"[{server.name}] opening {n} PTY sessions in {procs} client processes, "
          f"{per_worker * procs} at a time…", flush=True)
    if server.pid:
        await settle_rss(server.pid)
    m["rss_before"] = rss_kib(server.pid) if server.pid else 0
    for p in workers:
        p.start()
    inbox = Inbox(pipes)
    up, up_deadline = 0, now() + 60
    while up < procs:
        _wid, msg = await inbox.get(up_deadline)
        if msg[0] == "up":
            up += 1
        elif msg[0] == "dead":
            raise RuntimeError("a client process died while starting")
    marks = Marks(server.pid, [p.pid for p in workers])
    for pipe in pipes:
        pipe.send(("go",))
    started = now()
    try:
        await run_phases(server, keys, opts, post_command, m, counters, pipes, inbox, marks, started)
    finally:
        for pipe in pipes:
            try:
                pipe.send(("stop",))
            except OSError:
                pass
        deadline = now() + 15
        alive = set(range(procs))
        while alive and now() < deadline:
            try:
                wid, msg = await inbox.get(deadline)
            except asyncio.TimeoutError:
                break
            if msg[0] in ("bye", "dead"):
                alive.discard(wid)
        inbox.close()
        for p in workers:
            p.join(timeout=2)
            if p.is_alive():
                p.kill()
                p.join()
    return m


async def settle_rss(pid):
    last = rss_kib(pid)
    for _ in range(20):
        await asyncio.sleep(0.1)
        cur = rss_kib(pid)
        if cur == last:
            return
        last = cur


async def run_phases(server, keys, opts, post_command, m, counters, pipes, inbox, marks, started):
    n = opts.sessions
    name = server.name
    # Everyone's first screen (or failure).
    phase_limit = max(60.0, SESSION_READY_TIMEOUT + 0.1 * n)
    deadline = started + phase_limit
    alive = set()
    done, last_ready = 0, started
    progress_at = now() + 5
    while done < n:
        try:
            _wid, msg = await inbox.get(deadline)
        except asyncio.TimeoutError:
            m["connect_failures"].append(
                f"{n - done} sessions had neither a first screen nor an error after {phase_limit:.0f} s")
            break
        kind = msg[0]
        if kind == "ready":
            alive.add(msg[1])
            done += 1
            last_ready = now()
        elif kind == "failed":
            done += 1
            m["connect_failures"].append(f"session {msg[1]}: {msg[2]}")
        elif kind == "closed":
            alive.discard(msg[1])
            m["closed"].append(f"session {msg[1]}: {msg[2]}")
        elif kind == "dead":
            raise RuntimeError("a client process died while connecting")
        if now() >= progress_at:
            print(f"[{name}]   {len(alive)} ready, {len(m['connect_failures'])} failed, "
                  f"{now() - started:.1f}s", flush=True)
            progress_at = now() + 5
    m["ready"] = len(alive)
    m["connect_secs"] = last_ready - started
    m["connect_per_s"] = m["ready"] / max(m["connect_secs"], 1e-9)
    spent = marks.since()
    m["connect_server_cpu"] = spent["server"]
    m["connect_client_cpu"] = spent["clients"]
    m["rss_after"] = rss_kib(server.pid) if server.pid else 0
    m["rss_per_session"] = (m["rss_after"] - m["rss_before"]) / n if server.pid else math.nan
    print(f"[{name}]   {m['ready']} of {n} sessions ready in {m['connect_secs']:.2f}s "
          f"({len(m['connect_failures'])} failed)", flush=True)
    if m["connect_failures"]:
        reasons = {}
        for f in m["connect_failures"]:
            why = f.split(": ", 1)[-1]
            reasons[why] = reasons.get(why, 0) + 1
        print(f"[{name}]   connect failures by reason:", file=sys.stderr)
        for why, count in list(reasons.items())[:10]:
            print(f"[{name}]     {count} x {why}", file=sys.stderr)
    if not server.alive():
        raise RuntimeError(f"the {name} server exited\n" + server.stderr_tail(40))
    if not alive:
        raise RuntimeError("no session got its first screen; first errors:\n  "
                           + "\n  ".join(m["connect_failures"][:5]) + "\n" + server.stderr_tail())

    # Idle: nothing happens; the server should burn no CPU and send nothing.
    await settle(counters, 5.0)
    marks.take()
    b0 = total_bytes(counters)
    await asyncio.sleep(opts.idle)
    spent = marks.since()
    m["idle_server_pct"] = spent["server"] / spent["wall"] * 100.0
    m["idle_client_pct"] = spent["clients"] / spent["wall"] * 100.0
    m["idle_bytes"] = total_bytes(counters) - b0
    print(f"[{name}]   idle {spent['wall'] / 1000:.1f}s: server cpu {m['idle_server_pct']:.2f}%, "
          f"{m['idle_bytes']} bytes to sessions", flush=True)

    # Latency rounds.
    update_bytes = update_sessions = 0
    for rnd in range(opts.rounds):
        token = f"outside-{rnd}-{secrets.token_hex(6)}"
        command = post_command(token)
        poster = await asyncio.wait_for(ssh_connect(server.host, server.port, keys[0]), EXEC_TIMEOUT)
        for pipe in pipes:
            pipe.send(("token", rnd, token))
        acks, ack_deadline = 0, now() + 10
        while acks < len(pipes):
            _wid, msg = await inbox.get(ack_deadline)
            if msg[0] == "ack" and msg[1] == rnd:
                acks += 1
            elif msg[0] in ("closed", "failed"):
                alive.discard(msg[1])
                m["closed"].append(f"session {msg[1]} (before round {rnd}): {msg[2]}")
            elif msg[0] == "dead":
                raise RuntimeError("a client process died")
        expected = len(alive)
        marks.take()
        b0 = total_bytes(counters)
        e0 = emulator_ms(counters)
        t0 = now()
        exec_task = asyncio.create_task(
            asyncio.wait_for(poster.run(command, check=False), EXEC_TIMEOUT))
        lat, seen = [], set()
        deadline = t0 + SEEN_TIMEOUT
        last_seen = t0
        resolved = 0

        def take(msg):
            nonlocal last_seen, resolved
            kind = msg[0]
            if kind == "seen":
                for idx, r, at in msg[1]:
                    if (r == rnd and idx in alive and idx not in seen
                            and at - t0 <= SEEN_TIMEOUT):
                        seen.add(idx)
                        lat.append((at - t0) * 1000.0)
                        last_seen = max(last_seen, at)
            elif kind == "resolved" and msg[1] == rnd:
                resolved += 1
            elif kind in ("closed", "failed"):
                alive.discard(msg[1])
                m["closed"].append(f"session {msg[1]} (round {rnd}): {msg[2]}")
            elif kind == "dead":
                raise RuntimeError("a client process died during a round")

        while not opts.deferred and len(seen) < len(alive):
            try:
                _wid, msg = await inbox.get(deadline)
            except asyncio.TimeoutError:
                break
            take(msg)
        exec_ms = math.nan
        try:
            r = await exec_task
            exec_ms = (now() - t0) * 1000.0
            if r.exit_status != 0:
                m["exec_failures"].append(
                    f"round {rnd}: `{command}` exited {r.exit_status}: {str(r.stderr).strip()}")
        except asyncio.TimeoutError:
            m["exec_failures"].append(f"round {rnd}: `{command}` did not finish within {EXEC_TIMEOUT:.0f} s")
        except Exception as e:  # noqa: BLE001
            m["exec_failures"].append(f"round {rnd}: `{command}`: {type(e).__name__}: {e}")
        poster.close()
        # Let the rest of each frame arrive, then count this update's bytes.
        await settle(counters, max(3.0, deadline - now()) if opts.deferred else 3.0)
        round_bytes = total_bytes(counters) - b0
        delivery = marks.since()
        if opts.deferred:
            for pipe in pipes:
                pipe.send(("resolve", rnd))
            resolve_deadline = now() + 120
            while resolved < len(pipes):
                _wid, msg = await inbox.get(resolve_deadline)
                take(msg)
        window_ms = (last_seen - t0) * 1000.0
        spent = marks.since()
        emul = emulator_ms(counters) - e0
        for pipe in pipes:
            pipe.send(("clear",))
        lat.sort()
        rs = {
            "seen": len(lat), "expected": expected,
            "min": lat[0] if lat else math.nan, "p50": percentile(lat, 50),
            "p99": percentile(lat, 99), "max": lat[-1] if lat else math.nan,
            "exec_ms": exec_ms, "bytes_per_session": round_bytes / max(expected, 1),
            "server_cpu": spent["server"], "client_cpu": sum(spent["workers"]),
            "coordinator_cpu": spent["coordinator"], "emulator_cpu": emul,
            "worker_cpu": delivery["workers"], "others": delivery["others"],
            "wall": delivery["wall"],
            "window": window_ms,
        }
        print(f"[{name}]   round {rnd}: seen {len(lat)}/{expected}  min {rs['min']:.1f} ms  "
              f"p50 {rs['p50']:.1f} ms  p99 {rs['p99']:.1f} ms  max {rs['max']:.1f} ms  "
              f"{rs['bytes_per_session']:.0f} B/session  server cpu {rs['server_cpu']:.0f} ms  "
              f"client cpu {rs['client_cpu']:.0f} ms", flush=True)
        m["missed"] += expected - len(lat)
        m["latencies"].extend(lat)
        update_bytes += round_bytes
        update_sessions += expected
        m["rounds"].append(rs)
        if not server.alive():
            raise RuntimeError(f"the {name} server exited\n" + server.stderr_tail(40))
    m["latencies"].sort()
    m["bytes_per_update"] = update_bytes / max(update_sessions, 1)


# ---------------------------------------------------------------------------------------
# Report


def summarize(m):
    rounds = m["rounds"]
    updates = sum(r["expected"] for r in rounds) or 1
    window = sum(r["window"] for r in rounds) or 1.0
    busiest = max(
        (sum(r["worker_cpu"][w] for r in rounds) for w in range(m["procs"])), default=0.0)
    wall = sum(r["wall"] for r in rounds) or 1.0
    cores = os.cpu_count() or 1
    return {
        "p50": percentile(m["latencies"], 50),
        "p99": percentile(m["latencies"], 99),
        "min": percentile(m["latencies"], 0),
        "max": percentile(m["latencies"], 100),
        "server_us": sum(r["server_cpu"] for r in rounds) * 1000.0 / updates,
        "client_us": sum(r["client_cpu"] for r in rounds) * 1000.0 / updates,
        "emulator_us": sum(r["emulator_cpu"] for r in rounds) * 1000.0 / updates,
        "coordinator_ms": sum(r["coordinator_cpu"] for r in rounds) / max(len(rounds), 1),
        # CPU of the busiest worker against the time updates were arriving (post sent to
        # the last session's screen): near 100 % means the client was the bottleneck.
        "busiest_pct": busiest / window * 100.0,
        "others_pct": sum(r["others"] for r in rounds) / wall / cores * 100.0,
    }


def report(opts, results):
    names = [name for name, _, _ in results]
    sums = {name: summarize(m) for name, m, _ in results}
    row = lambda label, vals: print(f"  {label:<44}" + "".join(f"{v:>12}" for v in vals))
    print()
    mode = "deferred" if opts.deferred else "live"
    print(f"outside: {opts.sessions} sessions in {opts.procs} client processes ({mode}; asyncssh "
          f"{asyncssh.__version__} + pyte), {opts.accounts} accounts, {opts.rounds} rounds, "
          f"idle window {opts.idle} s, {os.cpu_count()} cores shared by server and clients")
    row("", names)
    row("sessions ready", [f"{m['ready']}/{m['sessions']}" for _, m, _ in results])
    figures = [
        ("time to all first screens (s)", 2, lambda m, s: m["connect_secs"]),
        ("connect/s", 1, lambda m, s: m["connect_per_s"]),
        ("  server cpu while connecting (s)", 2, lambda m, s: m["connect_server_cpu"] / 1000),
        ("  client cpu while connecting (s)", 2, lambda m, s: m["connect_client_cpu"] / 1000),
        ("post -> first screen, min (ms)", 2, lambda m, s: s["min"]),
        ("post -> screen p50 (ms)", 2, lambda m, s: s["p50"]),
        ("post -> screen p99 (ms)", 2, lambda m, s: s["p99"]),
        ("post -> screen max (ms)", 2, lambda m, s: s["max"]),
        ("updates not seen within 10 s", 0, lambda m, s: m["missed"]),
        ("rss before sessions (MiB)", 1, lambda m, s: m["rss_before"] / 1024),
        ("rss with sessions (MiB)", 1, lambda m, s: m["rss_after"] / 1024),
        ("rss KiB/session", 1, lambda m, s: m["rss_per_session"]),
        ("bytes/update (per session)", 1, lambda m, s: m["bytes_per_update"]),
        ("server cpu us per session-update", 1, lambda m, s: s["server_us"]),
        ("client cpu us per session-update", 1, lambda m, s: s["client_us"]),
        ("  of which pyte + screen scan", 1, lambda m, s: s["emulator_us"]),
        ("client cpu / server cpu (rounds)", 2, lambda m, s: s["client_us"] / s["server_us"]
         if s["server_us"] else math.nan),
        ("busiest client process, % of a core", 0, lambda m, s: s["busiest_pct"]),
        ("coordinator (poster) cpu ms per round", 1, lambda m, s: s["coordinator_ms"]),
        ("idle server cpu %", 2, lambda m, s: m["idle_server_pct"]),
        ("idle bytes to all sessions", 0, lambda m, s: m["idle_bytes"]),
        ("idle client cpu %", 2, lambda m, s: m["idle_client_pct"]),
        ("other processes, % of machine (rounds)", 1, lambda m, s: s["others_pct"]),
    ]
    for label, dec, f in figures:
        row(label, [f"{f(m, sums[name]):.{dec}f}" for name, m, _ in results])
    row("server stderr lines (warn/error)",
        [f"{a} ({b}/{c})" for _, _, (a, b, c) in results])
    print()
    print("  round        seen   min ms  p50 ms  p99 ms  max ms  exec ms  B/session"
          "  server cpu ms  client cpu ms  others ms  wall ms")
    for name, m, _ in results:
        for i, r in enumerate(m["rounds"]):
            print(f"  {name:<5} {i:>2} {r['seen']:>5}/{r['expected']:<5} {r['min']:>7.1f} "
                  f"{r['p50']:>7.1f} {r['p99']:>7.1f} {r['max']:>7.1f} {r['exec_ms']:>8.1f} "
                  f"{r['bytes_per_session']:>10.1f} {r['server_cpu']:>14.0f} "
                  f"{r['client_cpu']:>14.0f} {r['others']:>10.0f} {r['wall']:>8.0f}")
    clean = True
    for name, m, _ in results:
        for what, lst in (("sessions failed to connect", m["connect_failures"]),
                          ("sessions closed during the run", m["closed"]),
                          ("post commands failed", m["exec_failures"])):
            if lst:
                print(f"outside: {name}: {len(lst)} {what}; first ones:", file=sys.stderr)
                for l in lst[:5]:
                    print(f"    {l}", file=sys.stderr)
        if m["missed"]:
            print(f"outside: {name}: {m['missed']} updates were not seen within "
                  f"{SEEN_TIMEOUT:.0f} s", file=sys.stderr)
        s = sums[name]
        if s["others_pct"] > 10:
            print(f"outside: {name}: other processes used {s['others_pct']:.0f}% of the machine "
                  "during the rounds; latencies are noisy", file=sys.stderr)
        if s["busiest_pct"] > 80:
            print(f"outside: {name}: a client process was busy {s['busiest_pct']:.0f}% of the "
                  "delivery time; the client may be the bottleneck (try more --procs)",
                  file=sys.stderr)
        clean &= not (m["connect_failures"] or m["closed"] or m["exec_failures"] or m["missed"])
    sys.stderr.flush()
    camp_m, camp_s = results[0][1], sums[results[0][0]]
    line = (f"outside: sessions={opts.sessions} procs={opts.procs} mode={mode} "
            f"connect_per_s={camp_m['connect_per_s']:.1f} p50_ms={camp_s['p50']:.2f} "
            f"p99_ms={camp_s['p99']:.2f} max_ms={camp_s['max']:.2f} missed={camp_m['missed']} "
            f"server_cpu_us_per_update={camp_s['server_us']:.1f} "
            f"client_cpu_us_per_update={camp_s['client_us']:.1f} "
            f"emulator_cpu_us_per_update={camp_s['emulator_us']:.1f} "
            f"busiest_client_pct={camp_s['busiest_pct']:.0f} "
            f"bytes_per_update={camp_m['bytes_per_update']:.1f} "
            f"rss_kib_per_session={camp_m['rss_per_session']:.1f}")
    if len(results) > 1:
        f_p99 = sums[results[1][0]]["p99"]
        line += f" floor_p99_ms={f_p99:.2f} ratio_p99={camp_s['p99'] / f_p99:.2f}"
    print()
    print(line, flush=True)
    return clean


# ---------------------------------------------------------------------------------------
# Self-test of the screen reading (no server)


class _FakeWorker:
    """What a Shell needs from its worker, recording what it reports."""

    def __init__(self, deferred):
        self.deferred = deferred
        self.token = None
        self.seen_at = []

    def seen(self, idx, rnd, at):
        self.seen_at.append((rnd, at))

    def count(self, n, emulator_ns):
        pass

    def session_lost(self, idx, why, screen):
        pass


def self_test():
    """Checks that a token is found on the pyte screen only once it is whole, also when
    the server redraws only the cells that changed (as ratatui's diff does)."""

    async def run():
        failed, checks = [], []

        def check(name, ok):
            print(f"self-test: {'ok  ' if ok else 'FAIL'} {name}")
            checks.append(name)
            if not ok:
                failed.append(name)

        def shell(deferred=False):
            w = _FakeWorker(deferred)
            sh = Shell(w, 0)
            sh.data_received(b"\x1b[?1049h\x1b[2J\x1b[24;1Hj/k move \xc2\xb7 q quit", None)
            return w, sh

        w, sh = shell()
        check("ready marker seen", sh.ready.done())
        old, new = "outside-0-a1b2c3d4e5f6", "outside-1-a1b2c3d4e5f7"
        sh.data_received(f"\x1b[3;3H{old}".encode(), None)
        w.token = (1, new)
        # Only the two cells that differ, as a diff renderer sends them.
        sh.data_received(b"\x1b[3;11H1", None)
        check("half-changed token not seen", not w.seen_at)
        sh.data_received(b"\x1b[3;24H7\x1b[?25l", None)
        check("token drawn by a partial redraw seen", [r for r, _ in w.seen_at] == [1])

        w, sh = shell()
        w.token = (0, "outside-0-ffffffffffff")
        sh.data_received(b"\x1b[5;1Houtside-0-fff", None)
        sh.data_received(b"fffffffff\x1b[1m", None)
        check("token split over two chunks seen once whole", len(w.seen_at) == 1)

        w, sh = shell()
        w.token = (0, "outside-0-000000000001")
        sh.data_received(b"\x1b[5;1Houtside-0-000000000002", None)
        check("another token not taken for this one", not w.seen_at)

        w, sh = shell(deferred=True)
        w.token = (2, "outside-2-abcdefabcdef")
        sh.data_received(b"\x1b[7;1Houtside-2-abc", None)
        sh.data_received(b"defabcdef", None)
        sh.data_received(b"\x1b[8;1Hmore", None)
        check("deferred: nothing read during the round", not w.seen_at and len(sh.pending) == 3)
        second = sh.pending[1][0]
        sh.resolve()
        check("deferred: seen at the arrival of the chunk that completed it",
              w.seen_at == [(2, second)])
        return len(checks), failed

    total, failed = asyncio.run(run())
    print(f"self-test: {total - len(failed)} passed, {len(failed)} failed")
    return 1 if failed else 0


# ---------------------------------------------------------------------------------------
# Entry


def target_dir():
    return os.environ.get("CARGO_TARGET_DIR") or os.path.join(REPO, "target")


def newest_source_mtime():
    newest = 0.0
    for root in ("src", "Cargo.lock", "Cargo.toml"):
        path = os.path.join(REPO, root)
        if os.path.isfile(path):
            newest = max(newest, os.path.getmtime(path))
        for d, _, files in os.walk(path):
            for f in files:
                newest = max(newest, os.path.getmtime(os.path.join(d, f)))
    return newest


def find_floor_binary():
    candidates = [p for p in glob.glob(os.path.join(target_dir(), "release", "deps", "load-*"))
                  if os.access(p, os.X_OK) and not p.endswith(".d")]
    if not candidates:
        raise RuntimeError("no load benchmark binary under target/release/deps; "
                           "run with --build or `cargo bench --bench load --no-run`")
    return max(candidates, key=os.path.getmtime)


def build():
    # The bench profile (release + debug info) builds target/release/camp and the floor
    # server in one go, the same binaries `cargo bench --bench load` runs, so the two
    # benchmarks share one build.
    cmd = ["cargo", "bench", "--bench", "load", "--no-run", "--locked"]
    print("outside: " + " ".join(cmd), flush=True)
    subprocess.run(cmd, cwd=REPO, check=True)


def parse_args(argv):
    cores = os.cpu_count() or 1
    p = argparse.ArgumentParser(
        prog="outside.py",
        description="Post-to-screen latency of camp as an asyncssh + pyte client sees it.")
    p.add_argument("--sessions", type=int, default=100, help="PTY sessions (default 100)")
    p.add_argument("--accounts", type=int, default=10, help="campers sharing them (default 10)")
    p.add_argument("--rounds", type=int, default=5, help="posts to measure (default 5)")
    p.add_argument("--concurrency", type=int, default=50,
                   help="sessions connecting at once, over all processes (default 50)")
    p.add_argument("--idle", type=float, default=3.0, help="idle window in seconds (default 3)")
    p.add_argument("--procs", type=int, default=0,
                   help=f"client processes (default: one per core, here {cores})")
    p.add_argument("--self-test", action="store_true",
                   help="only check the screen reading against pyte (alone; no server)")
    p.add_argument("--deferred", action="store_true", default=False,
                   help="during a round only note when bytes arrive; feed them to pyte after "
                        "it (the seen time is still the arrival of the bytes that put the token "
                        "on the pyte screen), so the emulator's CPU does not compete with the "
                        "server's")
    p.add_argument("--camp", help="camp binary (default: target/release/camp)")
    p.add_argument("--build", action="store_true",
                   help="build first (cargo bench --bench load --no-run)")
    p.add_argument("--floor", action="store_true",
                   help="also measure the load benchmark's bare russh broadcast server")
    p.add_argument("--attach", metavar="HOST:PORT",
                   help="use a running camp instead of starting one (needs --admin-invite)")
    p.add_argument("--admin-invite", metavar="CODE",
                   help="with --attach: the admin invite it printed (seeds the campers)")
    p.add_argument("--server-pid", type=int,
                   help="with --attach: its pid, for CPU and RSS from /proc")
    o = p.parse_args(argv)
    for name in ("sessions", "accounts", "rounds", "concurrency"):
        if getattr(o, name) < 1:
            p.error(f"--{name} must be at least 1")
    if o.procs < 0:
        p.error("--procs must be at least 1")
    if o.procs == 0:
        o.procs = cores
    o.procs = min(o.procs, o.sessions)
    o.accounts = min(o.accounts, o.sessions)
    if o.attach and not o.admin_invite:
        p.error("--attach needs --admin-invite CODE (a fresh camp prints one at start)")
    return o


async def amain(opts):
    tmp = tempfile.mkdtemp(prefix="camp-outside-")
    clean = False
    try:
        keys = [asyncssh.generate_private_key("ssh-ed25519") for _ in range(opts.accounts)]
        print(f"outside: {opts.sessions} sessions over {opts.accounts} accounts, {opts.rounds} "
              f"rounds, {opts.procs} client processes; {os.cpu_count()} cores; temp {tmp}",
              flush=True)
        results = []
        if opts.attach:
            host, port = split_addr(opts.attach)
            server = Server("camp", host, port, pid=opts.server_pid)
            invite = opts.admin_invite
        else:
            binary = opts.camp or os.path.join(target_dir(), "release", "camp")
            if not os.access(binary, os.X_OK):
                raise RuntimeError(f"no camp binary at {binary}; run with --build "
                                   "or `cargo bench --bench load --no-run`")
            if os.path.getmtime(binary) < newest_source_mtime():
                print(f"outside: WARNING: {binary} is older than the sources; "
                      "rebuild (--build) to measure today's code", file=sys.stderr)
            server = await start_camp(binary, tmp, opts.sessions)
            invite = server.invite
        try:
            print(f"[camp] pid {server.pid} on {server.host}:{server.port}; "
                  f"creating {opts.accounts} accounts", flush=True)
            await seed_accounts(server, keys, invite)
            m = await measure(server, keys, opts, lambda t: f"post {t}")
            results.append(("camp", m, server.stderr_summary()))
            if m["missed"] or m["closed"] or m["connect_failures"]:
                print(server.stderr_tail(40), file=sys.stderr)
        except Exception:
            print(server.stderr_tail(40), file=sys.stderr)
            raise
        finally:
            await server.stop()
        if opts.floor:
            floor = await start_floor(find_floor_binary(), tmp)
            try:
                print(f"[floor] pid {floor.pid} on {floor.host}:{floor.port}", flush=True)
                m = await measure(floor, keys, opts, lambda t: f"broadcast {t}")
                results.append(("floor", m, floor.stderr_summary()))
            finally:
                await floor.stop()
        clean = report(opts, results)
        return clean
    finally:
        if clean:
            shutil.rmtree(tmp, ignore_errors=True)
        else:
            print(f"outside: kept {tmp} (server logs and data)", file=sys.stderr)


def main(argv):
    opts = parse_args(argv)
    if opts.self_test:
        return self_test()
    if opts.build:
        build()
    try:
        clean = asyncio.run(amain(opts))
    except KeyboardInterrupt:
        print("outside: interrupted", file=sys.stderr)
        return 130
    except Exception as e:  # noqa: BLE001 - one clear line, then the exit code
        print(f"outside: FAILED: {e}", file=sys.stderr)
        return 1
    return 0 if clean else 2


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
