#!/usr/bin/env python3
"""Reads the text off a framebuffer screenshot drawn by the kernel's console.

The console draws glyphs of the console font in cells starting at the top
left corner, so each cell is compared with every printable ASCII glyph of
the same font (any non-background pixel counts as ink). An unknown cell
reads as '?'. Prints the screen's lines with trailing blanks removed.
SCALE (default 1) is the console's magnification: each font pixel is
SCALE x SCALE screen pixels, and every one of them is compared.

usage: screen_text.py SCREEN.ppm FONT.psf[.gz] [SCALE]
"""
import importlib.util
import os
import sys


def load_psf2c():
    here = os.path.dirname(os.path.abspath(__file__))
    spec = importlib.util.spec_from_file_location("psf2c", os.path.join(here, "psf2c.py"))
    mod = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(mod)
    return mod


def read_ppm(path):
    with open(path, "rb") as f:
        data = f.read()
    fields, pos = [], 0
    while len(fields) < 4:  # magic, width, height, maxval
        while data[pos:pos + 1].isspace():
            pos += 1
        if data[pos:pos + 1] == b"#":
            pos = data.index(b"\n", pos) + 1
            continue
        start = pos
        while not data[pos:pos + 1].isspace():
            pos += 1
        fields.append(data[start:pos])
    if fields[0] != b"P6" or fields[3] != b"255":
        raise ValueError("%s: not an 8-bit binary PPM" % path)
    width, height = int(fields[1]), int(fields[2])
    return width, height, data[pos + 1:pos + 1 + width * height * 3]


def main(argv):
    if len(argv) not in (3, 4) or (len(argv) == 4 and not argv[3].isdigit()):
        sys.stderr.write(__doc__)
        return 2
    scale = int(argv[3]) if len(argv) == 4 else 1
    psf2c = load_psf2c()
    fw, fh, row_bytes, glyphs, table = psf2c.load(argv[2])
    width, height, pixels = read_ppm(argv[1])
    bg = pixels[0:3]

    shapes = {}
    for cp in range(0x20, 0x7F):
        g = psf2c.pick(glyphs, table, cp)
        bits = tuple(
            (g[y * row_bytes + x // 8] >> (7 - x % 8)) & 1
            for y in (y2 // scale for y2 in range(fh * scale))
            for x in (x2 // scale for x2 in range(fw * scale)))
        shapes.setdefault(bits, chr(cp))
    fw, fh = fw * scale, fh * scale

    for row in range(height // fh):
        line = []
        for col in range(width // fw):
            bits = []
            for y in range(row * fh, row * fh + fh):
                base = (y * width + col * fw) * 3
                for x in range(fw):
                    bits.append(0 if pixels[base + 3 * x:base + 3 * x + 3] == bg else 1)
            line.append(shapes.get(tuple(bits), "?"))
        print("".join(line).rstrip())
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv))
