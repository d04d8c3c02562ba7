#!/usr/bin/env python3
"""Reads (and for tests, edits) the UEFI variables in an OVMF variable
store file (OVMF_VARS*.fd), so a test can see what the kernel handed over
and what the loader deleted without booting.

  efivars.py list VARS.fd [GUID]     live variables: name, size, attributes
  efivars.py drop VARS.fd NAME GUID  marks one variable deleted, as the
                                     firmware's own delete does

The layout is EDK II's: a firmware volume header, a variable store header
(MdeModulePkg/Include/Guid/VariableFormat.h) and variables one after the
other, each header 4-byte aligned (name and data follow it unpadded on
x86), with a state byte whose bits are cleared as the variable goes from
added to deleted (flash bits only go from 1 to 0).
"""
import struct
import sys
import uuid

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


def parse(image):
    """Every variable record in the store, live or deleted, in order."""
    fv_len = struct.unpack_from("<H", image, 0x30)[0]
    if image[0x28:0x2C] != b"_FVH":
        raise ValueError("not a firmware volume (no _FVH signature)")
    store_guid = uuid.UUID(bytes_le=image[fv_len:fv_len + 16])
    store_size = struct.unpack_from("<I", image, fv_len + 16)[0]
    if store_guid == AUTH_STORE:
        header = struct.Struct("<HBBIQ16sIII16s")   # AUTHENTICATED_VARIABLE_HEADER
    elif store_guid == PLAIN_STORE:
        header = struct.Struct("<HBBIII16s")        # VARIABLE_HEADER
    else:
        raise ValueError("unknown variable store %s" % store_guid)
    pos, end = fv_len + 28, fv_len + store_size
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
        pos = data_at + data_size
        pos += -pos % 4
    return out


def live(image, guid=None):
    return [v for v in parse(image) if v.live and (guid is None or v.guid == guid)]


def main(argv):
    if len(argv) >= 3 and argv[1] == "list":
        guid = uuid.UUID(argv[3]) if len(argv) > 3 else None
        with open(argv[2], "rb") as f:
            for v in live(f.read(), guid):
                print("%s %s %d 0x%x" % (v.guid, v.name, len(v.data), v.attributes))
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
    print(__doc__, file=sys.stderr)
    return 2


if __name__ == "__main__":
    sys.exit(main(sys.argv))
