#!/usr/bin/env python3
"""Every byte layout stated in specs/ matches what the code writes.

The layouts are read from the spec text itself, never restated here:

- specs/encoding.md: the code blocks of §4 (body, entry), §5 (each kind,
  the obligation, each governance action), §8.1 (header) and §9
  (certificate), and the enumeration table of §3. A small interpreter
  decodes bytes with them. Every entry vector (tests/vectors/entries.json,
  which the unit tests regenerate from the encoder and compare) is
  decoded with the spec's layout: it must be consumed exactly, and every
  leaf of the vector's JSON form must equal the field of the same name
  (enumeration names through §3's table, quantities in thousandths,
  times in the §2.7 form). The hex printed in §10.2 must be the same
  bytes, and the header and certificate of §10.4 decode with §8.1 and §9.
- Every sum a spec states for a fixed layout ("(45 bytes)", "(111 bytes
  with type)", `BLOCK_HEADER_FIXED_BYTES` = 161, "(9 bytes)") equals the
  sum of the widths of that layout's own fields.
- The C constants that size those layouts, compiled from the headers,
  equal the spec's sums, so a constant cannot drift from its layout.
- specs/genesis.md §4's layout, used as an encoder on §5's example,
  gives the hash §5 states (the one the code computes), and
  encoding.md §8.1's valset_hash of it is the one in §10.4's header.
- specs/consensus.md's vote and proposal payload vectors decode exactly
  with its "Vote sign bytes" and "Proposal sign bytes" layouts.

Exit 0 when all hold; otherwise each failure is printed and the exit is 1.
"""
import calendar
import hashlib
import json
import os
import re
import subprocess
import sys
import tempfile
import time

ROOT = os.path.abspath(os.path.join(os.path.dirname(__file__), "..", ".."))
SPECS = os.path.join(ROOT, "specs")
failures = []
checks = 0


def check(ok, what):
    global checks
    checks += 1
    if not ok:
        failures.append(what)
        print("FAIL " + what)


def spec(name):
    with open(os.path.join(SPECS, name), encoding="utf-8") as f:
        return f.read()


def section(text, heading):
    """The text of the section whose heading line starts with heading."""
    m = re.search(r"^#+ " + re.escape(heading) + r".*$", text, re.M)
    if m is None:
        raise SystemExit("spec_layouts: no section " + heading)
    level = len(m.group(0).split(" ")[0])
    rest = text[m.end():]
    n = re.search(r"^#{1,%d} " % level, rest, re.M)
    return rest[: n.start()] if n else rest


def code_blocks(text):
    return re.findall(r"^```[a-z]*\n(.*?)^```", text, re.M | re.S)


# ---- the layout language of specs/encoding.md ----

def split_top(s, sep):
    """Split s at sep outside (), <> and []."""
    out, depth, cur = [], 0, ""
    i = 0
    while i < len(s):
        c = s[i]
        if c in "(<[":
            depth += 1
        elif c in ")>]":
            depth -= 1
        if depth == 0 and s.startswith(sep, i):
            out.append(cur)
            cur = ""
            i += len(sep)
            continue
        cur += c
        i += 1
    out.append(cur)
    return [x.strip() for x in out if x.strip()]


def strip_annotations(t):
    """'str (id, ≤128)' -> 'str'; keeps <...> and [...] intact."""
    out, depth = "", 0
    for c in t:
        if c == "(" and not out.endswith("×"):
            depth += 1
            continue
        if c == ")" and depth > 0:
            depth -= 1
            continue
        if depth == 0:
            out += c
    return out.strip()


def parse_seq(s):
    """A ‖-separated sequence of 'name type' items -> list of fields.
    "name × N: a ‖ b" repeats everything after the colon, to the end."""
    items = split_top(s, "‖")
    for i, x in enumerate(items):
        if re.match(r"^\w+ × \d+: ", x):
            items[i:] = [" ‖ ".join(items[i:])]
            break
    return [parse_item(x) for x in items]


