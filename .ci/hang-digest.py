#!/usr/bin/env python3
"""After a red build: the few lines that say where a timed-out test's threads were.

ThreadDump (gateway tests) writes whole thread dumps into Failsafe's *-output.txt reports when a test fails on a
timeout. The CI log keeps only its tail, so this prints, last, each dump's reason and the threads that were
doing something (an event loop or a worker not idling in its wait), a few frames each.
"""
import glob
import re
import sys

IDLE = ("epollWait", "EPoll.wait", "epoll_wait", "SelectorImpl.select", "Unsafe.park", "LockSupport.park",
        "$$_park", "Object.wait", "Thread.sleep", "ReferenceQueue", "accept", "socketRead", "readBytes", "waitFor")
INTERESTING = re.compile(r"epoll|nio|boundedElastic|parallel|single|registry-poll|key-refresh|http")


def digest(path, out):
    text = open(path, encoding="utf-8", errors="replace").read()
    for dump in text.split("Thread dump: ")[1:]:
        dump = dump.split("Thread dump of gateway process ")[0]
        lines = dump.splitlines()
        out.append("== " + path.split("/")[-1] + ": " + lines[0][:200])
        busy = 0
        families = {}
        for block in "\n".join(lines[1:]).split("\n\n"):
            head, *frames = block.strip().splitlines() or [""]
            name = head.split('"')[1] if head.count('"') >= 2 else head
            family = re.sub(r"[-#]?\d+$", "", name)
            families[family] = families.get(family, 0) + 1
            if not INTERESTING.search(name) or not frames:
                continue
            top = frames[0]
            if any(word in top for word in IDLE) and "BLOCKED" not in head:
                continue
            busy += 1
            out.append("  " + head[:160])
            out.extend("    " + frame.strip()[:160] for frame in frames[:5])
        if busy == 0:
            out.append("  (every event loop and worker was idle)")
        out.append("  threads: " + ", ".join(f"{name} {count}" for name, count in sorted(families.items())
                                             if INTERESTING.search(name))[:600])


def main():
    out = []
    for path in sorted(glob.glob("*/target/failsafe-reports/*-output.txt")):
        digest(path, out)
    if out:
        print("---- where the threads were when tests timed out (full dumps in the Failsafe reports) ----")
        print("\n".join(out[:80]))


if __name__ == "__main__":
    sys.exit(main())
