#!/usr/bin/env python3
"""Reference host for the benchmarks: the same job as `eproc-a2f` answering one `code` request,
done the way eproc bots do it (pyotp + secretstorage), speaking the same native-messaging frames.

It reads frames from stdin until EOF; for each `code` request it looks the account up in the
Secret Service (service=eproc-a2f, username=<authenticator>:<user>), reads the otpauth URI stored
there, computes the current code with pyotp and answers a frame. No step bookkeeping (like
`peek: true` in eproc-a2f).
"""
import json
import struct
import sys
from urllib.parse import parse_qs, urlparse

import pyotp
import secretstorage


def main() -> int:
    rd, wr = sys.stdin.buffer, sys.stdout.buffer
    conn = secretstorage.dbus_init()
    collection = secretstorage.get_default_collection(conn)
    while True:
        head = rd.read(4)
        if len(head) < 4:
            return 0
        (n,) = struct.unpack("=I", head)
        req = json.loads(rd.read(n))
        name = f"{req.get('authenticator')}:{req.get('user')}"
        items = list(collection.search_items({"service": "eproc-a2f", "username": name}))
        if not items:
            ans = {"id": req.get("id"), "ok": False, "error": {"code": "no_account"}}
        else:
            uri = items[0].get_secret().decode()
            q = parse_qs(urlparse(uri).query)
            totp = pyotp.TOTP(q["secret"][0], digits=int(q.get("digits", ["6"])[0]), interval=int(q.get("period", ["30"])[0]))
            ans = {"id": req.get("id"), "ok": True, "code": totp.now(), "authenticator": req.get("authenticator"), "user": req.get("user")}
        body = json.dumps(ans).encode()
        wr.write(struct.pack("=I", len(body)) + body)
        wr.flush()


if __name__ == "__main__":
    sys.exit(main())