def parse_item(x):
    x = x.strip()
    # (cond = 1: name type | cond = 0: name type)
    m = re.match(r"^\((\w+) = (\d+): (.*) \| \1 = (\d+): (.*)\)$", x, re.S)
    if m:
        return ("choice", m.group(1),
                {int(m.group(2)): parse_seq(m.group(3)),
                 int(m.group(4)): parse_seq(m.group(5))})
    # count × (sequence)   or   name × N: sequence
    m = re.match(r"^(\w+) × \((.*)\)$", x, re.S)
    if m:
        return ("repeat", m.group(1), None, parse_seq(m.group(2)))
    m = re.match(r"^(\w+) × (\d+): (.*)$", x, re.S)
    if m:
        return ("repeat", m.group(1) + "s", int(m.group(2)),
                parse_seq(m.group(3)))
    m = re.match(r"^(\w+)\s*(\[\d+\])(.*)$", x)
    if m:
        return ("field", m.group(1), m.group(2))
    m = re.match(r"^(\w+) (u8|u16|u32|u64) = (\d+)$", x)
    if m:  # a byte of fixed value: "form u8 = 3"
        return ("const", m.group(1), m.group(2), int(m.group(3)))
    if re.match(r"^\w+$", x):
        return ("field", x, x)  # a layout defined elsewhere
    m = re.match(r"^(\w+)\s+(.*)$", x, re.S)
    if not m:
        raise SystemExit("spec_layouts: cannot read layout item %r" % x)
    return ("field", m.group(1), strip_annotations(m.group(2)))


def fields_of_block(block):
    """Lines 'name type' (continuations start with ‖) -> sequence text,
    with definitions 'x = ...' returned separately."""
    lines = []
    for raw in block.split("\n"):
        line = raw.split("--")[0].rstrip()
        if not line.strip():
            continue
        if line.strip().startswith("‖") and lines:
            lines[-1] += " " + line.strip()
        else:
            lines.append(line)
    return lines


class Reader:
    def __init__(self, b):
        self.b, self.i = b, 0

    def take(self, n):
        if self.i + n > len(self.b):
            raise ValueError("ran out at byte %d (needs %d)" % (self.i, n))
        r = self.b[self.i:self.i + n]
        self.i += n
        return r

    def uint(self, n):
        return int.from_bytes(self.take(n), "big")


INT_BYTES = {"u8": 1, "u16": 2, "u32": 4, "u64": 8, "i64": 8, "qty": 8,
             "time": 8, "bool": 1}


def fixed_width(ftype):
    if ftype in INT_BYTES:
        return INT_BYTES[ftype]
    m = re.match(r"^\[(\d+)\]$", ftype)
    if m:
        return int(m.group(1))
    if ftype == "str":
        return 2  # its length; the bytes are not fixed
    return None


def decode_type(r, ftype, defs):
    if ftype in ("u8", "u16", "u32", "u64"):
        return ("int", r.uint(INT_BYTES[ftype]))
    if ftype in ("i64", "qty"):
        v = r.uint(8)
        return ("qty" if ftype == "qty" else "int",
                v - (1 << 64) if v >> 63 else v)
    if ftype == "time":
        return ("time", r.uint(8))
    if ftype == "bool":
        v = r.uint(1)
        if v > 1:
            raise ValueError("bool %d" % v)
        return ("bool", v == 1)
    m = re.match(r"^\[(\d+)\]$", ftype)
    if m:
        return ("bytes", r.take(int(m.group(1))))
    if ftype == "str":
        n = r.uint(2)
        return ("str", r.take(n).decode("utf-8"))
    m = re.match(r"^list<(.*)>$", ftype, re.S)
    if m:
        n = r.uint(2)
        return ("list", [decode_type(r, strip_annotations(m.group(1)), defs)
                         for _ in range(n)])
    m = re.match(r"^opt<(.*)>$", ftype, re.S)
    if m:
        p = r.uint(1)
        if p > 1:
            raise ValueError("presence byte %d" % p)
        if p == 0:
            return ("absent", None)
        inner = m.group(1).strip()
        if "‖" in inner:
            return ("group", decode_seq(r, parse_seq(inner), defs))
        return decode_type(r, strip_annotations(inner), defs)
    if ftype in defs:
        return ("group", decode_seq(r, defs[ftype], defs))
    raise ValueError("unknown type %r" % ftype)


