"""Hand-written SVG charts for tools/report.py, and the number formats the
page shares with them.

Each chart is one <svg> string with a viewBox, so the page can scale it.
Marks carry a class (`bar`, `seg`, `whisker`, `point`, `strip`, `bucket`)
and data-* attributes naming
what they show: the tests count them, and a reader's browser shows the
<title> of each mark as a tooltip without any script.
"""
import math
from html import escape

FONT = 12          # px; text widths below are estimated from it
CHAR_W = 0.6 * FONT
INK = "#222"
GRID = "#ddd"


def num(x, sig=3):
    """A number for people: thousands separators from 100 up, else `sig`
    significant digits; '–' for a value that cannot be computed."""
    if x is None:
        return "\u2013"
    if isinstance(x, int) or abs(x) >= 100:
        return "{:,}".format(int(round(x)))
    if x == 0:
        return "0"
    digits = max(0, sig - 1 - int(math.floor(math.log10(abs(x)))))
    return "{:.{}f}".format(x, digits)


def pct(frac):
    """A fraction as a percentage: one decimal, two significant digits
    below 1%, "<0.01%" for a sliver that is not zero."""
    if frac is None:
        return "\u2013"
    p = frac * 100
    if p != 0 and abs(p) < 0.01:
        return "<0.01%" if p > 0 else ">-0.01%"
    if abs(p) < 1:
        return "%.2g%%" % p
    return "{:.1f}%".format(p)


def short(x):
    """Axis tick text: 900, 2,500, 12k, 1.5M."""
    for div, suffix in ((1e9, "G"), (1e6, "M"), (1e4, "k")):
        if abs(x) >= div:
            return "%g%s" % (round(x / (1e3 if suffix == "k" else div), 2), suffix)
    return "{:,}".format(int(x)) if x == int(x) else "%g" % x


def nice_ticks(hi, n=5):
    """Ticks from 0 to a round number >= hi, about n of them."""
    if not hi or hi <= 0:
        return [0, 1]
    raw = hi / n
    mag = 10 ** math.floor(math.log10(raw))
    step = next(m * mag for m in (1, 2, 2.5, 5, 10) if m * mag >= raw)
    count = int(math.ceil(hi / step - 1e-9))
    # %.12g drops float noise (0.30000000000000004) at any magnitude.
    return [float("%.12g" % (i * step)) for i in range(count + 1)]


def range_ticks(lo, hi, n=5):
    """Ticks covering [lo, hi]; from 0 unless the values sit far from it,
    where a zero baseline would squash the differences that matter."""
    if hi <= 0 or lo < 0.5 * hi or hi - lo < hi * 1e-6:
        return nice_ticks(hi, n)
    ticks = nice_ticks(hi - lo, n)
    step = ticks[1] - ticks[0]
    start = math.floor(lo / step) * step
    out = [start, start + step]
    while out[-1] < hi and len(out) < 4 * n:
        out.append(start + len(out) * step)
    return out


def log_ticks(lo, hi):
    """Decades covering [lo, hi], with 2 and 5 between when there are few."""
    a, b = math.floor(math.log10(lo)), math.ceil(math.log10(hi))
    if b == a:
        b += 1
    mults = (1, 2, 5) if b - a <= 3 else (1,)
    ticks = [m * 10.0 ** e for e in range(a, b + 1) for m in mults]
    inside = [t for t in ticks if lo <= t <= hi]
    below = [t for t in ticks if t < lo]
    above = [t for t in ticks if t > hi]
    return (below[-1:] + inside + above[:1])


def _text(x, y, s, anchor="start", size=FONT, extra=""):
    return ('<text x="%.1f" y="%.1f" font-size="%d" text-anchor="%s"%s>%s</text>'
            % (x, y, size, anchor, extra, escape(s)))


def _svg(w, h, label, body):
    return ('<svg xmlns="http://www.w3.org/2000/svg" viewBox="0 0 %d %d" width="%d" '
            'height="%d" role="img" aria-label="%s" class="chart">\n%s\n</svg>'
            % (w, h, w, h, escape(label), "\n".join(body)))


def _legend(series, x0, y, width):
    """Swatches in a row, wrapping at `width`; returns (svg lines, height)."""
    out, x, row = [], x0, 0
    for key, name, colour in series:
        w = 14 + 6 + len(name) * CHAR_W + 18
        if x + w > x0 + width and x > x0:
            x, row = x0, row + 1
        yy = y + row * 20
        out.append('<g class="legend-item" data-series="%s"><rect x="%.1f" y="%.1f" '
                   'width="14" height="14" fill="%s"/>%s</g>'
                   % (escape(key), x, yy, colour, _text(x + 20, yy + 11, name)))
        x += w
    return out, (row + 1) * 20


