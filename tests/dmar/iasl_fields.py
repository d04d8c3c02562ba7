"""Turns `iasl -d` output for a DMAR table into the path=value lines that
`dmardump --fields` prints, and compares the two field by field.

Every field line iasl prints becomes exactly one key (two for the 2-byte
device scope "Reserved", which newer spec revisions split into Flags and
Reserved). A label this file does not know is an error, not something to
skip, so a new iasl field can never go uncompared.
"""
import re

from iasl_suite import ANNOTATION, LINE

HEADER = {
    "Signature": ("table.signature", "str"),
    "Table Length": ("table.length", "num"),
    "Revision": ("table.revision", "num"),
    "Checksum": ("table.checksum", "num"),
    "Oem ID": ("table.oem_id", "str"),
    "Oem Table ID": ("table.oem_table_id", "str"),
    "Oem Revision": ("table.oem_revision", "num"),
    "Asl Compiler ID": ("table.creator_id", "str"),
    "Asl Compiler Revision": ("table.creator_revision", "num"),
    "Host Address Width": ("dmar.haw", "num"),
    "Flags": ("dmar.flags", "num"),
    "Reserved": ("dmar.reserved", "bytes"),
}

# iasl 20200925 labels of each structure's fixed part, by type.
BODY = {
    0: ("drhd", {"Flags": "flags", "Reserved": "size",
                 "PCI Segment Number": "segment", "Register Base Address": "reg_base"}),
    1: ("rmrr", {"Reserved": "reserved", "PCI Segment Number": "segment",
                 "Base Address": "base", "End Address (limit)": "limit"}),
    2: ("atsr", {"Flags": "flags", "Reserved": "reserved", "PCI Segment Number": "segment"}),
    3: ("rhsa", {"Reserved": "reserved", "Base Address": "reg_base",
                 "Proximity Domain": "proximity_domain"}),
    4: ("andd", {"Reserved": "reserved", "Device Number": "device_number",
                 "Device Name": "name"}),
}

SCOPE = {
    "Device Scope Type": "type",
    "Entry Length": "length",
    "Enumeration ID": "enum_id",
    "PCI Bus Number": "start_bus",
}


class ParseError(Exception):
    pass


def parse_dsl(text):
    """Returns (fields, stopped_at): fields maps key -> normalized value;
    stopped_at is the index of the structure iasl could not decode, or None."""
    fields = {}
    sub = -1          # current structure index
    sub_type = None
    scope = -1
    path = 0
    stopped = None

    def put(key, value):
        if key in fields:
            raise ParseError("field %s appears twice" % key)
        fields[key] = value

    for raw in text.splitlines():
        line = raw.rstrip()
        if line.startswith("Raw Table Data"):
            break
        if line.startswith("****"):
            m = re.match(r"\*\*\*\* Unknown DMAR subtable type 0x([0-9A-Fa-f]+)", line)
            if not m or stopped is not None:
                raise ParseError("iasl reported: %s" % line)
            stopped = sub
            continue
        m = LINE.match(line)
        if not m:
            continue
        off, label, value = int(m.group(1), 16), m.group(4).strip(), m.group(5)
        if stopped is not None:
            raise ParseError("field after iasl stopped: %s" % line)
        if label == "Subtable Type":
            sub += 1
            scope = -1
            sub_type = int(value.split()[0], 16)
            put("s[%d].offset" % sub, off)
            put("s[%d].type" % sub, sub_type)
            continue
        if sub < 0:
            if label not in HEADER:
                raise ParseError("unknown header field %r" % label)
            key, kind = HEADER[label]
            put(key, norm(value, kind))
            continue
        prefix = "s[%d]." % sub
        if label == "Length" and scope < 0:
            put(prefix + "length", norm(value, "num"))
            continue
        if label == "Device Scope Type":
            scope += 1
            path = 0
            put(prefix + "scope[%d].offset" % scope, off)
        if scope >= 0:
            sp = prefix + "scope[%d]." % scope
            if label in SCOPE:
                put(sp + SCOPE[label], norm(value, "num"))
            elif label == "Reserved":
                # Bytes 2-3 of the scope, little-endian: Flags then Reserved.
                v = norm(value, "num")
                put(sp + "flags", v & 0xFF)
                put(sp + "reserved", v >> 8)
            elif label == "PCI Path":
                put(sp + "path[%d]" % path, norm(value, "path"))
                path += 1
            else:
                raise ParseError("unknown device scope field %r" % label)
            continue
        if sub_type not in BODY or label not in BODY[sub_type][1]:
            raise ParseError("unknown field %r in structure type %s" % (label, sub_type))
        name, labels = BODY[sub_type]
        kind = "str" if labels[label] == "name" else "num"
        put(prefix + name + "." + labels[label], norm(value, kind))
    return fields, stopped