def decode_seq(r, seq, defs, out=None):
    out = {} if out is None else out
    for item in seq:
        if item[0] == "field":
            _, name, ftype = item
            out[name] = decode_type(r, ftype, defs)
        elif item[0] == "choice":
            _, on, arms = item
            flag = out[on][1]
            if flag not in arms:
                raise ValueError("%s = %d selects no form" % (on, flag))
            decode_seq(r, arms[flag], defs, out)
        elif item[0] == "const":
            _, name, ftype, want = item
            out[name] = decode_type(r, ftype, defs)
            if out[name][1] != want:
                raise ValueError("%s is %d, the layout says %d" % (
                    name, out[name][1], want))
        elif item[0] == "alt":
            # "then either (… that byte is 1 or 2) … or (… is 3) …": the
            # next byte chooses the form (it is read again by the form).
            if r.i >= len(r.b):
                raise ValueError("ran out before the form byte")
            arms = [seq for vals, seq in item[1] if r.b[r.i] in vals]
            if not arms:
                raise ValueError("byte %d selects no form" % r.b[r.i])
            decode_seq(r, arms[0], defs, out)
        elif item[0] == "repeat":
            _, name, n, sub = item
            count = n if n is not None else out[name][1]
            key = name + "_items" if n is None else name
            out[key] = ("list", [("group", decode_seq(r, sub, defs))
                                 for _ in range(count)])
    return out


# ---- the spec's layouts ----

ENC = spec("encoding.md")


def enums():
    """§3: field word -> {name: code}."""
    table = {}
    for line in section(ENC, "3. Enumerations").split("\n"):
        cells = [c.strip() for c in line.split("|")[1:-1]]
        if len(cells) != 3 or cells[0] in ("kind", "---"):
            continue
        names, code, depth, i, s = {}, 1, 0, 0, cells[2]
        while i < len(s):
            c = s[i]
            if c == "(":
                depth += 1
            elif c == ")":
                depth -= 1
            elif c == "`" and depth == 0:
                j = s.index("`", i + 1)
                name = s[i + 1:j]
                m = re.match(r"^\s*\((\d+)\)", s[j + 1:])
                if m:
                    code = int(m.group(1))
                names[name] = code
                code += 1
                i = j
            i += 1
        for word in re.findall(r"\w+", cells[0]):
            table[word] = names
    return table


ENUMS = enums()


def layouts():
    defs, kinds, actions = {}, {}, {}
    b = code_blocks(section(ENC, "4.1 Body"))[0]
    defs["body"] = parse_seq(b.split("=", 1)[1].replace(
        "fields of the kind (§5)", "fields kindfields"))
    b = code_blocks(section(ENC, "4.2 Entry"))[0]
    defs["entry"] = parse_seq(b.split("=", 1)[1])
    for m in re.finditer(r"^### 5\.\d+ (\w+) \((\d+)\)$", ENC, re.M):
        kind, block = m.group(1), code_blocks(
            section(ENC, m.group(0)[4:]))[0]
        seq_lines, cur = [], None
        for line in fields_of_block(block):
            d = re.match(r"^(\w+) =\s*(.*)$", line)
            if d:
                cur = d.group(1)
                defs[cur] = d.group(2)
                continue
            if cur is not None:
                defs[cur] += " " + line.strip()
                continue
            seq_lines.append(line)
        if kind == "governance":
            kinds[kind] = parse_seq(seq_lines[0].replace(
                "‖ fields of the action:", ""))
            for line in seq_lines[1:]:
                a, rest = line.strip().split(None, 1)
                actions[a] = parse_seq(rest)
        else:
            kinds[kind] = []
            target = kinds[kind]
            for line in seq_lines:
                alt = re.match(r"^\s*(?:then either|or) \((.*)\)\s*$", line)
                if alt:  # a form chosen by the next byte's value
                    tail = alt.group(1).split("that byte is", 1)[-1]
                    vals = [int(v) for v in re.findall(
                        r"\b(\d+)\b", tail.split(",")[0] + " " +
                        " ".join(re.findall(r"\d+ or \d+", tail)))]
                    if not (kinds[kind] and kinds[kind][-1][0] == "alt"):
                        kinds[kind].append(("alt", []))
                    target = []
                    kinds[kind][-1][1].append((set(vals), target))
                # "vote × 2: a ‖ b" repeats the rest of its line
                elif re.match(r"^\s*\w+ × \d+: ", line):
                    target.append(parse_item(line.strip()))
                else:
                    target += parse_seq(line)
    for k, v in list(defs.items()):
        if isinstance(v, str):
            defs[k] = parse_seq(v)
    return defs, kinds, actions


