#!/usr/bin/env python3
"""Independent encoders for the import tests (issue 11): nothing here shares code with eproc-a2f.

  independent.py migration         Google Authenticator transfer URIs, encoded with the Python
                                   protobuf package from a descriptor built here from the public
                                   field numbers (no protoc), split in two batches
  independent.py decode-migration  decodes such URIs (stdin, one per line) with the same package:
                                   our export must read in other apps
  independent.py aegis PASSWORD    an encrypted Aegis vault (Aegis docs/vault.md, docs/decrypt.py:
                                   hashlib.scrypt + AES-256-GCM from `cryptography`)
  independent.py 2fas PASSWORD     an encrypted 2FAS backup (PBKDF2-HMAC-SHA256 10 000 + AES-GCM,
                                   with the `reference` field)
  independent.py photo IN OUT      a photo-like copy of a QR picture: scaled, rotated, noisy,
                                   blurred, saved as JPEG (Pillow)
  independent.py side A B OUT      two pictures side by side on one canvas (several codes)

Each encoder prints JSON: {"file" or "uris", "expected": [{issuer, name, secret, algorithm,
digits, period, type}]} where `secret` is base32 without padding.
"""
import base64
import json
import os
import random
import sys
import urllib.parse

# IMPORT_TAG is appended to every account name: tests share one keyring, and each run needs users
# of its own.
TAG = os.environ.get("IMPORT_TAG", "")
ENTRIES = [
    # The eproc key of the shared notes; a key whose payload puts '+' and '/' in the base64;
    # a non-eproc account; a HOTP one; an 8-digit SHA256 one.
    {"issuer": "eproc TRF4", "name": "RS123456" + TAG, "secret": "MMZDIMRUGZRGCNRQGA2GMMRWMVQWIZBW", "algorithm": "SHA1", "digits": 6, "type": "totp"},
    {"issuer": "", "name": "eproc.jfpr.jus.br:PR98765" + TAG, "secret": base64.b32encode(bytes(range(250, 256)) + b"\xfb\xef\xbe" * 6).decode().rstrip("="), "algorithm": "SHA1", "digits": 6, "type": "totp"},
    {"issuer": "GitHub", "name": "maria@example.com" + TAG, "secret": "JBSWY3DPEHPK3PXPJBSWY3DPEHPK3PXP", "algorithm": "SHA1", "digits": 6, "type": "totp"},
    {"issuer": "TJRS", "name": "RS7" + TAG, "secret": "KRUGS4ZANFZSAYJAORSXG5BAONSWG4TF", "algorithm": "SHA1", "digits": 6, "type": "hotp"},
    {"issuer": "eproc - TJRS", "name": "RS8" + TAG, "secret": "GEZDGNBVGY3TQOJQGEZDGNBVGY3TQOJQ", "algorithm": "SHA256", "digits": 8, "type": "totp"},
]


def b32(s):
    return base64.b32decode(s + "=" * (-len(s) % 8))


def payload_class():
    from google.protobuf import descriptor_pb2, descriptor_pool, message_factory

    fdp = descriptor_pb2.FileDescriptorProto(name="ga_migration.proto", package="ga", syntax="proto3")
    F = descriptor_pb2.FieldDescriptorProto
    payload = fdp.message_type.add(name="MigrationPayload")
    params = fdp.message_type.add(name="OtpParameters")
    for name, num, typ, label, tname in [
        ("secret", 1, F.TYPE_BYTES, F.LABEL_OPTIONAL, None),
        ("name", 2, F.TYPE_STRING, F.LABEL_OPTIONAL, None),
        ("issuer", 3, F.TYPE_STRING, F.LABEL_OPTIONAL, None),
        ("algorithm", 4, F.TYPE_INT32, F.LABEL_OPTIONAL, None),
        ("digits", 5, F.TYPE_INT32, F.LABEL_OPTIONAL, None),
        ("type", 6, F.TYPE_INT32, F.LABEL_OPTIONAL, None),
        ("counter", 7, F.TYPE_INT64, F.LABEL_OPTIONAL, None),
    ]:
        params.field.add(name=name, number=num, type=typ, label=label)
    payload.field.add(name="otp_parameters", number=1, type=F.TYPE_MESSAGE, label=F.LABEL_REPEATED, type_name=".ga.OtpParameters")
    for name, num in [("version", 2), ("batch_size", 3), ("batch_index", 4), ("batch_id", 5)]:
        payload.field.add(name=name, number=num, type=F.TYPE_INT32, label=F.LABEL_OPTIONAL)
    pool = descriptor_pool.DescriptorPool()
    pool.Add(fdp)
    desc = pool.FindMessageTypeByName("ga.MigrationPayload")
    if hasattr(message_factory, "GetMessageClass"):
        Payload = message_factory.GetMessageClass(desc)
    else:  # protobuf 4.21 (Debian 12)
        Payload = message_factory.MessageFactory(pool).GetPrototype(desc)
    return Payload