def stacked_bars(bars, series, title, xlabel, width=780):
    """Horizontal stacked bars.

    bars: list of (label, {series key: value or None}, tooltip prefix) or
    (label, values, tooltip prefix, (lo, hi, rounds)): the last draws a
    whisker from lo to hi across the bar's end (the range over rounds).
    series: list of (key, display name, colour), in stacking order.
    A bar whose values are all None (nothing to divide by) gets a note
    instead of segments.
    """
    label_w = max([len(b[0]) for b in bars] + [4]) * CHAR_W + 14
    left, right, bar_h, gap = label_w + 6, 80, 22, 10
    plot_w = width - left - right
    body = [_text(8, 18, title, size=FONT + 2, extra=' font-weight="bold"')]
    legend, lh = _legend(series, left, 30, plot_w + right - 10)
    body += legend
    top = 30 + lh + 8
    totals = [sum(v for v in b[1].values() if v) for b in bars]
    whiskers = [b[3] if len(b) > 3 else None for b in bars]
    ticks = nice_ticks(max(totals + [w[1] for w in whiskers if w] + [0]))
    scale = plot_w / ticks[-1]
    height = top + len(bars) * (bar_h + gap) + 46
    axis_y = top + len(bars) * (bar_h + gap)
    for t in ticks:
        x = left + t * scale
        body.append('<line x1="%.1f" y1="%d" x2="%.1f" y2="%d" stroke="%s"/>'
                    % (x, top - 4, x, axis_y, GRID))
        body.append(_text(x, axis_y + 15, short(t), anchor="middle"))
    body.append('<line x1="%d" y1="%d" x2="%d" y2="%d" stroke="%s"/>'
                % (left, axis_y, left + plot_w, axis_y, INK))
    body.append(_text(left + plot_w / 2, axis_y + 36, xlabel, anchor="middle"))
    for i, (bar, total, wh) in enumerate(zip(bars, totals, whiskers)):
        label, values, tip = bar[:3]
        y = top + i * (bar_h + gap) + gap / 2
        body.append('<g class="bar" data-label="%s">' % escape(label))
        body.append(_text(left - 8, y + bar_h / 2 + 4, label, anchor="end"))
        if all(values.get(k) is None for k, _, _ in series):
            body.append(_text(left + 4, y + bar_h / 2 + 4, "no packets: nothing to show",
                              extra=' fill="#a00"'))
        x = left
        for key, name, colour in series:
            v = values.get(key)
            if not v:
                continue
            w = v * scale
            share = v / total if total else 0
            body.append('<rect class="seg" data-phase="%s" data-value="%s" x="%.2f" y="%.1f" '
                        'width="%.2f" height="%d" fill="%s"><title>%s%s: %s cycles (%s)'
                        '</title></rect>'
                        % (escape(key), repr(float(v)), x, y, w, bar_h, colour,
                           escape(tip), escape(name), num(v), escape(pct(share))))
            x += w
        if wh and any(values.get(k) is not None for k, _, _ in series):
            body.append(_whisker(left + wh[0] * scale, left + wh[1] * scale, y, bar_h, wh,
                                 label))
            x = max(x, left + wh[1] * scale)
        if any(values.get(k) is not None for k, _, _ in series):
            body.append(_text(x + 6, y + bar_h / 2 + 4, num(total)))
        body.append('</g>')
    return _svg(width, height, title, body)


def _whisker(x0, x1, y, bar_h, wh, label):
    """A min-max range across a bar: a line with a cap at each end."""
    lo, hi, rounds = wh
    mid, cap = y + bar_h / 2, bar_h / 2 - 2
    return ('<g class="whisker" data-label="%s" data-min="%d" data-max="%d" stroke="%s" '
            'stroke-width="1.5"><title>%s: %s to %s cycles per packet over %d round%s'
            '</title><line x1="%.2f" y1="%.1f" x2="%.2f" y2="%.1f"/>'
            '<line x1="%.2f" y1="%.1f" x2="%.2f" y2="%.1f"/>'
            '<line x1="%.2f" y1="%.1f" x2="%.2f" y2="%.1f"/></g>'
            % (escape(label), lo, hi, INK, escape(label), num(lo), num(hi), rounds,
               "" if rounds == 1 else "s", x0, mid, x1, mid, x0, mid - cap, x0, mid + cap,
               x1, mid - cap, x1, mid + cap))