DEFS, KINDS, ACTIONS = layouts()


def decode_entry(b):
    r = Reader(b)
    out = decode_seq(r, [x for x in DEFS["body"]
                         if x[1] != "fields"], DEFS)
    codes = ENUMS["kind"]
    kind = [k for k, c in codes.items() if c == out["kind"][1]]
    if not kind:
        raise ValueError("kind code %d not in §3" % out["kind"][1])
    kind = kind[0]
    decode_seq(r, KINDS[kind], DEFS, out)
    if kind == "governance":
        acts = ENUMS["action"]
        act = [a for a, c in acts.items() if c == out["action"][1]][0]
        decode_seq(r, ACTIONS[act], DEFS, out)
    decode_seq(r, [x for x in DEFS["entry"] if x[1] != "body"], DEFS, out)
    if r.i != len(b):
        raise ValueError("%d bytes left over" % (len(b) - r.i))
    return kind, out


# ---- comparing a decoded entry with its JSON form ----

def time_text(t):
    return time.strftime("%Y-%m-%dT%H:%M:%SZ", time.gmtime(t))


def same(name, dec, js):
    tag, v = dec
    if isinstance(js, bool) or tag == "bool":
        return tag == "bool" and v == js
    if isinstance(js, str):
        if tag == "str":
            return v == js
        if tag == "time":
            return time_text(v) == js
        if tag == "bytes":
            return v.hex() == js.lower() or v == js.encode()
        if tag == "int":
            word = name.split("_")[-1]
            return word in ENUMS and ENUMS[word].get(js) == v
        return False
    if isinstance(js, (int, float)):
        if tag == "qty":
            return round(js * 1000) == v
        if tag == "int" and isinstance(js, int) and js < 0:
            return v == js + (1 << 32)  # a u32 two's complement (-1)
        return tag == "int" and v == js
    return False


def leaves(obj, path=()):
    if isinstance(obj, dict):
        for k, v in obj.items():
            yield from leaves(v, path + (k,))
    elif isinstance(obj, list) and obj and isinstance(obj[0], dict):
        for i, v in enumerate(obj):
            yield from leaves(v, path + (i,))
    else:
        yield path, obj


def lookup(dec, path):
    """The decoded field a JSON path names: the JSON nests some groups
    (verification, compensation) the binary writes flat, names the
    entry's signatures key/sig, and joins an optional group's name to its
    fields (baseline_year)."""
    node = ("group", dec)
    alias = {"signatures": "sig_count_items", "key": "pubkey",
             "sig": "signature"}
    for step in path:
        tag, v = node
        if isinstance(step, int):
            if tag != "list" or step >= len(v):
                return None
            node = v[step]
            continue
        if tag != "group":
            return None
        if step in v:
            node = v[step]
        elif alias.get(step) in v and (step != "sig" or "sig" not in v):
            node = v[alias[step]]
        elif step + "s" in v:
            node = v[step + "s"]
        elif "_" in step and step.split("_")[0] in v and \
                v[step.split("_")[0]][0] == "group":
            node = v[step.split("_")[0]][1].get(step.split("_", 1)[1])
            if node is None:
                return None
        elif step in ("verification", "compensation"):
            if step == "compensation" and step in v:
                node = v[step]
            continue  # written flat
        else:
            return None
    return node


def check_entries():
    with open(os.path.join(ROOT, "tests", "vectors", "entries.json")) as f:
        vec = json.load(f)
    printed = spec_printed_hex()
    total = 0
    for v in vec["vectors"]:
        b = bytes.fromhex(v["hex"])
        check(printed.get(v["name"]) == v["hex"],
              "encoding.md §10.2 %s: the hex printed differs from the "
              "encoder's vector" % v["name"])
        try:
            kind, dec = decode_entry(b)
        except (ValueError, KeyError, UnicodeDecodeError) as e:
            check(False, "encoding.md layout of %s does not decode the "
                  "encoder's bytes: %s" % (v["name"], e))
            continue
        check(kind == v["json"]["kind"], "%s: kind" % v["name"])
        n = 0
        for path, js in leaves(v["json"]):
            if path == ("kind",):
                continue
            if isinstance(js, list) and not js:
                d = lookup(dec, path)
                check(d is not None and d[0] == "list" and not d[1],
                      "%s: %s is an empty list" % (v["name"], path))
                continue
            items = js if isinstance(js, list) else [js]
            d = lookup(dec, path)
            if isinstance(js, list):
                ok = d is not None and d[0] == "list" and \
                    len(d[1]) == len(js) and all(
                        same(str(path[-1]), x, y) for x, y in zip(d[1], js))
            else:
                ok = d is not None and same(str(path[-1]), d, js)
            check(ok, "%s: field %s: the encoder wrote %r where the "
                  "spec's layout puts %r" % (v["name"], "/".join(
                      map(str, path)), items, d and d[1]))
            n += 1
        # Every JSON field was found in the layout, and nothing is left:
        # a field the layout lists twice or in another order shows above.
        check(n >= 3, "%s: only %d fields compared" % (v["name"], n))
        total += n
    check(total >= 150, "only %d entry fields compared" % total)
    return total