def decode_migration():
    """Reads otpauth-migration:// URIs (one per line on stdin) and prints their content."""
    Payload = payload_class()
    out = []
    for line in sys.stdin.read().split():
        q = urllib.parse.urlsplit(line)
        assert q.scheme == "otpauth-migration" and q.netloc == "offline", line
        data = urllib.parse.unquote(q.query.split("data=", 1)[1])
        p = Payload()
        p.ParseFromString(base64.b64decode(data))
        for o in p.otp_parameters:
            out.append({"issuer": o.issuer, "name": o.name, "secret": base64.b32encode(o.secret).decode().rstrip("="),
                        "algorithm": {1: "SHA1", 2: "SHA256", 3: "SHA512"}.get(o.algorithm, str(o.algorithm)),
                        "digits": {1: 6, 2: 8}.get(o.digits, o.digits), "type": {1: "hotp", 2: "totp"}.get(o.type, str(o.type)),
                        "batch": [p.batch_index, p.batch_size, p.batch_id]})
    print(json.dumps(out))


def migration():
    Payload = payload_class()
    algo = {"SHA1": 1, "SHA256": 2, "SHA512": 3}
    batches = [ENTRIES[:3], ENTRIES[3:]]
    uris = []
    for i, batch in enumerate(batches):
        p = Payload(version=1, batch_size=len(batches), batch_index=i, batch_id=0)  # id 0 is a real id
        for e in batch:
            o = p.otp_parameters.add()
            o.secret = b32(e["secret"])
            o.name = e["name"]
            o.issuer = e["issuer"]
            o.algorithm = algo[e["algorithm"]]
            o.digits = 1 if e["digits"] == 6 else 2
            o.type = 2 if e["type"] == "totp" else 1
            if e["type"] == "hotp":
                o.counter = 5
        data = base64.b64encode(p.SerializeToString()).decode()
        uris.append("otpauth-migration://offline?data=" + urllib.parse.quote(data, safe=""))
    expected = [dict(e, period=30) for e in ENTRIES]
    print(json.dumps({"uris": uris, "expected": expected}))


def aegis(password):
    import hashlib
    from cryptography.hazmat.primitives.ciphers.aead import AESGCM

    entries = []
    for e in ENTRIES:
        entries.append({"type": e["type"], "uuid": os.urandom(8).hex(), "name": e["name"], "issuer": e["issuer"], "note": "", "icon": None,
                        "info": {"secret": e["secret"], "algo": e["algorithm"], "digits": e["digits"], "period": 30} if e["type"] == "totp"
                        else {"secret": e["secret"], "algo": e["algorithm"], "digits": e["digits"], "counter": 5}})
    db = json.dumps({"version": 2, "entries": entries, "groups": []}).encode()
    master = os.urandom(32)
    salt = os.urandom(32)
    n, r, p = 32768, 8, 1
    derived = hashlib.scrypt(password.encode(), salt=salt, n=n, r=r, p=p, dklen=32, maxmem=64 * 1024 * 1024)
    slot_nonce = os.urandom(12)
    wrapped = AESGCM(derived).encrypt(slot_nonce, master, None)
    db_nonce = os.urandom(12)
    sealed = AESGCM(master).encrypt(db_nonce, db, None)
    vault = {
        "version": 1,
        "header": {
            "slots": [
                # A biometric slot first (type 2): it cannot be opened with a password.
                {"type": 2, "uuid": "b", "key": os.urandom(32).hex(), "key_params": {"nonce": os.urandom(12).hex(), "tag": os.urandom(16).hex()}},
                {"type": 1, "uuid": "p", "key": wrapped[:-16].hex(), "key_params": {"nonce": slot_nonce.hex(), "tag": wrapped[-16:].hex()},
                 "n": n, "r": r, "p": p, "salt": salt.hex(), "repaired": True, "is_backup": False},
            ],
            "params": {"nonce": db_nonce.hex(), "tag": sealed[-16:].hex()},
        },
        "db": base64.b64encode(sealed[:-16]).decode(),
    }
    print(json.dumps({"file": json.dumps(vault), "expected": [dict(e, period=30) for e in ENTRIES]}))


