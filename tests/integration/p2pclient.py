#!/usr/bin/env python3
"""p2pclient.py - the initiator's side of the peer handshake of
specs/wire.md §2, written from the spec alone (PyNaCl for X25519, Ed25519
and ChaCha20-Poly1305; Debian's python3-nacl), to test what a node's
peer port lets in.

  p2pclient.py hello PORT CHAIN_ID KEYFILE|new [--save FILE]
      Handshake with the node on 127.0.0.1:PORT as the key of KEYFILE (a
      key file of specs/keyfile.md) or a new random key. Prints
      "accepted" (message 4 came and opened: the node let us in) or
      "refused: WHY" (the node closed the connection, or answered nothing,
      before message 4). --save writes our messages 1 and 3, hex, for
      `replay`.
  p2pclient.py frame PORT CHAIN_ID KEYFILE short|oversized|forged|truncated
      Handshake as above; once accepted, send one bad frame (a length
      below 18, a length past any frame_max, 64 bytes that do not
      authenticate, or a frame cut short and left hanging) and read until
      the node closes the link (15 s at most): prints "closed: ..." or
      "left open ...", or "refused: ..." if the handshake was.
  p2pclient.py vectors SPEC
      Recompute the handshake test vectors of SPEC (specs/wire.md §7)
      with this client's code: prints "ok: ..." or "mismatch: ...".
  p2pclient.py replay PORT FILE
      Send the saved message 1 on a new connection, read the node's fresh
      message 2, send the saved message 3: prints "accepted" or
      "refused: WHY" as above. A node must refuse it (§2, "Replay").

Exit 0 when the answer is the one given with --expect accepted|refused
(default: print only, exit 0).
"""
import hashlib
import hmac
import json
import os
import socket
import sys
import time

try:
    import nacl.bindings as nb
    import nacl.exceptions
    import nacl.signing
except ImportError:  # the test says SKIP when this is missing
    print("SKIP: python3-nacl is not installed (scripts/deps.sh)")
    sys.exit(77)

LABEL = b"accord/p2p/v1"
MAGIC = b"ACRD"
VERSION = 1
TIMEOUT_S = 10


def hkdf(salt, ikm, info):
    prk = hmac.new(salt, ikm, hashlib.sha256).digest()
    return hmac.new(prk, info + b"\x01", hashlib.sha256).digest()


def ctx_prefix(chain_id):
    c = chain_id.encode()
    return LABEL + b"\x00" + bytes([len(c)]) + c


def aead_seal(k, n, p, ad):
    return nb.crypto_aead_chacha20poly1305_ietf_encrypt(p, ad, b"\0" * 4 + n.to_bytes(8, "big"), k)


def aead_open(k, n, c, ad):
    return nb.crypto_aead_chacha20poly1305_ietf_decrypt(c, ad, b"\0" * 4 + n.to_bytes(8, "big"), k)


def recv_exact(s, n):
    buf = b""
    while len(buf) < n:
        d = s.recv(n - len(buf))
        if not d:
            raise ConnectionError("closed after %d of %d bytes" % (len(buf), n))
        buf += d
    return buf


def keys_of(chain_id, e_i, e_r, dh):
    h = hashlib.sha256(ctx_prefix(chain_id) + e_i + e_r).digest()
    return h, hkdf(h, dh, b"handshake i->r"), hkdf(h, dh, b"handshake r->i")


def signing_key(path):
    if path == "new":
        return nacl.signing.SigningKey.generate()
    kf = json.load(open(path))
    return nacl.signing.SigningKey(bytes.fromhex(kf["seed"]))


def hello(port, chain_id, sk, after=None):
    """Returns (answer, msg1, msg3). With after, once accepted, calls
    after(socket) and returns its answer instead."""
    esk = os.urandom(32)
    e_i = nb.crypto_scalarmult_base(esk)
    msg1 = MAGIC + bytes([VERSION]) + e_i
    s = socket.create_connection(("127.0.0.1", port), timeout=TIMEOUT_S)
    try:
        s.sendall(msg1)
        try:
            m2 = recv_exact(s, 149)
        except (ConnectionError, OSError) as e:
            return "refused: no message 2 (%s)" % e, msg1, None
        if m2[:5] != MAGIC + bytes([VERSION]):
            return "error: message 2 has no MAGIC/VERSION", msg1, None
        e_r = m2[5:37]
        dh = nb.crypto_scalarmult(esk, e_r)
        h, k_ir, k_ri = keys_of(chain_id, e_i, e_r, dh)
        note = ""
        try:
            ident = aead_open(k_ri, 0, m2[37:], h)
            pk_r, sig_r = ident[:32], ident[32:]
            nacl.signing.VerifyKey(pk_r).verify(ctx_prefix(chain_id) + b"\x02" + e_i + e_r, sig_r)
        except nacl.exceptions.CryptoError:
            # Another chain id (or a forged message 2). A real node
            # would stop here; we go on, so that the node's own check of
            # message 3 is what is tested.
            note = " (its message 2 did not open under chain id %r)" % chain_id
        sig_i = sk.sign(ctx_prefix(chain_id) + b"\x01" + e_i + e_r).signature
        hdr_i = os.urandom(24)  # our stream header; we send no frames
        msg3 = aead_seal(k_ir, 0, bytes(sk.verify_key) + sig_i + hdr_i, h)
        s.sendall(msg3)
        try:
            m4 = recv_exact(s, 40)
        except (ConnectionError, OSError) as e:
            return "refused: no message 4 (%s)%s" % (e, note), msg1, msg3
        aead_open(k_ri, 1, m4, h)
        if after is not None:
            return after(s), msg1, msg3
        return "accepted" + note, msg1, msg3
    finally:
        s.close()


