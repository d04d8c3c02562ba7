"""Builds the tables described in malformed.cases and checks what dmardump
says about each: exit status, and the exact messages naming the structure
and its offset."""
import os
import subprocess


class CaseError(Exception):
    pass


def parse_cases(text):
    cases, cur = [], None
    for n, raw in enumerate(text.splitlines(), 1):
        line = raw.strip()
        if not line or line.startswith("#"):
            continue
        word, _, rest = line.partition(" ")
        if word == "case":
            cur = {"name": rest, "base": None, "edits": [], "fix": True,
                   "exit": None, "expect": [], "stdout": [], "line": n}
            cases.append(cur)
        elif cur is None:
            raise CaseError("line %d: %r before the first case" % (n, line))
        elif word == "base":
            cur["base"] = rest
        elif word in ("trunc", "u8", "u16", "u32", "u64", "bytes"):
            cur["edits"].append((word, rest.split()))
        elif word == "keep-checksum":
            cur["fix"] = False
        elif word == "exit":
            cur["exit"] = int(rest)
        elif word == "expect":
            cur["expect"].append(rest)
        elif word == "stdout":
            cur["stdout"].append(rest)
        else:
            raise CaseError("line %d: unknown word %r" % (n, word))
    for c in cases:
        if c["base"] is None or c["exit"] is None or not (c["expect"] or c["stdout"]):
            raise CaseError("case %s (line %d) needs base, exit and an expectation"
                            % (c["name"], c["line"]))
    return cases


def build(case, base_bytes):
    data = bytearray(base_bytes)
    for op, args in case["edits"]:
        if op == "trunc":
            del data[int(args[0], 0):]
            continue
        off = int(args[0], 0)
        if op == "bytes":
            new = bytes(int(b, 16) for b in args[1:])
        else:
            width = {"u8": 1, "u16": 2, "u32": 4, "u64": 8}[op]
            new = int(args[1], 0).to_bytes(width, "little")
        if len(data) < off + len(new):
            data.extend(b"\0" * (off + len(new) - len(data)))
        data[off:off + len(new)] = new
    if case["fix"] and len(data) >= 10:
        # Checksum over the bytes the header claims, as far as they exist.
        n = min(len(data), int.from_bytes(data[4:8], "little"))
        data[9] = 0
        data[9] = (-sum(data[:n])) & 0xFF
    return bytes(data)


def run(case, dmardump, table_path):
    """Returns a list of problems; empty means the case passed."""
    try:
        p = subprocess.run([dmardump, table_path], stdin=subprocess.DEVNULL,
                           capture_output=True, text=True, timeout=30)
    except subprocess.TimeoutExpired:
        return ["dmardump did not finish in 30 s (a loop?)"]
    problems = []
    if p.returncode != case["exit"]:
        problems.append("exit status %d, expected %d" % (p.returncode, case["exit"]))
    # Messages name the file; the cases name none.
    err = p.stderr.replace(table_path + ": ", "")
    for want in case["expect"]:
        if not any(want in line for line in err.splitlines()):
            problems.append("no stderr line contains: %s" % want)
    out = " ".join(p.stdout.split())
    for want in case["stdout"]:
        if " ".join(want.split()) not in out:
            problems.append("stdout lacks: %s" % want)
    if case["exit"] != 0 and p.stdout:
        problems.append("a malformed table still produced a decoding on stdout")
    if p.returncode < 0 or "Sanitizer" in p.stderr:
        problems.append("dmardump crashed (status %d)" % p.returncode)
    if problems:
        problems += ["  stderr: " + l for l in p.stderr.splitlines()[:8]]
    return problems


def write_case(case, base_bytes, outdir):
    path = os.path.join(outdir, case["name"] + ".dat")
    with open(path, "wb") as f:
        f.write(build(case, base_bytes))
    return path