def histograms(strips, title, xlabel, width=940):
    """Small multiples of log2-bucket histograms on one shared x axis.

    strips: list of (label, buckets, marks) where bucket i counts values v
    with 2^i <= v < 2^(i+1) and marks holds count, p50, p99 (upper bounds
    of buckets) and max (exact). Bar heights are log(1 + count), scaled
    per strip, so one outlier among thousands still shows.
    """
    label_w = max([len(s[0]) for s in strips] + [4]) * CHAR_W + 14
    stat_w = 300
    left, strip_h, gap, top = label_w + 6, 34, 8, 32
    plot_w = width - left - stat_w
    # The axis runs from an even bucket below the first one used to one
    # past the slowest value.
    used = [i for s in strips for i, c in enumerate(s[1]) if c]
    first = max(0, min(used) - 1) // 2 * 2 if used else 0
    nb = max([len(s[1]) for s in strips] + [
        int(math.log2(max(1, s[2]["max"]))) + 2 for s in strips] + [first + 8]) - first
    bw = plot_w / nb

    def fx(v):
        return left + (math.log2(max(1, v)) - first) * bw

    height = top + len(strips) * (strip_h + gap) + 46
    axis_y = top + len(strips) * (strip_h + gap)
    body = [_text(8, 18, title, size=FONT + 2, extra=' font-weight="bold"')]
    step = 2 if nb <= 24 else 4
    for i in range(0, nb + 1, step):
        x = left + i * bw
        body.append('<line x1="%.1f" y1="%d" x2="%.1f" y2="%d" stroke="%s"/>'
                    % (x, top - 4, x, axis_y, GRID))
        body.append(_text(x, axis_y + 15, short(2 ** (first + i)), anchor="middle"))
    body.append('<line x1="%d" y1="%d" x2="%.1f" y2="%d" stroke="%s"/>'
                % (left, axis_y, left + plot_w, axis_y, INK))
    body.append(_text(left + plot_w / 2, axis_y + 36, xlabel, anchor="middle"))
    for k, (label, buckets, m) in enumerate(strips):
        y0 = top + k * (strip_h + gap)
        base = y0 + strip_h
        peak = math.log1p(max(buckets + [1]))
        body.append('<g class="strip" data-label="%s">' % escape(label))
        body.append(_text(left - 8, y0 + strip_h / 2 + 4, label, anchor="end"))
        body.append('<line x1="%d" y1="%.1f" x2="%.1f" y2="%.1f" stroke="%s"/>'
                    % (left, base, left + plot_w, base, GRID))
        for i, c in enumerate(buckets):
            if not c:
                continue
            bh = max(1.5, math.log1p(c) / peak * (strip_h - 2))
            body.append('<rect class="bucket" data-bucket="%d" data-count="%d" x="%.2f" '
                        'y="%.1f" width="%.2f" height="%.1f" fill="#4e79a7"><title>%s: %s '
                        'of %s took %s to %s cycles</title></rect>'
                        % (i, c, left + (i - first) * bw + 0.5, base - bh, max(0.5, bw - 1),
                           bh,
                           escape(label), num(c), num(m["count"]), num(2 ** i if i else 0),
                           num(2 ** (i + 1) - 1)))
        for key, colour in (("p50", "#1f5fbf"), ("p99", "#e15759")):
            x = fx(m[key] + 1)
            body.append('<line class="mark" data-mark="%s" x1="%.1f" y1="%.1f" x2="%.1f" '
                        'y2="%.1f" stroke="%s" stroke-width="2"/>'
                        % (key, x, y0, x, base, colour))
        x = fx(m["max"])
        body.append('<path class="mark" data-mark="max" d="M%.1f %.1f l4 5 l-4 5 l-4 -5 z" '
                    'fill="%s"/>' % (x, y0 - 2, INK))
        body.append(_text(left + plot_w + 10, y0 + strip_h / 2 + 4,
                          "n=%s  p50≤%s  p99≤%s  max %s"
                          % (short(m["count"]), short(m["p50"]), short(m["p99"]),
                             short(m["max"])), size=11))
        body.append('</g>')
    return _svg(width, height, title, body)


def _spread(ys, gap, lo, hi):
    """Moves label positions apart (keeping their order) so that no two
    are closer than `gap`, staying within [lo, hi] where possible."""
    order = sorted(range(len(ys)), key=lambda i: ys[i])
    out = list(ys)
    for a, b in zip(order, order[1:]):
        out[b] = max(out[b], out[a] + gap)
    over = out[order[-1]] - hi if order else 0
    if over > 0:
        for i in order:
            out[i] = max(lo, out[i] - over)
        for a, b in zip(order, order[1:]):
            out[b] = max(out[b], out[a] + gap)
    return out


