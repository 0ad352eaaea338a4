#!/usr/bin/env python3
"""Drives an XML-RPC server with Python's own xmlrpc.client, as vt_agent's clients do.

    python3 xmlrpc_driver.py URL METHOD --threads N --seconds S

Each thread has its own ServerProxy and calls METHOD (no arguments) back to back for
S seconds after a short warm-up; prints {"calls": ..., "seconds": ..., "rate": ...}.
The same driver measures Python's SimpleXMLRPCServer and hostlink, in the same run.
"""

import argparse
import json
import threading
import time
import xmlrpc.client


def main():
    parser = argparse.ArgumentParser()
    parser.add_argument("url")
    parser.add_argument("method")
    parser.add_argument("--threads", type=int, default=1)
    parser.add_argument("--seconds", type=float, default=2.0)
    parser.add_argument("--warmup", type=float, default=0.3)
    options = parser.parse_args()

    counts = [0] * options.threads
    errors = []
    start_barrier = threading.Barrier(options.threads + 1)
    state = {"measuring": False, "stop": False}

    def worker(index):
        proxy = xmlrpc.client.ServerProxy(options.url, allow_none=True)
        call = getattr(proxy, options.method)
        start_barrier.wait()
        try:
            while not state["stop"]:
                if call() is not True:
                    raise RuntimeError("unexpected answer")
                if state["measuring"]:
                    counts[index] += 1
        except Exception as error:  # reported, and the figure is not trusted
            errors.append(repr(error))

    threads = [threading.Thread(target=worker, args=(i,)) for i in range(options.threads)]
    for thread in threads:
        thread.start()
    start_barrier.wait()
    time.sleep(options.warmup)
    state["measuring"] = True
    began = time.perf_counter()
    time.sleep(options.seconds)
    state["measuring"] = False
    elapsed = time.perf_counter() - began
    state["stop"] = True
    for thread in threads:
        thread.join()
    calls = sum(counts)
    print(json.dumps({"calls": calls, "seconds": elapsed, "rate": calls / elapsed, "errors": errors[:3]}))


if __name__ == "__main__":
    main()
