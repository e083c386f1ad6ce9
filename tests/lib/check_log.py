#!/usr/bin/env python3
"""check_log.py FILE THREADS LINES: every line of FILE is one JSON object
(Python's own parser, strict) with the logger's keys in order, and each
of THREADS threads wrote seq 0..LINES-1 exactly once, in order, with a
content that matches its fields. Prints what is wrong and exits 1."""
import json
import sys

KEYS = ["@timestamp", "level", "content", "caller", "thread", "seq",
        "payload"]


def main():
    path, threads, lines = sys.argv[1], int(sys.argv[2]), int(sys.argv[3])
    last = {}
    n = 0
    with open(path, "rb") as f:
        data = f.read()
    if data and not data.endswith(b"\n"):
        sys.exit("the file does not end with a newline")
    for no, raw in enumerate(data.split(b"\n")[:-1], 1):
        try:
            obj = json.loads(raw.decode("utf-8"))
        except (UnicodeDecodeError, ValueError) as e:
            sys.exit("line %d is not JSON (%s): %r" % (no, e, raw[:200]))
        if list(obj) != KEYS:
            sys.exit("line %d keys %s" % (no, list(obj)))
        t, i = obj["thread"], obj["seq"]
        if obj["content"] != "t=%d i=%d" % (t, i):
            sys.exit("line %d content %r" % (no, obj["content"]))
        if last.get(t, -1) != i - 1:
            sys.exit("line %d: thread %d seq %d after %d" %
                     (no, t, i, last.get(t, -1)))
        last[t] = i
        n += 1
    want = {t: lines - 1 for t in range(threads)}
    if last != want or n != threads * lines:
        sys.exit("%d lines; last seq by thread %s" % (n, last))


main()