def scatter(points, refs, title, xlabel, ylabel, width=780, height=400):
    """Points joined in order, each labelled, with an optional whisker.

    points: list of (label, x, y, x_whisker or None, tooltip)
    refs: list of (label, y): dashed horizontal reference lines, labelled
    in the right margin.
    The x axis is logarithmic when the points span two decades or more; the
    y axis starts at 0 unless the points all sit far from it.
    """
    ref_w = max([len("%s: %s" % (l, num(y))) for l, y in refs] + [0]) * CHAR_W
    left, right, top, bottom = 76, int(ref_w) + 24, 34, 56
    pw, ph = width - left - right, height - top - bottom
    xs = [p[1] for p in points] + [p[3] for p in points if p[3]]
    ys = [p[2] for p in points] + [r[1] for r in refs]
    logx = min(xs) > 0 and max(xs) / min(xs) >= 100
    if logx:
        xt = log_ticks(min(xs), max(xs))
        lo, hi = math.log10(xt[0]), math.log10(xt[-1])

        def fx(v):
            return left + (math.log10(v) - lo) / (hi - lo) * pw
    else:
        xt = nice_ticks(max(xs))

        def fx(v):
            return left + v / xt[-1] * pw
    pad = (max(ys) - min(ys)) * 0.08
    yt = range_ticks(min(ys) - pad, max(ys) + pad)

    def fy(v):
        return top + ph - (v - yt[0]) / (yt[-1] - yt[0]) * ph

    body = [_text(8, 18, title, size=FONT + 2, extra=' font-weight="bold"')]
    for t in xt:
        x = fx(t)
        body.append('<line x1="%.1f" y1="%d" x2="%.1f" y2="%d" stroke="%s"/>'
                    % (x, top, x, top + ph, GRID))
        body.append(_text(x, top + ph + 16, short(t), anchor="middle"))
    for t in yt:
        y = fy(t)
        body.append('<line x1="%d" y1="%.1f" x2="%d" y2="%.1f" stroke="%s"/>'
                    % (left, y, left + pw, y, GRID))
        body.append(_text(left - 6, y + 4, short(t), anchor="end"))
    body.append('<path d="M%d %d V%d H%d" fill="none" stroke="%s"/>'
                % (left, top, top + ph, left + pw, INK))
    body.append(_text(left + pw / 2, height - 14,
                      xlabel + (" (log scale)" if logx else ""), anchor="middle"))
    body.append(_text(18, top + ph / 2, ylabel, anchor="middle",
                      extra=' transform="rotate(-90 18 %.1f)"' % (top + ph / 2)))
    label_y = _spread([fy(y) + 4 for _, y in refs], 14, top + 8, top + ph + 4)
    for (label, y), ly in zip(refs, label_y):
        body.append('<g class="ref" data-label="%s"><line x1="%d" y1="%.1f" x2="%d" y2="%.1f" '
                    'stroke="#777" stroke-dasharray="5 4"/>%s</g>'
                    % (escape(label), left, fy(y), left + pw + 4, fy(y),
                       _text(left + pw + 8, ly, "%s: %s" % (label, num(y)),
                             extra=' fill="#555"')))
    if len(points) > 1:
        body.append('<polyline fill="none" stroke="#4e79a7" stroke-width="1.5" points="%s"/>'
                    % " ".join("%.1f,%.1f" % (fx(p[1]), fy(p[2])) for p in points))
    # Points drawn on top of each other share one label.
    at = {}
    for label, x, y, _, _ in points:
        at.setdefault((round(fx(x)), round(fy(y))), []).append(label)
    placed = []
    for label, x, y, xw, tip in points:
        px, py = fx(x), fy(y)
        if xw and xw > x:
            body.append('<line class="whisker" x1="%.1f" y1="%.1f" x2="%.1f" y2="%.1f" '
                        'stroke="#e15759" stroke-width="1.5"/>' % (px, py, fx(xw), py))
            body.append('<line x1="%.1f" y1="%.1f" x2="%.1f" y2="%.1f" stroke="#e15759" '
                        'stroke-width="1.5"/>' % (fx(xw), py - 4, fx(xw), py + 4))
        same = at[(round(px), round(py))]
        text = ""
        if same[0] == label:
            text = same[0] + "".join(", " + l.split("=")[-1] for l in same[1:])
            # Above the point unless a label already sits there.
            w, ly = len(text) * CHAR_W, py - 9
            if any(abs(ly - qy) < 13 and px < qx + qw and qx < px + w for qx, qy, qw in placed):
                ly = py + 19
            placed.append((px, ly, w))
            text = _text(px + 4, ly, text, size=11)
        body.append('<g class="point" data-label="%s"><circle cx="%.1f" cy="%.1f" r="4.5" '
                    'fill="#4e79a7"><title>%s</title></circle>%s</g>'
                    % (escape(label), px, py, escape(tip), text))
    return _svg(width, height, title, body)


