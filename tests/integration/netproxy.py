#!/usr/bin/env python3
"""netproxy.py - a fault-injecting TCP proxy for the consortium fault tests.

  netproxy.py serve --control PORT --link NAME:LISTEN:TARGET [--link ...]
  netproxy.py ctl PORT COMMAND [ARGS...]

`serve` listens on 127.0.0.1:LISTEN for every link and forwards each
connection to 127.0.0.1:TARGET. A validator's config names the proxy's
LISTEN port as a peer's address, so every byte between two validators goes
through a link the test controls. A link carries both directions of its
connections; its mode applies to both.

Control protocol: one line per command on 127.0.0.1:PORT, answered by one
line, "ok ..." or "err ...":

  mode NAME|* pass         forward as is (the default)
  mode NAME|* drop         forward nothing, keep connections open (a
                           black hole: what a silent partition looks like)
  mode NAME|* cut          close every connection of the link and close
                           new ones at once (a partition that resets)
  mode NAME|* delay MS     forward each chunk MS milliseconds late, in order
  mode NAME|* flaky P      close a connection at each chunk with probability
                           P (0..1): a lossy line, seen from TCP as stalls
                           and resets; bytes are never altered
  stats                    {"NAME": {"mode":..., "conns":n, "bytes":b}, ...}
  quit                     stop the proxy

`ctl` sends one command and prints the answer; exit 1 on "err".
Only the Python standard library; loopback only.
"""
import asyncio
import json
import random
import socket
import sys
import time

CHUNK = 65536


class Link:
    def __init__(self, name, listen, target):
        self.name, self.listen, self.target = name, listen, target
        self.mode, self.arg = "pass", 0.0
        self.conns = set()  # writers of both sides, to close on cut
        self.bytes = 0
        self.server = None

    def close_all(self):
        for w in list(self.conns):
            try:
                w.transport.abort()
            except Exception:
                pass
        self.conns.clear()


async def pump(link, reader, writer, peer_writer):
    """Copy reader -> peer_writer under the link's mode, in order."""
    q = asyncio.Queue()

    async def deliver():
        while True:
            due, data = await q.get()
            if data is None:
                break
            wait = due - time.monotonic()
            if wait > 0:
                await asyncio.sleep(wait)
            if link.mode == "drop":
                continue
            peer_writer.write(data)
            await peer_writer.drain()

    task = asyncio.ensure_future(deliver())
    try:
        while True:
            data = await reader.read(CHUNK)
            if not data:
                break
            if link.mode == "cut":
                break
            if link.mode == "drop":
                continue
            if link.mode == "flaky" and random.random() < link.arg:
                break
            link.bytes += len(data)
            delay = link.arg / 1000.0 if link.mode == "delay" else 0.0
            await q.put((time.monotonic() + delay, data))
    except (ConnectionError, OSError):
        pass
    finally:
        await q.put((0, None))
        try:
            await asyncio.wait_for(task, timeout=10)
        except Exception:
            task.cancel()
        for w in (writer, peer_writer):
            try:
                w.transport.abort()
            except Exception:
                pass


async def handle(link, reader, writer):
    if link.mode == "cut":
        writer.transport.abort()
        return
    try:
        preader, pwriter = await asyncio.open_connection("127.0.0.1", link.target)
    except OSError:
        writer.transport.abort()
        return
    for w in (writer, pwriter):
        s = w.get_extra_info("socket")
        if s is not None:
            s.setsockopt(socket.IPPROTO_TCP, socket.TCP_NODELAY, 1)
    link.conns.update((writer, pwriter))
    await asyncio.gather(pump(link, reader, writer, pwriter),
                         pump(link, preader, pwriter, writer))
    link.conns.discard(writer)
    link.conns.discard(pwriter)


def command(links, line, stop):
    f = line.split()
    if not f:
        return "err empty command"
    if f[0] == "quit":
        stop.set()
        return "ok bye"
    if f[0] == "stats":
        return "ok " + json.dumps({n: {"mode": l.mode, "arg": l.arg, "conns": len(l.conns) // 2,
                                       "bytes": l.bytes} for n, l in links.items()})
    if f[0] != "mode" or len(f) < 3:
        return "err usage: mode NAME|* pass|drop|cut|delay MS|flaky P, stats, quit"
    names = list(links) if f[1] == "*" else [f[1]]
    for n in names:
        if n not in links:
            return "err no link %s" % n
    mode = f[2]
    arg = 0.0
    if mode in ("delay", "flaky"):
        try:
            arg = float(f[3])
        except (IndexError, ValueError):
            return "err %s needs a number" % mode
        if arg < 0 or (mode == "flaky" and arg > 1):
            return "err bad %s value" % mode
    elif mode not in ("pass", "drop", "cut"):
        return "err unknown mode %s" % mode
    for n in names:
        links[n].mode, links[n].arg = mode, arg
        if mode == "cut":
            links[n].close_all()
    return "ok %d link(s) %s" % (len(names), mode)


async def serve(control, specs):
    links = {}
    for spec in specs:
        name, listen, target = spec.split(":")
        links[name] = Link(name, int(listen), int(target))
    stop = asyncio.Event()
    for l in links.values():
        l.server = await asyncio.start_server(
            lambda r, w, l=l: handle(l, r, w), "127.0.0.1", l.listen, reuse_address=True)

    async def on_control(reader, writer):
        try:
            while True:
                line = await reader.readline()
                if not line:
                    break
                writer.write((command(links, line.decode(errors="replace"), stop) + "\n").encode())
                await writer.drain()
        except (ConnectionError, OSError):
            pass
        writer.close()

    ctl = await asyncio.start_server(on_control, "127.0.0.1", control, reuse_address=True)
    print("netproxy ready: %d link(s), control on %d" % (len(links), control), flush=True)
    await stop.wait()
    ctl.close()
    for l in links.values():
        l.server.close()
        l.close_all()


def ctl(port, words):
    with socket.create_connection(("127.0.0.1", port), timeout=10) as s:
        s.sendall((" ".join(words) + "\n").encode())
        answer = s.makefile().readline().strip()
    print(answer)
    return 0 if answer.startswith("ok") else 1


def main(argv):
    if len(argv) >= 3 and argv[1] == "ctl":
        return ctl(int(argv[2]), argv[3:])
    if len(argv) >= 2 and argv[1] == "serve":
        control, specs, i = None, [], 2
        while i < len(argv):
            if argv[i] == "--control" and i + 1 < len(argv):
                control = int(argv[i + 1])
            elif argv[i] == "--link" and i + 1 < len(argv):
                specs.append(argv[i + 1])
            else:
                break
            i += 2
        if control is not None and specs and i == len(argv):
            asyncio.run(serve(control, specs))
            return 0
    print(__doc__.strip().split("\n\n")[1], file=sys.stderr)
    return 2


if __name__ == "__main__":
    sys.exit(main(sys.argv))