def spec_printed_hex():
    out = {}
    sec = section(ENC, "10.2 Entries")
    for m in re.finditer(r"^#### (\w+)$", sec, re.M):
        part = sec[m.end():]
        n = re.search(r"^#### ", part, re.M)
        part = part[: n.start()] if n else part
        h = re.search(r"^hex \((\d+) bytes\):\s*```\n(.*?)```", part,
                      re.M | re.S)
        if h:
            hx = re.sub(r"\s", "", h.group(2))
            check(len(hx) == 2 * int(h.group(1)),
                  "encoding.md §10.2 %s: printed size %s bytes, hex has %d"
                  % (m.group(1), h.group(1), len(hx) // 2))
            out[m.group(1)] = hx
    return out


# ---- header and certificate ----

def seq_fixed_sum(seq):
    total = 0
    for item in seq:
        if item[0] != "field":
            return None
        w = fixed_width(item[2])
        if w is None:
            return None
        total += w
    return total


def check_header_and_cert(consts):
    sec = section(ENC, "8.1 Header")
    block = code_blocks(sec)[0]
    header = parse_seq(" ".join(fields_of_block(block)).split("=", 1)[1])
    fixed = seq_fixed_sum(header)
    m = re.search(r"`BLOCK_HEADER_FIXED_BYTES` = (\d+)", sec)
    check(m is not None and int(m.group(1)) == fixed,
          "encoding.md §8.1 states BLOCK_HEADER_FIXED_BYTES = %s, its "
          "layout sums to %s" % (m and m.group(1), fixed))
    sums = re.findall(r"([\d\s+]+) \(the chain id's length\)([\d\s+]+)",
                      sec.replace("\n", " "))
    if sums:
        terms = re.findall(r"\d+", sums[0][0] + " " + sums[0][1])
        check(sum(map(int, terms)) == fixed,
              "encoding.md §8.1: the stated sum %s is not %d" % (
                  "+".join(terms), fixed))
    check(consts.get("BLOCK_HEADER_FIXED_BYTES") == fixed,
          "BLOCK_HEADER_FIXED_BYTES is %s in the code, %s in the spec" % (
              consts.get("BLOCK_HEADER_FIXED_BYTES"), fixed))
    m = re.search(r"chain id `([^`]+)` it is (\d+) bytes", sec.replace(
        "\n", " "))
    v = section(ENC, "10.4 Block header")
    hexes = [re.sub(r"\s", "", b) for b in code_blocks(v)]
    hb = bytes.fromhex(hexes[0])
    check(m is not None and int(m.group(2)) == len(hb) and
          fixed + len(m.group(1)) == len(hb),
          "encoding.md §8.1/§10.4: header of %d bytes, stated %s" % (
              len(hb), m and m.group(2)))
    r = Reader(hb)
    try:
        h = decode_seq(r, header, DEFS)
        check(r.i == len(hb), "§10.4 header: %d bytes left" % (
            len(hb) - r.i))
        stated = {"chain_id": "accord-test", "height": 1, "proposer": 0,
                  "entry_count": 2, "log_size": 2,
                  "time_ms": 1735689600000}
        for k, want in stated.items():
            check(h.get(k, (None, None))[1] == want,
                  "§10.4 header field %s: %r, the text says %r" % (
                      k, h.get(k), want))
        check(h["log_root"][1] == b"\x11" * 32, "§10.4 header log_root")
        gh = re.search(r"hash\s+`([0-9a-f]{64})`", section(ENC, "10.1 Keys"))
        check(h["prev_hash"][1].hex() == gh.group(1),
              "§10.4 header prev_hash is not the genesis hash")
        check(h["last_cert_hash"][1] == bytes(32),
              "§10.4 header last_cert_hash")
    except (ValueError, KeyError) as e:
        check(False, "encoding.md §8.1 does not decode §10.4's header: %s"
              % e)
    csec = section(ENC, "9. Certificates")
    cert = parse_seq(code_blocks(csec)[0].split("=", 1)[1])
    cb = bytes.fromhex(hexes[1])
    r = Reader(cb)
    try:
        c = decode_seq(r, cert, DEFS)
        check(r.i == len(cb), "§10.4 certificate: %d bytes left" % (
            len(cb) - r.i))
        bh = re.search(r"block hash: `([0-9a-f]{64})`", v).group(1)
        check(c["height"][1] == 1 and c["round"][1] == 0 and
              c["block_hash"][1].hex() == bh and c["count"][1] == 2 and
              [s[1]["validator_index"][1] for s in
               c["count_items"][1]] == [0, 1],
              "§10.4 certificate fields differ from the text")
    except (ValueError, KeyError) as e:
        check(False, "encoding.md §9 does not decode §10.4's certificate: "
              "%s" % e)
    head = [x for x in cert if x[0] == "field"]
    check(consts.get("CERT_FIXED_BYTES") == seq_fixed_sum(head),
          "CERT_FIXED_BYTES %s, encoding.md §9 fixed part %s" % (
              consts.get("CERT_FIXED_BYTES"), seq_fixed_sum(head)))
    rep = [x for x in cert if x[0] == "repeat"][0][3]
    check(consts.get("CERT_SIG_BYTES") == seq_fixed_sum(rep),
          "CERT_SIG_BYTES %s, encoding.md §9 per signer %s" % (
              consts.get("CERT_SIG_BYTES"), seq_fixed_sum(rep)))
    sig = [x for x in DEFS["entry"] if x[0] == "repeat"][0][3]
    check(consts.get("ENTRY_SIG_RECORD_BYTES") == seq_fixed_sum(sig),
          "ENTRY_SIG_RECORD_BYTES %s, encoding.md §4.2 per signature %s" % (
              consts.get("ENTRY_SIG_RECORD_BYTES"), seq_fixed_sum(sig)))


# ---- every stated sum of a fixed layout, in every spec ----

def layout_sum(text):
    items = split_top(text, "‖")
    total = 0
    for x in items:
        x = strip_annotations(x.strip().strip("`"))
        m = re.match(r"^(\w+)\s*(\[\d+\]|u8|u16|u32|u64|i64)$", x) or \
            re.match(r"^(u8|u16|u32|u64|i64)\s+\w+$", x)
        if not m:
            return None
        w = fixed_width(m.group(2) if m.lastindex == 2 else m.group(1))
        total += w
    return total


STATED = [  # (spec, layout regex, the constant that sizes it in C)
    ("consensus.md", r"payload = (type u8 ‖[^\n(]*?)\s+\((\d+) bytes\)",
     "VOTE_PAYLOAD_BYTES"),
    ("consensus.md", r"payload = (height u64 ‖[^\n(]*?)\s+\((\d+) bytes\)",
     "CONS_PROPOSAL_PAYLOAD_BYTES"),
    ("consensus.md", r"\| prevote \| `([^`]*)` \((\d+) bytes with type\)",
     "CONS_VOTE_WIRE_BYTES"),
    ("consensus.md", r"\| proposal \| `([^`]*)` \((\d+) bytes with type\)",
     "CONS_PROPOSAL_WIRE_BYTES"),
    ("wire.md", r"\| status \| `([^`]*)` \((\d+) bytes with the type\)",
     "NETMSG_STATUS_BYTES"),
    ("wire.md", r"\| cosig \| `([^`]*)`[^|]*?\((\d+) bytes with the type\)",
     "NETMSG_COSIG_BYTES"),
]


def check_stated_sums(consts):
    n = 0
    for name in sorted(os.listdir(SPECS)):
        text = spec(name)
        for m in re.finditer(
                r"([^\n|`]*‖[^\n|`]*?)`?\s*\((\d+) bytes( with (?:the )?type)?\)",
                text):
            lay = m.group(1).split("=", 1)[-1]
            s = layout_sum(lay)
            if s is None:
                continue
            s += 1 if m.group(3) else 0
            check(s == int(m.group(2)), "%s: %r states %s bytes, its "
                  "fields sum to %d" % (name, lay.strip(), m.group(2), s))
            n += 1
    for name, rx, const in STATED:
        m = re.search(rx, spec(name))
        check(m is not None, "%s: no layout for %s" % (name, const))
        if m is None:
            continue
        s = layout_sum(m.group(1).split("=", 1)[-1])
        if re.search(r"with (the )?type", m.group(0)):
            s += 1
        check(s == int(m.group(2)) == consts.get(const),
              "%s: layout sums to %s, states %s, %s is %s" % (
                  name, s, m.group(2), const, consts.get(const)))
        n += 1
    check(n >= 6, "only %d stated layout sums found" % n)
    return n


# ---- the genesis: encoded from specs/genesis.md §4, hashed ----

def plural(name):
    if name.endswith("y") and name[-2] not in "aeiou":
        return name[:-1] + "ies"  # party_count: parties; key_count: keys
    return name + "s"


def encode_items(items, obj, top):
    """Encode obj (a JSON object) with a ‖-sequence of genesis.md §4."""
    out = b""
    i = 0
    while i < len(items):
        x = strip_annotations(items[i])
        m = re.match(r"^(u8|u16|u32|u64) (\w+)_count$", x)
        if m:  # a count, then "name_count × (...)" or "name_count × t"
            rep = items[i + 1]
            r = re.match(r"^(\w+)_count × \((.*)\)$", rep, re.S) or \
                re.match(r"^(\w+)_count × (.*)$", rep, re.S)
            lst = obj.get(plural(r.group(1)), [])
            out += len(lst).to_bytes(INT_BYTES[m.group(1)], "big")
            sub = split_top(r.group(2), "‖")
            for el in lst:
                if isinstance(el, dict):
                    out += encode_items(sub, el, top)
                else:
                    out += encode_items(sub, {r.group(1): el}, top)
            i += 2
            continue
        m = re.match(r"^(\w+)\s*(\[\d+\]|u8|u16|u32|u64|str)$", x)
        if not m:
            raise ValueError("genesis item %r" % x)
        name, t = m.groups()
        v = obj.get(name, top.get(name, top.get("params", {}).get(name)))
        if name == "version":
            v = int(re.search(r"\(= (\d+)\)", items[i]).group(1))
        if t == "str":
            b = (v or "").encode()
            out += len(b).to_bytes(2, "big") + b
        elif t.startswith("["):
            out += bytes.fromhex(v)
        else:
            if isinstance(v, str):  # a time
                v = calendar.timegm(time.strptime(v, "%Y-%m-%dT%H:%M:%SZ"))
            if v is None and name == "power":
                v = 1
            out += int(v).to_bytes(INT_BYTES[t], "big")
        i += 1
    return out


def check_genesis():

    gs = spec("genesis.md")
    block = code_blocks(section(gs, "4. Canonical encoding"))[0]
    lay = block.split("genesis_hash =")[0].split("=", 1)[1]
    lay = re.sub(r"--[^\n]*", "", lay)
    opt = re.search(r"\[\s*‖(.*)\]", lay, re.S)
    main_items = split_top(lay[:opt.start()] if opt else lay, "‖")
    ex = section(gs, "5. Example")
    g = json.loads([b for b in code_blocks(ex) if b.startswith("{")][0])
    with open(os.path.join(ROOT, "tests", "vectors", "genesis.json")) as f:
        check(json.load(f) == g, "genesis.md §5 differs from "
              "tests/vectors/genesis.json")
    body = encode_items(main_items, g, g)
    if opt and g.get("funds"):
        body += encode_items(split_top(opt.group(1), "‖"), g, g)
    ctx = re.search(r'genesis_hash = SHA-256\("([^"]+)" ‖ 0x00', block)
    h = hashlib.sha256(ctx.group(1).encode() + b"\0" + body).hexdigest()
    stated = re.search(r"^([0-9a-f]{64})$", ex, re.M).group(1)
    check(h == stated, "genesis.md §4's layout gives hash %s for §5's "
          "genesis, the spec states %s" % (h, stated))
    # The validator set hash of encoding.md §8.1, against §10.4's header.
    vs = re.search(r'SHA-256\("(accord/valset/v1)" ‖ 0x00 ‖ u16 n ‖ n × '
                   r'\(key\[32\] ‖ power u64\)\)', ENC)
    check(vs is not None, "encoding.md §8.1: no valset_hash formula")
    if vs:
        b = len(g["validators"]).to_bytes(2, "big") + b"".join(
            bytes.fromhex(v["key"]) + v.get("power", 1).to_bytes(8, "big")
            for v in g["validators"])
        vh = hashlib.sha256(vs.group(1).encode() + b"\0" + b).digest()
        hb = bytes.fromhex(re.sub(r"\s", "", code_blocks(
            section(ENC, "10.4 Block header"))[0]))
        hdr = decode_seq(Reader(hb), parse_seq(" ".join(fields_of_block(
            code_blocks(section(ENC, "8.1 Header"))[0])).split("=", 1)[1]),
            DEFS)
        check(hdr["valset_hash"][1] == vh, "encoding.md §8.1's valset_hash "
              "of the test genesis is not §10.4's header's")
    return h


def check_consensus_payloads():
    cs = spec("consensus.md")
    lays = []
    for head in ("Vote sign bytes", "Proposal sign bytes"):
        b = code_blocks(section(cs, head))[0]
        m = re.search(r"^payload = (.*?)\s+\(\d+ bytes\)$", b, re.M)
        lays.append(parse_seq(m.group(1)))
    vecs = re.findall(r"^payload\s+([0-9a-f ]+)$",
                      section(cs, "Test vectors"), re.M)
    check(len(vecs) == 2, "consensus.md: %d payload vectors" % len(vecs))
    for lay, hx in zip(lays, vecs):
        b = bytes.fromhex(hx.replace(" ", ""))
        r = Reader(b)
        try:
            d = decode_seq(r, lay, DEFS)
            check(r.i == len(b) and d["height"][1] == 1 and
                  d["round"][1] == 0 and d["block_hash"][1] == b"\xaa" * 32,
                  "consensus.md payload vector %s does not fit its layout"
                  % hx)
        except (ValueError, KeyError) as e:
            check(False, "consensus.md payload %s: %s" % (hx, e))


# ---- the C constants ----

CONSTS = ["BLOCK_HEADER_FIXED_BYTES", "CERT_FIXED_BYTES", "CERT_SIG_BYTES",
          "ENTRY_SIG_RECORD_BYTES", "VOTE_PAYLOAD_BYTES",
          "CONS_PROPOSAL_PAYLOAD_BYTES", "CONS_VOTE_WIRE_BYTES",
          "CONS_PROPOSAL_WIRE_BYTES", "NETMSG_STATUS_BYTES",
          "NETMSG_COSIG_BYTES"]


def c_constants():
    src = ['#include <stdio.h>', '#include "ledger/block.h"',
           '#include "ledger/cert.h"', '#include "ledger/entry.h"',
           '#include "common/vote.h"', '#include "consensus/msg.h"',
           '#include "node/netmsg.h"',
           "int main(void) {"]
    for c in CONSTS:
        src.append('printf("%s %%lu\\n", (unsigned long)(%s));' % (c, c))
    src.append("return 0; }")
    cc = os.environ.get("CC", "cc")
    with tempfile.TemporaryDirectory() as d:
        with open(os.path.join(d, "c.c"), "w") as f:
            f.write("\n".join(src) + "\n")
        exe = os.path.join(d, "c")
        p = subprocess.run([cc, "-std=c11", "-I", ROOT, "-o", exe,
                            os.path.join(d, "c.c")],
                           capture_output=True, text=True)
        if p.returncode != 0:
            raise SystemExit("spec_layouts: cannot compile the constants:\n"
                             + p.stderr)
        out = subprocess.run([exe], capture_output=True, text=True).stdout
    return {k: int(v) for k, v in (l.split() for l in out.splitlines())}


def main():
    consts = c_constants()
    n = check_entries()
    check_header_and_cert(consts)
    s = check_stated_sums(consts)
    check_genesis()
    check_consensus_payloads()
    print("spec_layouts: %d checks (%d entry fields, %d stated sums, "
          "%d constants), %d failed" % (checks, n, s, len(consts),
                                        len(failures)))
    return 1 if failures else 0


if __name__ == "__main__":
    sys.exit(main())