def line_chart(series, title, xlabel, ylabel, width=560, height=380):
    """Lines over a few x values, one per series, each point with an
    optional whisker from lo to hi.

    series: list of (key, name, colour, points); points: list of
    (x, y, lo or None, hi or None, tooltip), in x order. The x axis ticks
    are the x values present (CPU counts); the y axis starts at 0, so a
    line that doubles looks doubled.
    """
    left, right, top, bottom = 78, 16, 34, 56
    pw, ph = width - left - right, height - top - bottom
    xs = sorted({p[0] for _, _, _, pts in series for p in pts}) or [0, 1]
    ys = [v for _, _, _, pts in series for p in pts for v in (p[1], p[3]) if v is not None]
    xt, yt = xs, nice_ticks(max(ys + [0]))
    lo_x, hi_x = (0, xs[-1]) if xs[-1] > 0 else (0, 1)

    def fx(v):
        return left + (v - lo_x) / (hi_x - lo_x) * pw

    def fy(v):
        return top + ph - v / yt[-1] * ph

    body = [_text(8, 18, title, size=FONT + 2, extra=' font-weight="bold"')]
    for t in xt:
        body.append('<line x1="%.1f" y1="%d" x2="%.1f" y2="%d" stroke="%s"/>'
                    % (fx(t), top, fx(t), top + ph, GRID))
        body.append(_text(fx(t), top + ph + 16, short(t), anchor="middle"))
    for t in yt:
        body.append('<line x1="%d" y1="%.1f" x2="%d" y2="%.1f" stroke="%s"/>'
                    % (left, fy(t), left + pw, fy(t), GRID))
        body.append(_text(left - 6, fy(t) + 4, short(t), anchor="end"))
    body.append('<path d="M%d %d V%d H%d" fill="none" stroke="%s"/>'
                % (left, top, top + ph, left + pw, INK))
    body.append(_text(left + pw / 2, top + ph + 36, xlabel, anchor="middle"))
    body.append(_text(16, top + ph / 2, ylabel, anchor="middle",
                      extra=' transform="rotate(-90 16 %.1f)"' % (top + ph / 2)))
    legend, lh = _legend([(k, n, c) for k, n, c, _ in series], left, top + ph + 48, pw)
    body += legend
    for key, name, colour, pts in series:
        body.append('<g class="series" data-series="%s" stroke="%s" fill="%s">'
                    % (escape(key), colour, colour))
        if len(pts) > 1:
            body.append('<polyline fill="none" stroke-width="2" points="%s"/>'
                        % " ".join("%.1f,%.1f" % (fx(p[0]), fy(p[1])) for p in pts))
        for x, y, lo, hi, tip in pts:
            px, py = fx(x), fy(y)
            if lo is not None and hi is not None:
                body.append('<g class="whisker" data-label="%s %s" data-min="%d" '
                            'data-max="%d" stroke-width="1.5"><line x1="%.1f" y1="%.1f" '
                            'x2="%.1f" y2="%.1f"/><line x1="%.1f" y1="%.1f" x2="%.1f" '
                            'y2="%.1f"/><line x1="%.1f" y1="%.1f" x2="%.1f" y2="%.1f"/></g>'
                            % (escape(key), short(x), lo, hi, px, fy(lo), px, fy(hi),
                               px - 4, fy(lo), px + 4, fy(lo), px - 4, fy(hi), px + 4,
                               fy(hi)))
            body.append('<g class="point" data-label="%s %s" data-series="%s" data-x="%s" '
                        'data-y="%s"><circle cx="%.1f" cy="%.1f" r="4" stroke="none">'
                        '<title>%s</title></circle></g>'
                        % (escape(key), short(x), escape(key), repr(x), repr(y), px, py,
                           escape(tip)))
        body.append('</g>')
    return _svg(width, top + ph + 48 + lh + 4, title, body)