def norm(value, kind):
    value = value.strip()
    if kind == "str":
        if not (value.startswith('"') and value.count('"') >= 2):
            raise ParseError("not a quoted string: %r" % value)
        return value[1:value.rindex('"')]
    value = ANNOTATION.sub("", value)
    if kind == "num":
        return int(value, 16)
    if kind == "path":
        dev, fn = value.split(",")
        return (int(dev, 16), int(fn, 16))
    if kind == "bytes":
        return tuple(int(b, 16) for b in value.split())
    raise ValueError(kind)


def iasl_text(escaped):
    """A dmardump text field as iasl shows it: bytes up to the first NUL,
    each unprintable byte as a space (ACPICA's AcpiUtCheckAndRepairAscii)."""
    out = []
    raw = re.sub(r"\\x([0-9a-f]{2})", lambda m: chr(int(m.group(1), 16)), escaped)
    for ch in raw:
        if ch == "\0":
            break
        out.append(ch if 0x20 <= ord(ch) < 0x7F else " ")
    return "".join(out)


def parse_fields(text):
    """dmardump --fields output (or a hand-written expectation) -> dict."""
    fields = {}
    for n, line in enumerate(text.splitlines(), 1):
        if not line or line.startswith("#"):
            continue
        key, sep, value = line.partition("=")
        if not sep:
            raise ParseError("line %d is not key=value: %r" % (n, line))
        if key in fields:
            raise ParseError("key %s appears twice" % key)
        fields[key] = value
    return fields


def typed(key, value):
    """A dmardump value in the form parse_dsl produces for the same key."""
    if key in ("table.signature", "table.oem_id", "table.oem_table_id",
               "table.creator_id") or key.endswith(".andd.name"):
        return iasl_text(value)
    if key == "dmar.reserved":
        return tuple(int(b, 16) for b in value.split())
    if re.search(r"\.path\[\d+\]$", key):
        dev, fn = value.split(",")
        return (int(dev, 16), int(fn, 16))
    if key.endswith(".raw"):
        return value
    return int(value, 0)


def struct_index(key):
    m = re.match(r"s\[(\d+)\]\.(.*)$", key)
    return (int(m.group(1)), m.group(2)) if m else (None, key)


def compare(iasl, mine, extra):
    """Returns (problems, n_iasl, n_extra). Every iasl field must equal ours;
    ours beyond what iasl decoded must equal the hand-checked `extra`."""
    fields, stopped = iasl
    problems = []
    for key, want in fields.items():
        if key not in mine:
            problems.append("%s: iasl says %r, dmardump has no such field" % (key, want))
            continue
        got = typed(key, mine[key])
        if got != want:
            problems.append("%s: iasl says %r, dmardump says %r" % (key, want, got))
    n_extra = 0
    for key, value in mine.items():
        if key in fields:
            continue
        idx, rest = struct_index(key)
        beyond = stopped is not None and idx is not None and (
            idx > stopped or rest not in ("offset", "type", "length"))
        if not beyond:
            problems.append("%s=%s: dmardump prints a field iasl does not" % (key, value))
        elif key not in extra:
            problems.append("%s=%s: past where iasl stopped and not in the "
                            "expected-fields file" % (key, value))
        elif typed(key, extra[key]) != typed(key, value):
            problems.append("%s: expected %s, dmardump says %s" % (key, extra[key], value))
        else:
            n_extra += 1
    for key in extra:
        if key not in mine:
            problems.append("%s: in the expected-fields file, not printed by dmardump" % key)
    if len(fields) + n_extra != len(mine) and not problems:
        problems.append("field counts differ: iasl %d + expected %d != dmardump %d"
                        % (len(fields), n_extra, len(mine)))
    return problems, len(fields), n_extra
