#!/usr/bin/env python3
"""Reads (and for tests, edits) the UEFI variables in an OVMF variable
store file (OVMF_VARS*.fd), so a test can see what the kernel handed over
and what the loader deleted without booting.

  efivars.py list VARS.fd [GUID]     live variables: name, size, attributes
  efivars.py get VARS.fd NAME GUID   a live variable's bytes, in hex
  efivars.py drop VARS.fd NAME GUID  marks one variable deleted, as the
                                     firmware's own delete does
  efivars.py set VARS.fd NAME GUID HEX
                                     adds NAME with the bytes HEX
                                     (non-volatile, boot and runtime
                                     access), replacing a live one
  efivars.py boot-options VARS.fd    each Boot#### load option: its
                                     number and description

The layout is EDK II's: a firmware volume header, a variable store header
(MdeModulePkg/Include/Guid/VariableFormat.h) and variables one after the
other, each header 4-byte aligned (name and data follow it unpadded on
x86), with a state byte whose bits are cleared as the variable goes from
added to deleted (flash bits only go from 1 to 0).
"""
import struct
import sys
import uuid

GLOBAL = uuid.UUID("8be4df61-93ca-11d2-aa0d-00e098032b8c")
NV_BS_RT = 7
AUTH_STORE = uuid.UUID("aaf32c78-947b-439a-a180-2e144ec37792")
PLAIN_STORE = uuid.UUID("ddcf3616-3275-4164-98b6-fe85707ffe7d")
START_ID = 0x55AA
VAR_ADDED = 0x3F
VAR_DELETED = 0xFD                  # cleared bit 1
VAR_IN_DELETED_TRANSITION = 0xFE    # cleared bit 0


class Var:
    def __init__(self, offset, state, attributes, name, guid, data, state_at):
        self.offset, self.state, self.attributes = offset, state, attributes
        self.name, self.guid, self.data, self.state_at = name, guid, data, state_at

    @property
    def live(self):
        # Added, possibly in transition to deleted (then the newer copy wins).
        return self.state in (VAR_ADDED, VAR_ADDED & VAR_IN_DELETED_TRANSITION)


def store_layout(image):
    """(header struct, first record offset, store end) of the store."""
    fv_len = struct.unpack_from("<H", image, 0x30)[0]
    if image[0x28:0x2C] != b"_FVH":
        raise ValueError("not a firmware volume (no _FVH signature)")
    store_guid = uuid.UUID(bytes_le=bytes(image[fv_len:fv_len + 16]))
    store_size = struct.unpack_from("<I", image, fv_len + 16)[0]
    if store_guid == AUTH_STORE:
        header = struct.Struct("<HBBIQ16sIII16s")   # AUTHENTICATED_VARIABLE_HEADER
    elif store_guid == PLAIN_STORE:
        header = struct.Struct("<HBBIII16s")        # VARIABLE_HEADER
    else:
        raise ValueError("unknown variable store %s" % store_guid)
    return header, fv_len + 28, fv_len + store_size


def parse(image):
    """Every variable record in the store, live or deleted, in order."""
    header, pos, end = store_layout(image)
    out = []
    while pos + header.size <= end:
        fields = header.unpack_from(image, pos)
        if fields[0] != START_ID:
            break
        state, attributes = fields[1], fields[3]
        name_size, data_size, guid = fields[-3], fields[-2], uuid.UUID(bytes_le=fields[-1])
        name_at = pos + header.size
        name = image[name_at:name_at + name_size].decode("utf-16-le").rstrip("\0")
        data_at = name_at + name_size     # names and data are not padded on x86
        data = image[data_at:data_at + data_size]
        out.append(Var(pos, state, attributes, name, guid, data, pos + 2))
        out[-1].end = data_at + data_size
        pos = data_at + data_size
        pos += -pos % 4
    return out


def live(image, guid=None):
    return [v for v in parse(image) if v.live and (guid is None or v.guid == guid)]


def records_end(image):
    """Where the next record goes: after the last one, 4-byte aligned."""
    _, pos, _ = store_layout(image)
    for v in parse(image):
        pos = v.end + -v.end % 4
    return pos


def add(image, name, guid, data):
    """Appends a live variable in erased space, as the firmware writes one."""
    header, _, end = store_layout(image)
    for v in live(bytes(image), guid):
        if v.name == name:
            image[v.state_at] = v.state & VAR_DELETED
    wide = (name + "\0").encode("utf-16-le")
    pos = records_end(bytes(image))
    size = header.size + len(wide) + len(data)
    if pos + size > end or any(b != 0xFF for b in image[pos:pos + size]):
        raise ValueError("no erased room for %s at 0x%x" % (name, pos))
    if header.size == struct.calcsize("<HBBIQ16sIII16s"):
        fields = (START_ID, VAR_ADDED, 0, NV_BS_RT, 0, bytes(16), 0, len(wide), len(data),
                  guid.bytes_le)
    else:
        fields = (START_ID, VAR_ADDED, 0, NV_BS_RT, len(wide), len(data), guid.bytes_le)
    image[pos:pos + size] = header.pack(*fields) + wide + data


def boot_options(image):
    """(number, description) of each Boot#### load option (UEFI spec 3.1.3)."""
    out = []
    for v in live(image, GLOBAL):
        if len(v.name) == 8 and v.name.startswith("Boot") and all(
                c in "0123456789ABCDEF" for c in v.name[4:]):
            desc = v.data[6:].decode("utf-16-le", "replace").split("\0")[0]
            out.append((int(v.name[4:], 16), desc))
    return sorted(out)


def main(argv):
    if len(argv) >= 3 and argv[1] == "list":
        guid = uuid.UUID(argv[3]) if len(argv) > 3 else None
        with open(argv[2], "rb") as f:
            for v in live(f.read(), guid):
                print("%s %s %d 0x%x" % (v.guid, v.name, len(v.data), v.attributes))
        return 0
    if len(argv) == 5 and argv[1] == "get":
        with open(argv[2], "rb") as f:
            hits = [v for v in live(f.read(), uuid.UUID(argv[4])) if v.name == argv[3]]
        if not hits:
            print("efivars: no live variable %s" % argv[3], file=sys.stderr)
            return 1
        print(bytes(hits[-1].data).hex())
        return 0
    if len(argv) == 5 and argv[1] == "drop":
        with open(argv[2], "r+b") as f:
            image = bytearray(f.read())
            hits = [v for v in live(bytes(image), uuid.UUID(argv[4])) if v.name == argv[3]]
            if not hits:
                print("efivars: no live variable %s" % argv[3], file=sys.stderr)
                return 1
            for v in hits:
                image[v.state_at] = v.state & VAR_DELETED
            f.seek(0)
            f.write(image)
        return 0
    if len(argv) == 6 and argv[1] == "set":
        with open(argv[2], "r+b") as f:
            image = bytearray(f.read())
            add(image, argv[3], uuid.UUID(argv[4]), bytes.fromhex(argv[5]))
            f.seek(0)
            f.write(image)
        return 0
    if len(argv) == 3 and argv[1] == "boot-options":
        with open(argv[2], "rb") as f:
            for number, desc in boot_options(f.read()):
                print("Boot%04X %s" % (number, desc))
        return 0
    print(__doc__, file=sys.stderr)
    return 2


if __name__ == "__main__":
    sys.exit(main(sys.argv))
