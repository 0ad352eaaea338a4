#!/usr/bin/env python3
"""The reference for bench/xmlrpc.ts: vt_agent's server as vt_agent builds it, a
SimpleXMLRPCServer with ThreadingMixIn (allow_none, use_builtin_types=False, request
logging left on as vt_agent leaves it) serving vt_agent.api.is_alive.

    python3 xmlrpc_reference_server.py        prints "PORT" once listening on 127.0.0.1
"""

import sys
from socketserver import ThreadingMixIn
from xmlrpc.server import SimpleXMLRPCServer


class ThreadingServer(ThreadingMixIn, SimpleXMLRPCServer):
    pass


def is_alive():
    return True


def main():
    server = ThreadingServer(("127.0.0.1", 0), allow_none=True, use_builtin_types=False)
    server.register_function(is_alive, "vt_agent.api.is_alive")
    sys.stdout.write("%d\n" % server.server_address[1])
    sys.stdout.flush()
    server.serve_forever()


if __name__ == "__main__":
    main()
