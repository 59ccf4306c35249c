#!/usr/bin/env python3
"""The loopback APIs the sample agents talk to: orders, payments, a human queue, card
transactions, fraud reviews and a warehouse. Standard library only; state in memory.

    python3 samples/apis.py [--port 18461]

Prints "listening on http://127.0.0.1:PORT" once it accepts connections. Answers JSON.
"""
import argparse, itertools, json, signal, sys
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

ORDERS = {
    "A100": {"id": "A100", "customer": "c-17", "total": 40.0, "status": "delivered", "sku": "SKU-RED-MUG"},
    "A200": {"id": "A200", "customer": "c-23", "total": 500.0, "status": "delivered", "sku": "SKU-LAMP"},
    "A300": {"id": "A300", "customer": "c-31", "total": 75.5, "status": "delivered", "sku": "SKU-TEAPOT"},
}
TRANSACTIONS = {
    "C1": [
        {"id": "t1", "amount": 12.5, "merchant": "Cafe Lumen", "country": "FR"},
        {"id": "t2", "amount": 18.0, "merchant": "Metro", "country": "FR"},
        {"id": "t3", "amount": 15.0, "merchant": "Books & Co", "country": "FR"},
        {"id": "t4", "amount": 940.0, "merchant": "Lux Watches", "country": "FR"},
        {"id": "t5", "amount": 14.0, "merchant": "Cafe Lumen", "country": "FR"},
        {"id": "t6", "amount": 22.0, "merchant": "Night Market", "country": "TH"},
    ],
}
counter = itertools.count(1)


class Handler(BaseHTTPRequestHandler):
    server_version = "corral-sample-apis"

    def log_message(self, fmt, *args):
        pass  # quiet: the runner prints the agent's result and audit

    def answer(self, status, body, headers=()):
        data = json.dumps(body).encode()
        self.send_response(status)
        self.send_header("content-type", "application/json")
        self.send_header("content-length", str(len(data)))
        for k, v in headers:
            self.send_header(k, v)
        self.end_headers()
        self.wfile.write(data)

    def body(self):
        n = int(self.headers.get("content-length") or 0)
        try:
            return json.loads(self.rfile.read(n) or b"null")
        except ValueError:
            return None

    def do_GET(self):
        parts = self.path.split("?")[0].strip("/").split("/")
        if parts[:1] == ["orders"] and len(parts) == 2:
            if parts[1] == "redirect":
                # A redirect into the cloud metadata service: the policy must refuse to follow it.
                return self.answer(302, {}, [("location", "http://169.254.169.254/latest/meta-data/")])
            order = ORDERS.get(parts[1])
            return self.answer(200, order) if order else self.answer(404, {"error": "no such order"})
        if parts[:1] == ["cards"] and len(parts) == 3 and parts[2] == "transactions":
            return self.answer(200, TRANSACTIONS.get(parts[1], []))
        self.answer(404, {"error": "no route"})

    def do_POST(self):
        path = self.path.split("?")[0].rstrip("/")
        body = self.body()
        if not isinstance(body, dict):
            return self.answer(400, {"error": "want a JSON object"})
        if path == "/payments/refunds":
            return self.answer(201, {"refund": "R-%s" % body.get("order"), "amount": body.get("amount")})
        if path == "/queue/tickets":
            return self.answer(201, {"ticket": "Q-%d" % next(counter), "queue": "human"})
        if path == "/reviews":
            return self.answer(201, {"review": "V-%d" % next(counter), "count": len(body.get("transactions", []))})
        if path == "/warehouse/returns":
            return self.answer(201, {"rma": "RMA-%s" % body.get("sku"), "dock": 3})
        self.answer(404, {"error": "no route"})


def main():
    # A parent may have started us with these blocked; the runner stops us with SIGTERM.
    signal.pthread_sigmask(signal.SIG_UNBLOCK, {signal.SIGTERM, signal.SIGINT})
    signal.signal(signal.SIGTERM, signal.SIG_DFL)
    ap = argparse.ArgumentParser()
    ap.add_argument("--port", type=int, default=18461)
    port = ap.parse_args().port
    server = ThreadingHTTPServer(("127.0.0.1", port), Handler)
    print("listening on http://127.0.0.1:%d" % port, flush=True)
    try:
        server.serve_forever()
    except KeyboardInterrupt:
        pass


if __name__ == "__main__":
    sys.exit(main())
