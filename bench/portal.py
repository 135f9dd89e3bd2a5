#!/usr/bin/env python3
"""Small helpers for bench/documents.sh: a free port, an API sign-in with a demo patient, a batch of uploads.

    portal.py free-port
    portal.py signin DATA_DIR BASE_URL [INDEX]          prints an access token for the INDEXth demo patient
    portal.py upload-batch BASE_URL TOKEN FILE COUNT CONCURRENCY
                                                         uploads FILE COUNT times over CONCURRENCY kept-alive
                                                         connections and prints the throughput
    portal.py readers DATA_DIR BASE_URL FILE COUNT CONCURRENCY OUT
                                                         signs in COUNT demo patients, each uploads FILE once as
                                                         their own document; writes "token document-id" lines to OUT
"""
import base64
import hashlib
import hmac
import http.client
import json
import socket
import struct
import sys
import threading
import time
import urllib.parse
import urllib.request
import uuid


def totp(secret, now=None):
    """RFC 6238: SHA-1, 6 digits, 30-second steps."""
    key = base64.b32decode(secret.upper() + "=" * (-len(secret) % 8))
    step = int(now if now is not None else time.time()) // 30
    digest = hmac.new(key, struct.pack(">Q", step), hashlib.sha1).digest()
    offset = digest[-1] & 0x0F
    return "%06d" % ((struct.unpack(">I", digest[offset:offset + 4])[0] & 0x7FFFFFFF) % 1_000_000)


def post_json(base_url, path, body):
    request = urllib.request.Request(base_url + path, json.dumps(body).encode(), {"Content-Type": "application/json"})
    with urllib.request.urlopen(request) as response:
        return json.load(response)


def demo_patients(data_dir, roles=("Patient",)):
    with open(f"{data_dir}/demo-accounts.json") as f:
        return [a for a in json.load(f) if a["role"] in roles]


def signin(data_dir, base_url, index=0):
    return signin_account(demo_patients(data_dir)[index], base_url)


def signin_account(account, base_url):
    login = post_json(base_url, "/api/v1/auth/login", {"email": account["email"], "password": account["password"]})
    mfa = post_json(base_url, "/api/v1/auth/mfa",
                    {"challengeId": login["challengeId"], "method": "totp", "code": totp(account["totpSecret"])})
    return mfa["accessToken"]


def multipart(content, file_name="document.pdf"):
    """Fields first, then the file: the portal authorises the upload before it reads any content."""
    boundary = uuid.uuid4().hex
    parts = []
    for name, value in (("title", "Benchmark document"), ("category", "correspondence")):
        parts.append(f'--{boundary}\r\nContent-Disposition: form-data; name="{name}"\r\n\r\n{value}\r\n'.encode())
    parts.append(f'--{boundary}\r\nContent-Disposition: form-data; name="file"; filename="{file_name}"\r\n'
                 f'Content-Type: application/pdf\r\n\r\n'.encode())
    parts.append(content)
    parts.append(f"\r\n--{boundary}--\r\n".encode())
    return b"".join(parts), f"multipart/form-data; boundary={boundary}"


def upload_batch(base_url, token, path, count, concurrency):
    with open(path, "rb") as f:
        content = f.read()
    body, content_type = multipart(content)
    url = urllib.parse.urlparse(base_url)
    remaining = [count]
    failures = []
    lock = threading.Lock()

    def worker():
        connection = http.client.HTTPConnection(url.hostname, url.port)
        while True:
            with lock:
                if remaining[0] == 0:
                    break
                remaining[0] -= 1
            connection.request("POST", "/api/v1/documents", body,
                               {"Authorization": f"Bearer {token}", "Content-Type": content_type})
            response = connection.getresponse()
            response.read()
            if response.status != 201:
                failures.append(response.status)
        connection.close()

    threads = [threading.Thread(target=worker) for _ in range(concurrency)]
    started = time.perf_counter()
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    seconds = time.perf_counter() - started
    if failures:
        sys.exit(f"{len(failures)} uploads failed: {sorted(set(failures))}")
    megabytes = count * len(content) / 1_000_000
    print(f"{count} uploads of {len(content)} bytes over {concurrency} connections in {seconds:.2f} s: "
          f"{count / seconds:.1f} uploads/s, {megabytes / seconds:.1f} MB/s")


def readers(data_dir, base_url, path, count, concurrency, out):
    """Patients and their parents (who are patients too) each sign in once and upload one document of their own."""
    accounts = demo_patients(data_dir, ("Patient", "Proxy"))
    if len(accounts) < count:
        sys.exit(f"The demo world has {len(accounts)} patient accounts, fewer than {count}.")
    with open(path, "rb") as f:
        body, content_type = multipart(f.read())
    url = urllib.parse.urlparse(base_url)
    pending = list(enumerate(accounts[:count]))
    results = [None] * count
    failures = []
    lock = threading.Lock()

    def worker():
        connection = http.client.HTTPConnection(url.hostname, url.port)
        while True:
            with lock:
                if not pending:
                    break
                index, account = pending.pop()
            try:
                token = signin_account(account, base_url)
                connection.request("POST", "/api/v1/documents", body,
                                   {"Authorization": f"Bearer {token}", "Content-Type": content_type})
                response = connection.getresponse()
                created = json.loads(response.read())
                if response.status != 201:
                    failures.append(response.status)
                    continue
                results[index] = f"{token} {created['id']}"
            except Exception as error:  # noqa: BLE001 - reported below, the run stops
                failures.append(type(error).__name__)
        connection.close()

    threads = [threading.Thread(target=worker) for _ in range(concurrency)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    if failures:
        sys.exit(f"{len(failures)} readers could not be set up: {sorted(set(map(str, failures)))}")
    with open(out, "w") as f:
        f.write("\n".join(results) + "\n")


def main(args):
    if args[0] == "free-port":
        with socket.socket() as s:
            s.bind(("127.0.0.1", 0))
            print(s.getsockname()[1])
    elif args[0] == "signin":
        print(signin(args[1], args[2], int(args[3]) if len(args) > 3 else 0))
    elif args[0] == "readers":
        readers(args[1], args[2], args[3], int(args[4]), int(args[5]), args[6])
    elif args[0] == "upload-batch":
        upload_batch(args[1], args[2], args[3], int(args[4]), int(args[5]))
    else:
        sys.exit(__doc__)


if __name__ == "__main__":
    main(sys.argv[1:])
