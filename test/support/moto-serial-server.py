"""moto's server serving one request at a time (test/support/moto.ts, `serial: true`).

`moto_server` serves requests on threads, and moto's TransactWriteItems checks its conditions
and then writes without a lock: two concurrent transactions can both pass a condition that only
one may pass. DynamoDB's transactions are serializable; a server that handles one request at a
time gives the store the same isolation, so what the tests check is moto's evaluation of the
conditions. Usage: python moto-serial-server.py <host> <port>
"""

import os
import sys

from werkzeug.serving import run_simple

from moto.moto_server.werkzeug_app import (
    DomainDispatcherApplication,
    MotoRequestHandler,
    create_backend_app,
)

host, port = sys.argv[1], int(sys.argv[2])
os.environ.setdefault("MOTO_PORT", str(port))
app = DomainDispatcherApplication(create_backend_app)
run_simple(host, port, app, threaded=False, request_handler=MotoRequestHandler)
