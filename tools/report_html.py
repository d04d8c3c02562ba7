"""HTML building blocks of the report pages (tools/report.py,
tools/compare.py): elements, tables, key-value tables. Content passed in is
already HTML; callers escape text.
"""
from html import escape

CSS = """
body { font: 14px/1.45 system-ui, -apple-system, "Segoe UI", sans-serif; color: #222;
       max-width: 1240px; margin: 1.5em auto; padding: 0 1em; }
h1 { font-size: 1.5em; margin-bottom: 0.1em; }
h2 { font-size: 1.2em; margin-top: 1.8em; border-bottom: 1px solid #ccc; }
h3 { font-size: 1.05em; margin-bottom: 0.3em; }
.sub { color: #666; margin-top: 0; }
.banner { padding: 0.7em 1em; margin: 1em 0; border-radius: 4px; }
.incomplete { background: #fde2e1; border: 2px solid #c00; color: #800; font-weight: bold;
              font-size: 1.1em; }
.warn { background: #fff4d6; border: 1px solid #d9a400; }
.warn ul { margin: 0.2em 0; padding-left: 1.2em; }
.cards { display: flex; flex-wrap: wrap; gap: 0.8em; margin: 1em 0; }
.card { border: 1px solid #ccc; border-radius: 6px; padding: 0.6em 1em; min-width: 12em; }
.card .big { font-size: 1.8em; font-weight: bold; }
.card .what { color: #555; }
.good { color: #2a7a2a; } .bad { color: #b00; }
table { border-collapse: collapse; margin: 0.5em 0; font-variant-numeric: tabular-nums; }
th, td { padding: 0.25em 0.5em; border-bottom: 1px solid #e3e3e3; vertical-align: top; }
th { background: #f3f3f3; text-align: left; }
td.n, th.n { text-align: right; }
td.n { white-space: nowrap; }
tr.problem td { background: #fde2e1; }
table.kv th { background: none; font-weight: 600; width: 11em; }
.results { font-size: 12.5px; }
.results th { font-size: 12px; }
.scroll { overflow-x: auto; }
code, .mono { font-family: ui-monospace, "DejaVu Sans Mono", monospace; font-size: 12.5px; }
svg.chart { max-width: 100%; height: auto; display: block; margin: 0.6em 0;
            font-family: system-ui, sans-serif; }
svg.chart text { fill: #222; }
.note { color: #555; font-size: 13px; }
.swatch { display: inline-block; width: 0.8em; height: 0.8em; margin-right: 0.3em;
          vertical-align: baseline; border-radius: 2px; }
.pair { display: flex; flex-wrap: wrap; gap: 1em; }
.pair svg.chart { flex: 1 1 440px; }
"""


def h(tag, content, **attrs):
    """One element; `content` is already HTML. Attribute `cls` is class."""
    a = "".join(' %s="%s"' % ("class" if k == "cls" else k, escape(str(v), quote=True))
                for k, v in attrs.items() if v is not None)
    return "<%s%s>%s</%s>" % (tag, a, content, tag)


def table(head, rows, cls=None, numeric=(), row_cls=None):
    """rows: lists of HTML cells; columns in `numeric` are right-aligned."""
    th = "".join(h("th", c, cls="n" if i in numeric else None) for i, c in enumerate(head))
    body = []
    for r, cells in enumerate(rows):
        tds = "".join(h("td", c, cls="n" if i in numeric else None)
                      for i, c in enumerate(cells))
        body.append(h("tr", tds, cls=row_cls[r] if row_cls else None))
    return h("table", h("thead", h("tr", th)) + h("tbody", "\n".join(body)), cls=cls)


def kv(pairs):
    return h("table", "".join(h("tr", h("th", escape(k)) + h("td", v)) for k, v in pairs),
             cls="kv")


# One colour per DMA policy, wherever the page names policies: the swatch in
# the results table, the lines of the scaling charts.
POLICY_COLOURS = {
    "off": "#79706e", "identity": "#76b7b2", "strict": "#e15759", "batched": "#f28e2b",
    "fq": "#9c755f", "pool": "#59a14f", "bounce": "#b07aa1",
}
OTHER_POLICY_COLOUR = "#4e79a7"


def policy_colour(policy):
    return POLICY_COLOURS.get(policy, OTHER_POLICY_COLOUR)


def policy_swatch(policy):
    """A policy's name behind a square of its colour."""
    return h("span", "", cls="swatch", style="background:%s" % policy_colour(policy),
             **{"data-policy": policy}) + escape(policy)