def twofas(password):
    from cryptography.hazmat.primitives import hashes
    from cryptography.hazmat.primitives.ciphers.aead import AESGCM
    from cryptography.hazmat.primitives.kdf.pbkdf2 import PBKDF2HMAC

    services = []
    for e in ENTRIES:
        services.append({"name": e["issuer"] or "eproc", "secret": e["secret"], "updatedAt": 1704874073731,
                         "otp": {"label": e["name"], "account": e["name"], "issuer": e["issuer"], "digits": e["digits"], "period": 30,
                                 "algorithm": e["algorithm"], "tokenType": e["type"].upper(), "counter": 0, "source": "Manual"},
                         "order": {"position": 0}})
    salt = os.urandom(256)
    key = PBKDF2HMAC(algorithm=hashes.SHA256(), length=32, salt=salt, iterations=10000).derive(password.encode())

    def seal(plain):
        iv = os.urandom(12)
        ct = AESGCM(key).encrypt(iv, plain, None)
        return ":".join(base64.b64encode(x).decode() for x in (ct, salt, iv))

    backup = {"services": [], "groups": [], "updatedAt": 1708958781890, "schemaVersion": 4, "appVersionCode": 5000017,
              "appVersionName": "5.3.5", "appOrigin": "android",
              "servicesEncrypted": seal(json.dumps(services).encode()),
              "reference": seal(b"tRViSsLKzd86Hprh4ceC2OP7xazn4rrt4xhfEUbOjxLP8Rc")}
    expected = [dict(e, period=30, issuer=e["issuer"] or "eproc") for e in ENTRIES]
    print(json.dumps({"file": json.dumps(backup), "expected": expected}))


def photo(src, dst):
    from PIL import Image, ImageFilter

    rnd = random.Random(11)
    img = Image.open(src).convert("L")
    w, h = img.size
    # A phone photo of a screen: larger, turned a little, on a grey desk, grainy and soft.
    img = img.resize((int(w * 2.3), int(h * 2.3)), Image.BILINEAR)
    img = img.rotate(8, resample=Image.BICUBIC, expand=True, fillcolor=255)
    canvas = Image.new("L", (img.width + 260, img.height + 180), 120)
    canvas.paste(img, (150, 70))
    px = canvas.load()
    for y in range(canvas.height):
        for x in range(canvas.width):
            v = px[x, y] + rnd.randint(-40, 40)
            px[x, y] = 35 + int(max(0, min(255, v)) * 0.75)  # lower contrast, as a screen in a photo
    canvas = canvas.filter(ImageFilter.GaussianBlur(1.2))
    canvas.convert("RGB").save(dst, "JPEG", quality=70)


def side(a, b, dst):
    from PIL import Image

    ia, ib = Image.open(a).convert("RGB"), Image.open(b).convert("RGB")
    out = Image.new("RGB", (ia.width + ib.width + 40, max(ia.height, ib.height)), (255, 255, 255))
    out.paste(ia, (0, 0))
    out.paste(ib, (ia.width + 40, 0))
    out.save(dst, "PNG")


if __name__ == "__main__":
    cmd = sys.argv[1]
    if cmd == "migration":
        migration()
    elif cmd == "decode-migration":
        decode_migration()
    elif cmd == "aegis":
        aegis(sys.argv[2])
    elif cmd == "2fas":
        twofas(sys.argv[2])
    elif cmd == "photo":
        photo(sys.argv[2], sys.argv[3])
    elif cmd == "side":
        side(sys.argv[2], sys.argv[3], sys.argv[4])
    else:
        sys.exit("unknown command " + cmd)