# Bad frames after an accepted handshake (specs/wire.md §3): the node must
# close the link.
BAD_FRAMES = {
    "short": lambda: (5).to_bytes(4, "big") + os.urandom(5),
    "oversized": lambda: (0xFFFFFFFF).to_bytes(4, "big") + os.urandom(64),
    "forged": lambda: (64).to_bytes(4, "big") + os.urandom(64),
    "truncated": lambda: (1000).to_bytes(4, "big") + os.urandom(100),
}


def bad_frame(kind):
    def after(s):
        s.sendall(BAD_FRAMES[kind]())
        s.settimeout(15)
        t0 = time.monotonic()
        try:
            while s.recv(65536):
                pass  # pings, or frames the node sends meanwhile
        except socket.timeout:
            return "left open after %.0f s" % (time.monotonic() - t0)
        except (ConnectionError, OSError):
            pass
        return "closed: the link was closed %.1f s after a %s frame" % (time.monotonic() - t0, kind)
    return after


def vectors(spec_path):
    """Recompute the handshake of specs/wire.md §7 from its fixed seeds
    with this client's code and compare every value with the spec's."""
    text = open(spec_path).read().split("## 7. Test vectors", 1)[1]
    want, name = {}, None
    for line in text.split("```")[1].splitlines():
        if line.endswith(":") and not line.startswith(" "):
            name = line[:-1]
            want[name] = ""
        elif name and line.strip():
            want[name] += line.strip()
    chain = "accord-test"
    sk_i = nacl.signing.SigningKey(b"\x04" * 32)
    sk_r = nacl.signing.SigningKey(b"\x05" * 32)
    x_i, x_r = b"\x41" * 32, b"\x42" * 32
    e_i, e_r = nb.crypto_scalarmult_base(x_i), nb.crypto_scalarmult_base(x_r)
    dh = nb.crypto_scalarmult(x_i, e_r)
    h, k_ir, k_ri = keys_of(chain, e_i, e_r, dh)
    got = {
        "e_I": e_i, "e_R": e_r, "h": h, "k_hs_ir": k_ir, "k_hs_ri": k_ri,
        "k_stream_ir": hkdf(h, dh, b"stream i->r"),
        "k_stream_ri": hkdf(h, dh, b"stream r->i"),
        "msg1": MAGIC + bytes([VERSION]) + e_i,
        "msg2": MAGIC + bytes([VERSION]) + e_r + aead_seal(
            k_ri, 0, bytes(sk_r.verify_key) + sk_r.sign(ctx_prefix(chain) + b"\x02" + e_i + e_r).signature, h),
        "msg3": aead_seal(k_ir, 0, bytes(sk_i.verify_key) +
                          sk_i.sign(ctx_prefix(chain) + b"\x01" + e_i + e_r).signature + b"\x49" * 24, h),
        "msg4": aead_seal(k_ri, 1, b"\x52" * 24, h),
    }
    bad = [k for k in got if want.get(k) != got[k].hex()]
    if bad:
        return "mismatch: %s (spec %s, client %s)" % (bad[0], want.get(bad[0]), got[bad[0]].hex())
    return "ok: %d handshake values of specs/wire.md §7 reproduced" % len(got)


def replay(port, msg1, msg3):
    s = socket.create_connection(("127.0.0.1", port), timeout=TIMEOUT_S)
    try:
        s.sendall(msg1)
        try:
            recv_exact(s, 149)
        except (ConnectionError, OSError) as e:
            return "refused: no message 2 (%s)" % e
        s.sendall(msg3)
        try:
            recv_exact(s, 40)
        except (ConnectionError, OSError) as e:
            return "refused: no message 4 (%s)" % e
        return "accepted"
    finally:
        s.close()


def main(argv):
    expect = None
    if "--expect" in argv:
        i = argv.index("--expect")
        expect = argv[i + 1]
        del argv[i:i + 2]
    save = None
    if "--save" in argv:
        i = argv.index("--save")
        save = argv[i + 1]
        del argv[i:i + 2]
    if len(argv) == 5 and argv[1] == "hello":
        answer, m1, m3 = hello(int(argv[2]), argv[3], signing_key(argv[4]))
        if save and m3 is not None:
            with open(save, "w") as f:
                f.write(m1.hex() + "\n" + m3.hex() + "\n")
    elif len(argv) == 6 and argv[1] == "frame" and argv[5] in BAD_FRAMES:
        answer, _, _ = hello(int(argv[2]), argv[3], signing_key(argv[4]), bad_frame(argv[5]))
    elif len(argv) == 3 and argv[1] == "vectors":
        answer = vectors(argv[2])
    elif len(argv) == 4 and argv[1] == "replay":
        m1, m3 = [bytes.fromhex(x) for x in open(argv[3]).read().split()]
        answer = replay(int(argv[2]), m1, m3)
    else:
        print(__doc__.strip().split("\n\n")[1], file=sys.stderr)
        return 2
    print(answer)
    if expect is None:
        return 0
    return 0 if answer.split(":")[0] == expect else 1



if __name__ == "__main__":
    sys.exit(main(sys.argv))
