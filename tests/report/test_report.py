#!/usr/bin/env python3
"""Tests of tools/report.py, run by `make report-tests` (part of `make test`).

Prints one `PASS: report/NAME` or `FAIL: report/NAME` line per test, with
the failure's details indented under it. Exits 0 once the tests have run,
whatever their verdicts; a non-zero exit means the runner itself broke,
which make turns into a FAIL line.

usage: test_report.py --work DIR     (DIR receives the pages it writes)
"""
import argparse
import io
import json
import os
import shutil
import subprocess
import sys
import traceback
import unittest
from html.parser import HTMLParser

HERE = os.path.dirname(os.path.abspath(__file__))
ROOT = os.path.dirname(os.path.dirname(HERE))
LOGS = os.path.join(HERE, "logs")
TOOL = os.path.join(ROOT, "tools", "report.py")
COMPARE = os.path.join(ROOT, "tools", "compare.py")
sys.dont_write_bytecode = True      # no __pycache__ in the source tree
sys.path.insert(0, os.path.join(ROOT, "tools"))
import report  # noqa: E402
import report_log as rl  # noqa: E402
import report_summary as rs  # noqa: E402
import compare  # noqa: E402

WORK = None     # set by main()
# The policies of the schema 2 and 3 sample logs (fq came with schema 4).
SCHEMA3_POLICIES = ("off", "identity", "strict", "batched", "pool", "bounce")
VOID = {"area", "base", "br", "col", "embed", "hr", "img", "input", "link", "meta",
        "source", "track", "wbr"}


def read(name):
    with open(os.path.join(LOGS, name), "rb") as f:
        return f.read().decode("utf-8", errors="replace")


def load(name, run=None):
    return rl.load(read(name), name, run)


def cli(*args, tool=TOOL):
    """Runs the tool as users do; returns (status, stdout, stderr)."""
    p = subprocess.run([sys.executable, tool] + list(args), capture_output=True, text=True,
                       timeout=30, cwd=WORK)
    return p.returncode, p.stdout, p.stderr


def work_copy(name):
    """A copy of a sample log in the work folder, so that the page written
    next to it stays out of the source tree."""
    dst = os.path.join(WORK, name)
    shutil.copyfile(os.path.join(LOGS, name), dst)
    return dst


class Page(HTMLParser):
    """Checks nesting and collects what the tests look at: each <svg> with
    its marks, every attribute and every tag name."""

    def __init__(self):
        super().__init__(convert_charrefs=True)
        self.stack, self.errors, self.tags = [], [], []
        self.attrs, self.svgs, self.text, self.head = [], [], [], []
        self.swatches = {}      # policy: its colour in the results table
        self.doctype = None

    def handle_decl(self, decl):
        self.doctype = decl

    def _mark(self, tag, attrs):
        a = dict(attrs)
        self.tags.append(tag)
        if self.stack[-1:] == ["head"]:
            self.head.append(tag)
        self.attrs += [(tag, k, v or "") for k, v in attrs]
        if tag == "span" and a.get("class") == "swatch":
            self.swatches[a["data-policy"]] = a["style"].split(":")[-1]
        if tag == "svg":
            self.svgs.append({"label": a.get("aria-label"), "bars": [], "segs": [],
                              "points": [], "refs": [], "whiskers": [], "strips": [],
                              "buckets": [], "series": [], "xy": []})
        elif self.svgs and "svg" in self.stack:
            svg, cls = self.svgs[-1], a.get("class")
            if tag == "g" and cls == "bar":
                svg["bars"].append(a["data-label"])
            elif tag == "g" and cls == "whisker":
                svg["whiskers"].append((a["data-label"], int(a["data-min"]), int(a["data-max"])))
            elif tag == "g" and cls == "strip":
                svg["strips"].append(a["data-label"])
            elif tag == "rect" and cls == "bucket":
                svg["buckets"].append((len(svg["strips"]) - 1, int(a["data-bucket"]),
                                       int(a["data-count"])))
            elif tag == "rect" and cls == "seg":
                svg["segs"].append((len(svg["bars"]) - 1, a["data-phase"], float(a["width"]),
                                    float(a["data-value"])))
            elif tag == "g" and cls == "point":
                svg["points"].append(a["data-label"])
                if "data-series" in a:
                    svg["xy"].append((a["data-series"], float(a["data-x"]),
                                      float(a["data-y"])))
            elif tag == "g" and cls == "series":
                svg["series"].append((a["data-series"], a["stroke"]))
            elif tag == "g" and cls == "ref":
                svg["refs"].append(a["data-label"])

    def handle_starttag(self, tag, attrs):
        self._mark(tag, attrs)
        if tag not in VOID:
            self.stack.append(tag)

    def handle_startendtag(self, tag, attrs):
        self._mark(tag, attrs)

    def handle_endtag(self, tag):
        if tag in VOID:
            return
        if not self.stack or self.stack[-1] != tag:
            self.errors.append("</%s> at %s closes <%s>" % (tag, self.getpos(),
                                                          self.stack[-1] if self.stack else "-"))
            if tag in self.stack:
                while self.stack.pop() != tag:
                    pass
            return
        self.stack.pop()

    def handle_data(self, data):
        self.text.append(data)


def parse_page(html):
    p = Page()
    p.feed(html)
    p.close()
    if p.stack:
        p.errors.append("never closed: %s" % p.stack)
    p.plain = " ".join("".join(p.text).split())
    return p


def render(name, run=None):
    return parse_page(report.page(load(name, run)))


def cells(name):
    """The page's text with a space after each table cell, so that a
    table row reads as its cells one after the other."""
    html = report.page(load(name)).replace("</td>", " </td>").replace("</th>", " </th>")
    return parse_page(html).plain


def chart(p, starts):
    found = [s for s in p.svgs if s["label"].startswith(starts)]
    assert len(found) == 1, "%d charts titled %r in %s" % (len(found), starts,
                                                          [s["label"] for s in p.svgs])
    return found[0]


# The row of the schema's own example, as printed by the kernel.
EXAMPLE_ROW = json.loads(
    '{"type":"row","schema":1,"row":0,"sweep":"policy","policy":"strict","inval":"qi",'
    '"batch_inval":"global","hwm":250,"flush_ms":10,"size":64,"packets":100000,'
    '"received":100000,"lost":0,"duplicated":0,"corrupted":0,"faults":0,'
    '"tsc_total":4578200000,"pps":53000,'
    '"cycles_per_packet":{"mean":45782,"p50":44000,"p99":61000,"max":900000},'
    '"phase":{"iova":1200000,"pte":9000000,"inval_submit":30000000,"inval_wait":40000000,'
    '"nic":2000000000,"other":2498000000},"maps":200000,"unmaps":200000,'
    '"invalidations":200000,"inval_waits":200000,"flushes_hwm":0,"flushes_deadline":0,'
    '"flushes_forced":0,"timer_interrupts":0,'
    '"window":{"entries":0,"mean_cycles":0,"max_cycles":0,"mean_unmaps":0,"max_unmaps":0}}')
CONTEXT = {"type": "context", "schema": 1, "build": "test",
           "machine": {"cpu": "x", "cpu_signature": "0x000906ea", "microcode": "0xf4",
                       "hypervisor": ""},
           "tsc": {"hz": 2000000000, "source": "CPUID 0x15"}, "vtd": [], "nic": {},
           "options": ""}


def synth(*objs, crlf=True):
    """A log made of the given report objects between noise lines."""
    lines = ["\x1b[2J\x1b[01;01HBdsDxe: starting Boot0001", "vtdbench test"]
    lines += ["REPORT " + json.dumps(o) for o in objs]
    lines.append("EXIT: 0 (ok)")
    return ("\r\n" if crlf else "\n").join(lines) + "\r\n"


def end(rows, verdict=0):
    return {"type": "end", "schema": 1, "rows": rows, "verdict": verdict}


class Parsing(unittest.TestCase):
    def test_last_complete_run_by_default(self):
        d = load("two_runs.log")
        self.assertEqual((d["run"], d["runs"], d["complete"]), (2, 2, True))
        self.assertEqual(len(d["rows"]), 20)
        self.assertEqual(d["warnings"], [])
        self.assertEqual([r["row"] for r in d["rows"]], list(range(20)))

    def test_run_option(self):
        first = load("two_runs.log", 1)
        self.assertEqual((first["run"], len(first["rows"])), (1, 4))
        self.assertTrue(all(r["packets"] == 20000 for r in first["rows"]))
        self.assertEqual(load("two_runs.log", -1)["run"], 2)
        for bad in (0, 3, -3):
            with self.assertRaisesRegex(rl.ReportError, "no run %d; the log holds 2 runs" % bad):
                load("two_runs.log", bad)

    def test_noise_ansi_and_crlf(self):
        # A report line behind firmware escapes and a stray \r still counts;
        # "REPORT " in the middle of a line does not.
        text = synth(CONTEXT, EXAMPLE_ROW, end(1)).replace(
            "REPORT {\"type\": \"row\"", "\x1b[0m\x1b[37m\rREPORT {\"type\": \"row\"")
        text += "stream: REPORT {not json\r\n"
        d = rl.load(text, "t")
        self.assertEqual(len(d["rows"]), 1)
        self.assertEqual(d["rows"][0]["derived"]["line"], 4)
        self.assertEqual(rl.load(synth(CONTEXT, EXAMPLE_ROW, end(1), crlf=False))["rows"][0]
                         ["packets"], 100000)

    def test_incomplete_run(self):
        d = load("incomplete.log")
        self.assertEqual((d["run"], d["complete"]), (1, True))
        self.assertTrue(any("run 2 (line 44) is incomplete" in w for w in d["warnings"]),
                        d["warnings"])
        d = load("incomplete.log", 2)
        self.assertFalse(d["complete"])
        self.assertIsNone(d["end"])
        self.assertEqual([r["policy"] for r in d["rows"]], ["off", "strict"])

    def test_truncated_last_line(self):
        # The machine died while printing: the cut line is dropped, not fatal.
        d = load("truncated.log")
        self.assertFalse(d["complete"])
        self.assertEqual(len(d["rows"]), 2)
        self.assertTrue(any("cut short" in w for w in d["warnings"]))

    def test_stray_lines_and_counts(self):
        text = synth(EXAMPLE_ROW, CONTEXT, EXAMPLE_ROW, end(2, verdict=1), end(1))
        d = rl.load(text, "t")
        w = "\n".join(d["warnings"])
        self.assertIn("t:3: row line outside any run, ignored", w)
        self.assertIn("t:7: end line outside any run, ignored", w)
        self.assertIn("end says 2 rows, the run has 1", w)
        self.assertIn("verdict is 1", w)

    def test_phases_must_add_up(self):
        row = json.loads(json.dumps(EXAMPLE_ROW))
        row["phase"]["other"] -= 5
        d = rl.load(synth(CONTEXT, row, end(1)), "t")
        self.assertTrue(any("phases add up to 4578199995 cycles, not tsc_total 4578200000" in w
                            for w in d["warnings"]), d["warnings"])


class Errors(unittest.TestCase):
    def expect_error(self, name, *pieces):
        st, out, err = cli(work_copy(name))
        self.assertEqual(st, 1, err)
        self.assertEqual(out, "")
        for p in pieces:
            self.assertIn(p, err)
        self.assertFalse(os.path.exists(os.path.join(WORK, name[:-4] + ".html")))

    def test_bad_schema(self):
        self.expect_error("bad_schema.log", "bad_schema.log:15:", "schema 5",
                          "reads schemas 1 to 4 only")

    def test_malformed_json(self):
        self.expect_error("malformed.log", "malformed.log:24: malformed REPORT line")

    def test_no_run(self):
        self.expect_error("no_run.log", "no report in this log")

    def test_missing_log(self):
        st, out, err = cli(os.path.join(WORK, "does-not-exist.log"))
        self.assertEqual(st, 1)
        self.assertIn("cannot read", err)

    def test_schema_on_every_line(self):
        row = dict(EXAMPLE_ROW, schema=5)
        with self.assertRaisesRegex(rl.ReportError, "t:4: report schema 5"):
            rl.load(synth(CONTEXT, row, end(1)), "t")

    def test_missing_field(self):
        row = {k: v for k, v in EXAMPLE_ROW.items() if k != "lost"}
        row["phase"] = dict(row["phase"], nic="12")
        # Schema 1's "nic" phase is read as schema 3's "device".
        with self.assertRaisesRegex(rl.ReportError, "t:4: .*fields: lost, phase.device"):
            rl.load(synth(CONTEXT, row, end(1)), "t")

    def test_not_an_object(self):
        with self.assertRaisesRegex(rl.ReportError, "t:3: .*JSON list"):
            rl.load(synth([1, 2]), "t")


class Derived(unittest.TestCase):
    def test_example_row(self):
        d = rl.load(synth(CONTEXT, EXAMPLE_ROW, end(1)), "t")["rows"][0]["derived"]
        self.assertEqual(d["phase_per_packet"]["pte"], 90)
        self.assertEqual(d["phase_per_packet"]["inval_wait"], 400)
        self.assertAlmostEqual(d["inval_share"], 70e6 / 4578.2e6)
        self.assertEqual(d["inval_per_packet"], 2.0)
        self.assertEqual(d["cycles_per_packet"], 45782)
        self.assertEqual(d["window_us"], {"mean": 0.0, "max": 0.0})

    def test_consistency_on_every_row(self):
        d = load("two_runs.log")
        hz = d["context"]["tsc"]["hz"]
        for r in d["rows"]:
            x, name = r["derived"], r["derived"]["label"]
            self.assertAlmostEqual(sum(x["phase_share"].values()), 1.0, places=12, msg=name)
            self.assertAlmostEqual(sum(x["phase_per_packet"].values()) * r["packets"],
                                   r["tsc_total"], delta=1e-3, msg=name)
            self.assertAlmostEqual(x["inval_share"], x["phase_share"]["inval_submit"] +
                                   x["phase_share"]["inval_wait"], places=12)
            self.assertEqual(x["inval_per_packet"], r["invalidations"] / r["packets"])
            self.assertAlmostEqual(x["window_us"]["max"], r["window"]["max_cycles"] * 1e6 / hz)

    def test_labels(self):
        labels = [r["derived"]["label"] for r in load("two_runs.log")["rows"]]
        self.assertEqual(labels[:5], ["off", "strict", "batched", "pool", "hwm=1"])
        self.assertIn("batch_inval=pages", labels)
        self.assertIn("size=1514", labels)

    def test_headline(self):
        d = load("two_runs.log")
        hl, pol = d["headline"], {r["policy"]: r for r in d["rows"][:4]}
        s = pol["strict"]["cycles_per_packet"]["mean"]
        self.assertAlmostEqual(hl["batched_vs_strict_pct"],
                               (s - pol["batched"]["cycles_per_packet"]["mean"]) * 100 / s)
        self.assertGreater(hl["pool_vs_strict_pct"], hl["batched_vs_strict_pct"])
        self.assertEqual(hl["batched_window_unmaps"], {"mean": 124, "max": 249})
        self.assertAlmostEqual(hl["batched_window_us"]["mean"],
                               pol["batched"]["window"]["mean_cycles"] * 1e6 / 2445501858)

    def test_nothing_to_divide_by(self):
        # No TSC rate, a stream with no packet and no cycles.
        d = load("zero.log")
        z = d["rows"][1]["derived"]
        self.assertEqual(d["rows"][1]["packets"], 0)
        self.assertTrue(all(v is None for v in z["phase_per_packet"].values()))
        self.assertIsNone(z["inval_share"])
        self.assertIsNone(z["window_us"]["mean"])
        self.assertIsNone(d["headline"]["batched_vs_strict_pct"])
        p = render("zero.log")
        self.assertEqual(p.errors, [])
        self.assertIn("cannot be compared with strict", p.plain)
        self.assertIn("no packets: nothing to show", p.plain)

    def test_register_decoding(self):
        cap = report.decode_cap(0x00d2008c22260206)
        for f in ("ND=6 (65536 domains)", "SAGAW=0x2 (39-bit/3-level)", "MGAW=39", "FRO=0x220",
                  "NFR=1", "SLLPS=2M+1G", "PSI", "DWD", "DRD"):
            self.assertIn(f, cap)
        self.assertNotIn("CM", cap)
        ecap = report.decode_ecap(0xf00f4a)
        for f in ("QI", "IR", "PT", "IRO=0xf0", "MHMV=15"):
            self.assertIn(f, ecap)
        self.assertNotIn("C", ecap)
        self.assertEqual(report.cpu_model("0x000906ea"),
                         "family 6 model 158 (0x9e) stepping 10")
        self.assertEqual(report.cpu_model("0x00060fb1"),
                         "family 15 model 107 (0x6b) stepping 1")


class Html(unittest.TestCase):
    def test_well_formed(self):
        for name, run in (("two_runs.log", None), ("two_runs.log", 1), ("incomplete.log", 2),
                          ("truncated.log", None), ("zero.log", None)):
            p = render(name, run)
            self.assertEqual(p.errors, [], "%s run %s" % (name, run))
            self.assertEqual(p.doctype, "DOCTYPE html")
            for t in ("html", "head", "body"):
                self.assertEqual(p.tags.count(t), 1, t)
            self.assertEqual(p.head, ["meta", "title", "style"])

    def test_self_contained(self):
        p = render("two_runs.log")
        for tag in ("script", "link", "img", "iframe", "object", "embed", "image", "use"):
            self.assertNotIn(tag, p.tags)
        for tag, k, v in p.attrs:
            self.assertFalse(k in ("src", "href", "xlink:href", "srcset", "action"),
                             (tag, k, v))
            self.assertFalse(k.startswith("on"), (tag, k))
            if k != "xmlns":
                self.assertNotIn("//", v, (tag, k, v))
        html = report.page(load("two_runs.log"))
        for bad in ("url(", "@import", "http:", "https:"):
            self.assertNotIn(bad, html.replace('xmlns="http://www.w3.org/2000/svg"', ""))

    def test_policy_charts(self):
        p = render("two_runs.log")
        c = chart(p, "Cycles per packet by phase, policy sweep")
        self.assertEqual(c["bars"], ["off", "strict", "batched", "pool"])
        # off has no DMA-layer phase: only the device's and other.
        self.assertEqual([s[1] for s in c["segs"] if s[0] == 0], ["device", "other"])
        self.assertEqual([s[1] for s in c["segs"] if s[0] == 1],
                         ["iova", "pte", "inval_submit", "inval_wait", "device", "other"])
        # Bar lengths are in proportion to the cycles they stand for.
        width = {i: sum(s[2] for s in c["segs"] if s[0] == i) for i in range(4)}
        value = {i: sum(s[3] for s in c["segs"] if s[0] == i) for i in range(4)}
        self.assertAlmostEqual(width[1] / width[0], value[1] / value[0], places=3)
        zoom = chart(p, "The DMA layer alone")
        self.assertEqual(len(zoom["bars"]), 4)
        self.assertEqual({s[1] for s in zoom["segs"]},
                         {"iova", "pte", "inval_submit", "inval_wait"})
        legend = p.plain
        for name in ("IOVA alloc/free", "invalidation wait", "TSC cycles per packet"):
            self.assertIn(name, legend)

    def test_hwm_chart(self):
        p = render("two_runs.log")
        c = chart(p, "Cost against protection window")
        self.assertEqual(c["points"], ["hwm=%d" % h for h in (1, 4, 16, 64, 250, 1024, 4096,
                                                              16384)])
        self.assertEqual(c["refs"], ["off (no window)", "strict (no window)",
                                     "pool (no window)"])
        self.assertIn("protection window, \u00b5s", p.plain)
        self.assertIn("TSC cycles per packet (median of the rounds)", p.plain)

    def test_sweep_charts(self):
        p = render("two_runs.log")
        self.assertEqual(len(p.svgs), 7)
        self.assertEqual(chart(p, "Cycles per packet by phase, inval sweep")["bars"],
                         ["reg", "qi"])
        self.assertEqual(len(chart(p, "Cycles per packet by phase, batch_inval")["bars"]), 3)
        self.assertEqual(len(chart(p, "Cycles per packet by phase, size")["bars"]), 3)
        self.assertEqual(len(chart(p, "Cycles per packet by phase, hwm")["bars"]), 8)

    def test_only_policy_rows(self):
        p = render("two_runs.log", 1)
        self.assertEqual(len(p.svgs), 2)
        self.assertNotIn("Batching: cost against protection window", p.plain)

    def test_headline_text(self):
        p = render("two_runs.log")
        d = load("two_runs.log")
        self.assertIn("batched costs 23,204 cycles per packet against strict's 28,730: "
                      "%.1f%% cheaper." % d["headline"]["batched_vs_strict_pct"], p.plain)
        self.assertIn("592 \u00b5s on average, 1,186 \u00b5s at worst, while 124 more unmaps "
                      "(up to 249) happen", p.plain)
        self.assertIn("the 2008 discussion", p.plain)

    def test_missing_policies(self):
        text = synth(CONTEXT, EXAMPLE_ROW, end(1))
        p = parse_page(report.page(rl.load(text, "t")))
        self.assertEqual(p.errors, [])
        self.assertIn("No batched row in this run.", p.plain)
        self.assertIn("No pool row in this run.", p.plain)
        pol = dict(EXAMPLE_ROW, policy="pool")
        p = parse_page(report.page(rl.load(synth(CONTEXT, pol, end(1)), "t")))
        self.assertIn("No strict row in this run", p.plain)

    def test_incomplete_is_loud(self):
        p = render("incomplete.log", 2)
        self.assertIn("INCOMPLETE RUN", p.plain)
        st, out, err = cli(work_copy("incomplete.log"), "--run", "2")
        self.assertEqual(st, 0, err)
        self.assertIn("run 2 is INCOMPLETE", err)

    def test_text_is_escaped(self):
        ctx = dict(CONTEXT, options='policy=strict <script>alert("x")</script> & more',
                   build='v1 "quoted" <b>')
        p = parse_page(report.page(rl.load(synth(ctx, EXAMPLE_ROW, end(1)), "t")))
        self.assertEqual(p.errors, [])
        self.assertNotIn("script", p.tags)
        self.assertIn('policy=strict <script>alert("x")</script> & more', p.plain)

    def test_context(self):
        p = render("two_runs.log")
        for s in ("QEMU TCG CPU version 2.5+", "family 15 model 107", "TCGTCGTCGTCG: QEMU TCG",
                  "2,445,501,858 Hz (2445.502 MHz) from HPET", "-28 ppm from the rate used",
                  "40 cycles, subtracted", "0x00d2008c22260206", "SAGAW=0x2", "82540EM",
                  "00:02.0", "exit=qemu sweep=hwm,inval,batch_inval,size", "v0.3-41-g7762918"):
            self.assertIn(s, p.plain)


class Robustness(unittest.TestCase):
    def test_random_rows(self):
        # Odd but well-typed numbers (zeros, one row per sweep, huge
        # values, an empty context) must give a page, never a traceback.
        import random
        rnd = random.Random(1)
        pick = lambda: rnd.choice([0, 0, 1, 7, 250, 10 ** 6, 2 ** 63])  # noqa: E731
        for case in range(40):
            rows = []
            for i in range(rnd.randint(1, 6)):
                r = json.loads(json.dumps(EXAMPLE_ROW))
                r["row"], r["sweep"] = i, rnd.choice(rl.SWEEPS)
                r["policy"] = rnd.choice(rl.POLICIES)
                for k in ("packets", "received", "tsc_total", "invalidations", "hwm"):
                    r[k] = pick()
                for sub in ("cycles_per_packet", "phase", "window"):
                    r[sub] = {k: pick() for k in r[sub]}
                rows.append(r)
            ctx = CONTEXT if case % 2 else {"type": "context", "schema": 1}
            d = rl.load(synth(ctx, *rows, end(len(rows))), "t")
            p = parse_page(report.page(d))
            self.assertEqual(p.errors, [], "case %d" % case)
            json.dumps(d)


    def test_random_schema2_numbers(self):
        # rounds.log with numbers replaced by zeros, ones and huge values
        # (latencies, summaries, costs included): a page, or a ReportError
        # naming a damaged run, never a traceback.
        import random
        import re
        rnd = random.Random(2)
        text = read("rounds.log")
        spots = [m.span() for m in re.finditer(r'(?<!"schema":)(?<=:)[0-9]+', text)]
        for case in range(60):
            chosen = sorted(rnd.sample(spots, 25), reverse=True)
            t = text
            for a, b in chosen:
                t = t[:a] + str(rnd.choice([0, 0, 1, 3, 2 ** 63])) + t[b:]
            try:
                d = rl.load(t, "t")
            except rl.ReportError as e:
                self.assertIn("damaged", str(e))
                continue
            p = parse_page(report.page(d))
            self.assertEqual(p.errors, [], "case %d" % case)
            json.dumps(d)
            compare.compare(d, d)


class Damaged(unittest.TestCase):
    """A run the tool cannot read is reported as damaged; the others are
    still read, and the tool never prints a traceback."""

    def no_traceback(self, *args):
        st, out, err = cli(*args)
        self.assertNotIn("Traceback", err)
        self.assertNotIn("Traceback", out)
        return st, out, err

    def shows_the_good_run(self, name, good, bad, why):
        d = load(name)
        self.assertEqual((d["run"], d["runs"], d["complete"]), (good, 2, True))
        self.assertEqual([r["policy"] for r in d["rows"]], ["off", "strict", "batched", "pool"])
        self.assertTrue(any("run %d (line" % bad in w and "is damaged" in w and why in w
                            for w in d["warnings"]), d["warnings"])
        st, out, err = self.no_traceback(work_copy(name))
        self.assertEqual(st, 0, err)
        self.assertIn("run %d (line" % bad, err)
        self.assertIn("is damaged", err)
        self.assertTrue(os.path.exists(os.path.join(WORK, name[:-4] + ".html")))
        st, out, err = self.no_traceback(work_copy(name), "--json", "--run", str(bad))
        self.assertEqual((st, out), (1, ""))
        self.assertIn("run %d" % bad, err)
        self.assertIn("is damaged", err)

    def test_reset_mid_line(self):
        # The cut line runs on into the next boot's firmware output.
        self.shows_the_good_run("reset_mid_line.log", 2, 1, "reset_mid_line.log:24: malformed")

    def test_number_past_int_parsing(self):
        self.shows_the_good_run("huge_number.log", 2, 1, "4300 digits")

    def test_number_past_a_float(self):
        self.shows_the_good_run("overflow.log", 1, 2, "window.mean_cycles")

    def test_unknown_phase_key(self):
        d = load("phase_extra_key.log")
        self.assertEqual(len(d["rows"]), 4)
        row = d["rows"][1]
        self.assertEqual(row["phase"]["note"], "late")
        self.assertEqual(row["derived"]["phase_sum"], row["tsc_total"])
        self.assertFalse(any("phases add up" in w for w in d["warnings"]), d["warnings"])
        st, out, err = self.no_traceback(work_copy("phase_extra_key.log"))
        self.assertEqual(st, 0, err)

    def test_only_damaged_runs(self):
        text = read("huge_number.log")
        second = text.index('REPORT {"type":"context"', text.index('"type":"context"') + 1)
        only_bad = text[:second]
        with self.assertRaisesRegex(rl.ReportError, "every run is damaged; the last, run 1"):
            rl.load(only_bad, "t")

    def test_counter_beyond_64_bits(self):
        row = dict(EXAMPLE_ROW, packets=2 ** 64)
        with self.assertRaisesRegex(rl.ReportError, "t:4: .*fields: packets"):
            rl.load(synth(CONTEXT, row, end(1)), "t")
        ctx = json.loads(json.dumps(CONTEXT))
        ctx["tsc"]["hz"] = 10 ** 400
        d = rl.load(synth(ctx, EXAMPLE_ROW, end(1)), "t")
        self.assertTrue(any("no TSC rate" in w for w in d["warnings"]), d["warnings"])

    def test_no_sample_log_gives_a_traceback(self):
        for name in sorted(os.listdir(LOGS)):
            for extra in ((), ("--json",), ("--run", "1"), ("--run", "-1")):
                self.no_traceback(work_copy(name), *extra)


class Cli(unittest.TestCase):
    def test_default_output_next_to_log(self):
        log = work_copy("two_runs.log")
        st, out, err = cli(log)
        self.assertEqual((st, err), (0, ""))
        self.assertEqual(out.strip(), os.path.join(WORK, "two_runs.html"))
        with open(out.strip(), encoding="utf-8") as f:
            self.assertEqual(parse_page(f.read()).errors, [])

    def test_output_option(self):
        out = os.path.join(WORK, "chosen.html")
        st, so, err = cli(work_copy("two_runs.log"), "-o", out, "--run", "1")
        self.assertEqual((st, so.strip()), (0, out), err)
        with open(out, encoding="utf-8") as f:
            self.assertIn("Run 1 of 2", f.read())

    def test_json(self):
        st, out, err = cli(work_copy("two_runs.log"), "--json")
        self.assertEqual(st, 0, err)
        d = json.loads(out)
        self.assertEqual(d["run"], 2)
        r = d["rows"][1]["derived"]
        for k in ("phase_per_packet", "phase_share", "inval_per_packet", "inval_share",
                  "window_us"):
            self.assertIn(k, r)
        self.assertFalse(os.path.exists(os.path.join(WORK, "two_runs.json")))
        st, out, err = cli(work_copy("zero.log"), "--json")
        self.assertEqual(st, 0, err)
        self.assertIsNone(json.loads(out)["rows"][1]["derived"]["inval_share"])

    def test_make_target(self):
        log = work_copy("incomplete.log")
        env = {k: v for k, v in os.environ.items() if not k.startswith("MAKE")}
        p = subprocess.run(["make", "--no-print-directory", "-s", "report", "LOG=" + log,
                            "RUN=2"], cwd=ROOT, capture_output=True, text=True, timeout=60,
                           env=env)
        self.assertEqual(p.returncode, 0, p.stderr)
        self.assertEqual(p.stdout.strip(), os.path.join(WORK, "incomplete.html"))
        self.assertIn("INCOMPLETE", p.stderr)


def without(text, kind):
    """A log's text with its REPORT lines of one type left out."""
    return "\n".join(l for l in text.split("\n") if '"type":"%s"' % kind not in l)


def edit_summary(text, row, **cycles):
    """rounds.log's text with row `row`'s summary cycles figures replaced."""
    out = []
    for l in text.split("\n"):
        if '"type":"summary"' in l and '"row":%d,' % row in l:
            o = json.loads(l.strip()[len("REPORT "):])
            o["cycles_per_packet"].update(cycles)
            l = "REPORT " + json.dumps(o)
        out.append(l)
    return "\n".join(out)


class Rounds(unittest.TestCase):
    """Schema 2: rows once per round, the kernel's summaries, costs,
    latency; schema 1 and runs cut short get a computed summary."""

    def test_schema2_run(self):
        d = load("rounds.log")
        self.assertEqual((d["schema"], d["rounds"], d["summaries"], d["complete"]),
                         (2, 3, "kernel", True))
        self.assertEqual(d["warnings"], [])
        self.assertEqual([r["derived"]["label"] for r in d["rows"]],
                         ["off", "identity", "strict", "batched", "pool", "bounce", "hwm=16",
                          "hwm=250"])
        self.assertEqual(len(d["costs"]), 9)
        strict = d["rows"][2]
        self.assertEqual(strict["summary"]["cycles_per_packet"],
                         {"median": 28730, "min": 28500, "max": 28960, "spread_permille": 16})
        self.assertEqual([x["position"] for x in strict["rounds_seen"]], [2, 1, 0])
        # The charts draw the median round; counts add up over the rounds.
        self.assertEqual(strict["cycles_per_packet"]["mean"], 28730)
        self.assertEqual(strict["totals"]["packets"], 300000)
        self.assertEqual(strict["translation"], "remapped")
        self.assertEqual(d["rows"][0]["translation"], "passthrough")
        self.assertEqual(d["rows"][5]["derived"]["phase_per_packet"]["copy"], 1800)

    def test_window_and_share_cover_every_round(self):
        # The protection window is every round's together (the longest of
        # any round), and strict's invalidating share the kernel's median
        # over the rounds, as the kernel's own table gives them.
        text = read("kernel_rounds.log")
        d = load("kernel_rounds.log")
        objs = [json.loads(l[len("REPORT "):]) for l in text.splitlines()
                if l.startswith("REPORT ")]
        batched = [o for o in objs if o["type"] == "row" and o["sweep"] == "policy"
                   and o["policy"] == "batched"]
        row = next(r for r in d["rows"] if r["sweep"] == "policy" and r["policy"] == "batched")
        self.assertEqual(row["window"]["max_cycles"],
                         max(o["window"]["max_cycles"] for o in batched))
        self.assertEqual(row["window"]["entries"], sum(o["window"]["entries"] for o in batched))
        strict = next(o for o in objs if o["type"] == "summary" and o["policy"] == "strict")
        self.assertAlmostEqual(d["headline"]["strict_inval_share"],
                               strict["inval_permille"]["median"] / 1000.0)

    def test_real_kernel_log(self):
        # A default `make run` of the kernel itself (6 policies, 5 rounds):
        # read without a warning, every row with its kernel summary.
        d = load("kernel_rounds.log")
        self.assertEqual((d["schema"], d["rounds"], d["summaries"], d["complete"]),
                         (2, 5, "kernel", True))
        self.assertEqual(d["warnings"], [])
        self.assertEqual([r["policy"] for r in d["rows"]],
                         ["off", "identity", "strict", "batched", "pool", "bounce"])
        self.assertEqual([len(r["rounds_seen"]) for r in d["rows"]], [5] * 6)
        self.assertEqual(d["rows"][0]["translation"], "passthrough")
        self.assertEqual(d["rows"][1]["translation"], "identity")
        self.assertTrue(d["costs"])
        p = render("kernel_rounds.log")
        self.assertEqual(p.errors, [])

    def test_kernel_summary_is_used(self):
        text = edit_summary(read("rounds.log"), 2, median=28600, min=20000, max=30000)
        s = rl.load(text, "t")["rows"][2]["summary"]
        self.assertEqual((s["source"], s["cycles_per_packet"]["min"]), ("kernel", 20000))

    def test_computed_summary_matches_kernel(self):
        # Without its summary lines, the tool's figures are the kernel's.
        kernel = load("rounds.log")
        d = rl.load(without(read("rounds.log"), "summary"), "t")
        self.assertEqual(d["summaries"], "computed")
        self.assertTrue(any("no summary line" in w for w in d["warnings"]), d["warnings"])
        for a, b in zip(kernel["rows"], d["rows"]):
            for k in ("cycles_per_packet", "pps", "latency", "rounds", "phase"):
                self.assertEqual(a["summary"][k], b["summary"][k], (a["row"], k))

    def test_cut_short(self):
        d = load("rounds_cut.log")
        self.assertFalse(d["complete"])
        self.assertEqual(d["summaries"], "computed")
        self.assertEqual([len(r["rounds_seen"]) for r in d["rows"]], [1, 2, 2, 2, 1, 1, 1, 1])
        c = d["rows"][2]["summary"]["cycles_per_packet"]
        self.assertEqual(c, {"median": 28500, "min": 28500, "max": 28960,
                             "spread_permille": 16})
        w = "\n".join(d["warnings"])
        self.assertIn("no summary line (the run was cut short)", w)
        self.assertIn("fewer than the 3 rounds", w)
        p = render("rounds_cut.log")
        self.assertEqual(p.errors, [])
        self.assertIn("this page computed their median, min and max from the rounds present",
                      p.plain)
        self.assertIn("2 of 3", p.plain)
        self.assertIn("INCOMPLETE RUN", p.plain)

    def test_schema1_is_one_round(self):
        d = load("two_runs.log")
        self.assertEqual((d["schema"], d["rounds"]), (1, 1))
        for r in d["rows"]:
            c, m = r["summary"]["cycles_per_packet"], r["cycles_per_packet"]["mean"]
            self.assertEqual(c, {"median": m, "min": m, "max": m, "spread_permille": 0})
        self.assertFalse(any("summary" in w for w in d["warnings"]), d["warnings"])
        self.assertIn("One round per row (schema 1 log)", render("two_runs.log").plain)

    def test_kernel_schema1_log(self):
        # A serial log of today's kernel (make run CMDLINE=packets=3000),
        # schema 1: summaries, headline, page and compare all work on it.
        d = load("kernel_schema1.log")
        self.assertEqual((d["schema"], d["rounds"], d["complete"], d["warnings"]),
                         (1, 1, True, []))
        self.assertEqual([r["policy"] for r in d["rows"]], ["off", "strict", "batched", "pool"])
        for r in d["rows"]:
            m = r["cycles_per_packet"]["mean"]
            self.assertEqual(r["summary"]["cycles_per_packet"],
                             {"median": m, "min": m, "max": m, "spread_permille": 0})
            self.assertEqual(r["totals"]["packets"], 3000)
        self.assertAlmostEqual(d["headline"]["batched_vs_strict_pct"],
                               (52458 - 22317) * 100 / 52458)
        p = render("kernel_schema1.log")
        self.assertEqual(p.errors, [])
        self.assertIn("batched costs 22,317 cycles per packet against strict's 52,458", p.plain)
        self.assertIn("Measured under QEMU TCG, an emulator", p.plain)
        self.assertEqual(len(chart(p, "Cycles per packet by phase, policy")["whiskers"]), 4)
        st, out, err = compare_cli(work_copy("kernel_schema1.log"),
                                   work_copy("kernel_schema1.log"),
                                   "--html", os.path.join(WORK, "self.html"))
        self.assertEqual(st, 0, err)
        self.assertIn("compare: all 4 rows agree within their spreads", out)

    def test_latency_merge(self):
        a = [{"gran": "pages", "count": 10, "p50": 7, "p99": 7, "max": 5, "buckets": [0, 0, 10]}]
        b = [{"gran": "pages", "count": 2, "p50": 1, "p99": 1, "max": 1, "buckets": [2]},
             {"gran": "global", "count": 1, "p50": 1023, "p99": 1023, "max": 600,
              "buckets": [0] * 9 + [1]}]
        m = {e["gran"]: e for e in rs.merge_latency([a, b])}
        self.assertEqual(m["pages"], {"gran": "pages", "count": 12, "max": 5,
                                      "buckets": [2, 0, 10], "p50": 7, "p99": 7})
        self.assertEqual((m["global"]["p50"], m["global"]["max"]), (1023, 600))
        self.assertEqual(rs.rank_bound([90, 9, 1], 100, 99), 3)
        self.assertEqual(rs.rank_bound([90, 9, 1], 100, 50), 1)
        self.assertEqual(rs.rank_bound([], 0, 50), 0)

    def test_bad_schema2_lines(self):
        text = read("rounds.log")
        for old, new, why in (('"round":1,', '"round":"1",', "round"),
                              ('"what":"wait","inval":"qi","gran":"","iterations":1000',
                               '"what":"wait","inval":"qi","gran":"","iterations":-1',
                               "cost is missing or has bad fields: iterations"),
                              ('"buckets":[0,0,0', '"buckets":[0,"x",0', "buckets")):
            with self.assertRaisesRegex(rl.ReportError, "every run is damaged.*" + why):
                rl.load(text.replace(old, new, 1), "t")
        with self.assertRaisesRegex(rl.ReportError, "unknown report type \"summary\""):
            rl.load(synth(CONTEXT, dict(EXAMPLE_ROW, type="summary")), "t")

    def test_json_cli(self):
        st, out, err = cli(work_copy("rounds.log"), "--json")
        self.assertEqual((st, err), (0, ""))
        d = json.loads(out)
        self.assertEqual(d["rows"][2]["summary"]["cycles_per_packet"]["median"], 28730)
        self.assertEqual(d["rows"][2]["summary"]["latency"][0]["gran"], "pages")
        self.assertEqual(d["costs"][3]["what"], "inval")


class RoundsPage(unittest.TestCase):
    def test_whiskers_on_every_bar(self):
        d, p = load("rounds.log"), render("rounds.log")
        c = chart(p, "Cycles per packet by phase, policy sweep")
        want = [(r["derived"]["label"], r["summary"]["cycles_per_packet"]["min"],
                 r["summary"]["cycles_per_packet"]["max"]) for r in d["rows"][:6]]
        self.assertEqual(c["whiskers"], want)
        self.assertEqual(len(c["whiskers"]), len(c["bars"]))
        self.assertEqual(chart(p, "The DMA layer alone")["whiskers"], [])
        # Schema 1: a whisker of one point, still on every bar.
        c = chart(render("two_runs.log"), "Cycles per packet by phase, policy sweep")
        self.assertEqual([w[1] == w[2] for w in c["whiskers"]], [True] * 4)

    def test_latency_chart(self):
        d, p = load("rounds.log"), render("rounds.log")
        c = chart(p, "Invalidation latency")
        self.assertEqual(c["strips"], ["strict, qi pages", "batched, qi global",
                                       "hwm=16, qi global", "hwm=250, qi global"])
        b = d["rows"][2]["summary"]["latency"][0]["buckets"]
        self.assertEqual([(i, n) for s, i, n in c["buckets"] if s == 0],
                         [(i, n) for i, n in enumerate(b) if n])
        self.assertIn("strict qi pages 600,000 4,095 16,383 66,770", cells("rounds.log"))
        self.assertEqual([s for s in render("two_runs.log").svgs
                          if s["label"].startswith("Invalidation latency")], [])

    def test_results_and_costs(self):
        p = cells("rounds.log")
        self.assertIn("cycles/pkt median min max spread", p)
        self.assertIn("2 strict strict remapped 3 300,000 300,000 0 0 0 0 85,117 28,730 "
                      "28,500 28,960 1.6%", p)
        self.assertIn("Costs of single operations", p)
        self.assertIn("what interface granularity iterations p50 p99 mean", p)
        self.assertIn("inval qi pages 1,000 2,047 4,095 2,800", p)
        self.assertNotIn("Costs of single operations", render("two_runs.log").plain)

    def test_machine_note(self):
        emulated = "Measured under QEMU TCG, an emulator: compare ratios, not absolute cycles"
        self.assertIn(emulated, render("rounds.log").plain)

        def note(machine):
            ctx = dict(CONTEXT, machine=dict(CONTEXT["machine"], **machine))
            return parse_page(report.page(rl.load(synth(ctx, EXAMPLE_ROW, end(1)), "t"))).plain
        self.assertIn(emulated, note({"cpu": "QEMU TCG CPU version 2.5+"}))
        kvm = note({"hypervisor": "KVMKVMKVM"})
        self.assertIn("Measured in a virtual machine (KVM)", kvm)
        self.assertNotIn("emulator", kvm)
        bare = note({})
        self.assertNotIn("Measured under", bare)
        self.assertNotIn("virtual machine", bare)

    def test_overlap_wording(self):
        p = render("rounds.log")
        self.assertIn("batched costs 23,204 cycles per packet against strict's 28,730: 19.2% "
                      "cheaper. Medians over 3 rounds; the ranges, 23,018\u201323,390 and "
                      "28,500\u201328,960, do not overlap.", p.plain)
        self.assertNotIn("cannot be told apart", p.plain)
        text = edit_summary(read("rounds.log"), 3, max=28600)
        p = parse_page(report.page(rl.load(text, "t")))
        self.assertIn("batched and strict cannot be told apart: over the rounds batched "
                      "ranges 23,018\u201328,600 and strict 28,500\u201328,960", p.plain)
        self.assertNotIn("batched costs", p.plain)
        self.assertIn("pool costs", p.plain)


def compare_cli(*args):
    return cli(*args, tool=COMPARE)


class Compare(unittest.TestCase):
    def verdicts(self, out):
        return {l.split()[0]: l.split("  ")[-1] for l in out.splitlines()
                if not l.startswith(("compare:", "only in", "row "))}

    def test_agree(self):
        page = os.path.join(WORK, "agree.html")
        st, out, err = compare_cli(work_copy("rounds.log"), work_copy("rounds_same.log"),
                                   "--html", page)
        self.assertEqual((st, err), (0, ""))
        self.assertEqual(set(self.verdicts(out).values()), {"within the spread"})
        self.assertEqual(len(self.verdicts(out)), 8)
        self.assertEqual(out.splitlines()[-2], "compare: all 8 rows agree within their spreads")
        self.assertEqual(out.splitlines()[-1], "compare: page written to " + page)
        self.assertNotIn("warning", out)
        with open(page, encoding="utf-8") as f:
            p = parse_page(f.read())
        self.assertEqual(p.errors, [])
        self.assertNotIn("script", p.tags)
        self.assertIn("compare: all 8 rows agree within their spreads", p.plain)

    def test_differ(self):
        st, out, err = compare_cli(work_copy("rounds.log"), work_copy("rounds_changed.log"),
                                   "--html", os.path.join(WORK, "differ.html"))
        self.assertEqual(st, 0, err)
        v = self.verdicts(out)
        self.assertEqual(v.pop("strict"), "B faster")
        self.assertEqual(v.pop("batched"), "B slower")
        self.assertEqual(set(v.values()), {"within the spread"})
        self.assertEqual(sorted(v), ["bounce", "hwm=250", "identity", "off", "pool"])
        self.assertRegex(out, r"\nstrict +28,730 +21,548 +0\.750  B faster\n")
        self.assertRegex(out, r"\nbatched +23,204 +26,685 +1\.150  B slower\n")
        # Matched by what they measured: hwm=250 is row 7 in both, hwm=16 and
        # hwm=1024 (both row 6) are not one row.
        self.assertIn("only in A: hwm=16 (workload=net sweep=hwm policy=batched inval=qi "
                      "batch_inval=global hwm=16 size=64 qd=0 cpus=1)", out)
        self.assertIn("only in B: hwm=1024 (", out)
        self.assertIn("compare: 2 of 7 rows differ beyond their spreads", out)
        self.assertIn("warning: the machines differ: machine.microcode 0x00000001 vs "
                      "0x00000002", out)
        self.assertIn("warning: the options differ", out)
        for s in ("rounds.log (run 1 of 1): build v0.3-41-g7762918, CPU QEMU TCG CPU version "
                  "2.5+, started unknown, 3 rounds", "compare: B = "):
            self.assertIn(s, out)

    def test_schema1_against_schema2(self):
        st, out, err = compare_cli(work_copy("two_runs.log"), work_copy("rounds.log"),
                                   "--html", os.path.join(WORK, "mixed.html"))
        self.assertEqual(st, 0, err)
        self.assertIn("A has one round per row: its spread is unknown", out)
        self.assertIn("only in B: identity", out)
        self.assertIn("compare: all 6 rows agree within their spreads", out)

    def test_verdict_edges(self):
        def s(lo, med, hi):
            return {"cycles_per_packet": {"min": lo, "median": med, "max": hi}}
        self.assertEqual(compare.verdict(s(10, 11, 12), s(12, 13, 14)), "within the spread")
        self.assertEqual(compare.verdict(s(10, 11, 12), s(13, 13, 14)), "B slower")
        self.assertEqual(compare.verdict(s(10, 11, 12), s(5, 6, 9)), "B faster")

    def test_bad_input(self):
        empty = os.path.join(WORK, "no_rows.log")
        with open(empty, "w") as f:
            f.write(synth(CONTEXT, end(0)))
        good = work_copy("rounds.log")
        for a, b, why in ((os.path.join(WORK, "missing.log"), good, "cannot read"),
                          (good, work_copy("no_run.log"), "no report in this log"),
                          (work_copy("bad_schema.log"), good, "report schema 5"),
                          (good, empty, "has no rows: nothing to compare")):
            st, out, err = compare_cli(a, b)
            self.assertEqual((st, out), (2, ""), (a, b, err))
            self.assertIn(why, err)
            self.assertNotIn("Traceback", err)

    def test_default_page_beside_b(self):
        sub = os.path.join(WORK, "beside")
        os.makedirs(sub, exist_ok=True)
        b = os.path.join(sub, "b.log")
        shutil.copyfile(os.path.join(LOGS, "rounds_same.log"), b)
        st, out, err = compare_cli(work_copy("rounds.log"), b)
        self.assertEqual(st, 0, err)
        self.assertTrue(out.rstrip().endswith(os.path.join(sub, "compare.html")))
        self.assertTrue(os.path.exists(os.path.join(sub, "compare.html")))

    def test_make_target(self):
        env = {k: v for k, v in os.environ.items() if not k.startswith("MAKE")}
        page = os.path.join(WORK, "make.html")
        p = subprocess.run(["make", "--no-print-directory", "-s", "compare",
                            "A=" + work_copy("rounds.log"), "B=" + work_copy("rounds_changed.log"),
                            "OUT=" + page], cwd=ROOT, capture_output=True, text=True, timeout=60,
                           env=env)
        self.assertEqual(p.returncode, 0, p.stderr)
        self.assertIn("compare: 2 of 7 rows differ beyond their spreads", p.stdout)
        self.assertTrue(os.path.exists(page))
        p = subprocess.run(["make", "--no-print-directory", "-s", "compare",
                            "A=" + work_copy("rounds.log")], cwd=ROOT, capture_output=True,
                           text=True, timeout=60, env=env)
        self.assertNotEqual(p.returncode, 0)
        self.assertIn("usage: make compare A=", p.stderr)


class Workloads(unittest.TestCase):
    """Schema 3: the packet stream and the NVMe reads in one run
    (workloads.log, gen_workloads.py), and older logs read in its terms."""

    def test_parse_both_workloads(self):
        d = load("workloads.log")
        self.assertEqual(d["warnings"], [])
        self.assertEqual((d["schema"], d["rounds"], d["summaries"]), (3, 3, "kernel"))
        self.assertEqual(d["workloads"], ["net", "nvme"])
        net = [r for r in d["rows"] if r["workload"] == "net"]
        nvme = [r for r in d["rows"] if r["workload"] == "nvme"]
        self.assertEqual((len(net), len(nvme)), (6, 8))
        for r in d["rows"]:
            self.assertIn("device", r["phase"])
            self.assertNotIn("nic", r["phase"])
            self.assertEqual(len(r["rounds_seen"]), 3)
        self.assertEqual({(r["qd"], r["io_bytes"], r["pattern"]) for r in net}, {(0, 64, "")})
        qd = [r for r in nvme if r["sweep"] == "qd"]
        self.assertEqual([(r["qd"], r["io_bytes"], r["prp_lists"], r["derived"]["label"])
                          for r in qd], [(1, 16384, 20000, "qd=1"), (32, 16384, 20000, "qd=32")])
        self.assertEqual({r["pattern"] for r in nvme}, {"rand"})
        # The NVMe controller's part is the device phase, per read.
        strict = next(r for r in nvme if r["policy"] == "strict" and r["sweep"] == "policy")
        self.assertEqual(strict["summary"]["phase"]["device"]["median"], 61000)
        self.assertEqual(len({rl.row_key(r) for r in d["rows"]}), 14)

    def test_older_logs_are_net(self):
        for name in ("rounds.log", "kernel_schema1.log", "two_runs.log"):
            d = load(name)
            self.assertEqual(d["workloads"], ["net"], name)
            for r in d["rows"]:
                self.assertEqual((r["workload"], r["qd"], r["io_bytes"], r["command_errors"],
                                  r["prp_lists"]), ("net", 0, r["size"], 0, 0), name)
                self.assertIn("device", r["phase"])
                self.assertNotIn("nic", r["phase"])
                self.assertEqual(r["summary"]["workload"], "net")
                self.assertIn("device", r["summary"]["phase"])

    def test_headline_is_the_packet_stream(self):
        # The net rows are rounds.log's policy rows: the same comparisons,
        # the NVMe rows (strict there 2.3x dearer per unit) left out.
        a, b = load("workloads.log")["headline"], load("rounds.log")["headline"]
        for k in ("batched_vs_strict_pct", "pool_vs_strict_pct", "strict_inval_share"):
            self.assertAlmostEqual(a[k], b[k], msg=k)
        # The sentences name the same rows' cycles as the figures.
        for name in ("workloads.log", "cpus.log"):
            self.assertIn("batched costs 23,204 cycles per packet against strict's 28,730",
                          render(name).plain, name)

    def test_nvme_row_needs_its_fields(self):
        text = read("workloads.log")
        line = next(l for l in text.splitlines() if '"workload":"nvme"' in l and '"qd":' in l)
        bad = line.replace('"qd":1,', '', 1)
        self.assertNotEqual(bad, line)
        with self.assertRaisesRegex(rl.ReportError, r"nvme row is missing or has bad fields: "
                                    r"qd$"):
            rl.load(text.replace(line, bad, 1), "w")
        bad = line.replace('"pattern":"rand"', '"pattern":7', 1)
        with self.assertRaisesRegex(rl.ReportError, "fields: pattern$"):
            rl.load(text.replace(line, bad, 1), "w")

    def test_page_per_workload(self):
        html = report.page(load("workloads.log"))
        p = parse_page(html)
        self.assertEqual(p.errors, [])
        net = chart(p, "Cycles per packet by phase, policy sweep")
        nvme = chart(p, "Cycles per read by phase, policy sweep (nvme)")
        self.assertEqual(net["bars"], list(SCHEMA3_POLICIES))
        self.assertEqual(nvme["bars"], list(SCHEMA3_POLICIES))
        self.assertEqual(len(nvme["whiskers"]), 6)
        self.assertEqual(chart(p, "Cycles per read by phase, qd sweep (nvme)")["bars"],
                         ["1", "32"])
        self.assertIn("TSC cycles per read (the median round", html)
        self.assertIn("NVMe controller (command to completion)", html)
        # The NVMe strict bar's device segment: the controller's cycles per read.
        dev = [s for s in nvme["segs"] if s[1] == "device"]
        self.assertEqual(len(dev), 6)
        self.assertTrue(all(60000 < s[3] < 63000 for s in dev), dev)
        for text in ("Workload net: the e1000 packet stream",
                     "Workload nvme: reads from the NVMe drive", "IOPS median", "cycles/read",
                     "PRP lists", "cmd errors"):
            self.assertIn(text, p.plain)
        # One results table per workload.
        self.assertEqual(html.count('<table class="results"'), 2)

    def test_single_workload_page_unchanged(self):
        p = parse_page(report.page(load("rounds.log")))
        self.assertNotIn("Workload net", p.plain)
        self.assertNotIn("IOPS", p.plain)

    def test_compare_workloads(self):
        st, out, err = compare_cli(work_copy("workloads.log"), work_copy("workloads_changed.log"),
                                   "--html", os.path.join(WORK, "workloads.html"))
        self.assertEqual(st, 0, err)
        self.assertRegex(out, r"\nnvme strict qd=1 +66,532 +79,839 +1\.200  B slower\n")
        self.assertRegex(out, r"\nstrict +28,730 +28,730 +1\.000  within the spread\n")
        self.assertIn("only in A: nvme qd=32 (workload=nvme sweep=qd policy=strict inval=qi "
                      "batch_inval=global hwm=250 size=16384 qd=32 cpus=1)", out)
        self.assertIn("only in B: nvme qd=64 (", out)
        self.assertIn("compare: 1 of 13 rows differ beyond their spreads", out)

    def test_compare_schema2_with_schema3(self):
        # A schema-2 run's rows are the packet stream's: they meet the net
        # rows of a schema-3 run, never its NVMe rows.
        st, out, err = compare_cli(work_copy("rounds.log"), work_copy("workloads.log"))
        self.assertEqual(st, 0, err)
        for p in SCHEMA3_POLICIES:
            self.assertRegex(out, r"\n%s +[0-9,]+ +[0-9,]+ +1\.000  within the spread\n" % p)
        self.assertEqual(out.count("only in B: nvme "), 8)
        self.assertIn("compare: all 6 rows agree within their spreads", out)


def nvme_row(d, policy, cpus, sweep="cpus"):
    return next(r for r in d["rows"] if r["workload"] == "nvme" and r["sweep"] == sweep
                and r["policy"] == policy and r["cpus"] == cpus)


def edit_context(text, edit):
    """A log's text with its context object changed by edit(ctx)."""
    out = []
    for l in text.split("\n"):
        if '"type":"context"' in l:
            o = json.loads(l.strip()[len("REPORT "):])
            edit(o)
            l = "REPORT " + json.dumps(o)
        out.append(l)
    return "\n".join(out)


def edit_row(text, pred, edit):
    """A log's text with every row object that pred() picks changed by
    edit(row)."""
    out = []
    for l in text.split("\n"):
        if '"type":"row"' in l:
            o = json.loads(l.strip()[len("REPORT "):])
            if pred(o):
                edit(o)
                l = "REPORT " + json.dumps(o)
        out.append(l)
    return "\n".join(out)


SCALING = ("IOPS against CPUs (nvme)", "Cycles per read against CPUs (nvme)")


class Cpus(unittest.TestCase):
    """Schema 4: many CPUs (cpus.log, generated by gen_cpus.py): rows at
    1, 2 and 4 CPUs for every policy, fq included, and older logs beside."""

    def test_parse_schema4(self):
        d = load("cpus.log")
        self.assertEqual(d["warnings"], [])
        self.assertEqual((d["schema"], d["rounds"], d["summaries"], len(d["rows"])),
                         (4, 3, "kernel", 35))
        self.assertEqual(len({rl.row_key(r) for r in d["rows"]}), 35)
        hz = d["context"]["tsc"]["hz"]
        for r in d["rows"]:
            self.assertEqual(len(r["per_cpu"]), r["cpus"])
            self.assertEqual(r["summary"]["cpus"], r["cpus"])
            self.assertIn("lock", r["phase"])
            self.assertEqual(r["pps"], r["received"] * hz // r["wall_tsc"])
        self.assertEqual(sorted({(r["workload"], r["cpus"]) for r in d["rows"]}),
                         [("net", 1), ("nvme", 1), ("nvme", 2), ("nvme", 4)])
        fq = nvme_row(d, "fq", 4)
        self.assertEqual((fq["fq_size"], fq["summary"]["fq_size"]), (256, 256))
        self.assertEqual(fq["derived"]["label"], "fq cpus=4")
        self.assertEqual(nvme_row(d, "strict", 1, "policy")["derived"]["label"], "strict")
        # The lock phase is the shared locks' waits: none on one CPU.
        self.assertEqual(nvme_row(d, "strict", 1)["phase"]["lock"], 0)
        self.assertGreater(nvme_row(d, "strict", 4)["phase"]["lock"],
                           nvme_row(d, "strict", 2)["phase"]["lock"])

    def test_scaling_chart(self):
        d, p = load("cpus.log"), render("cpus.log")
        rate, cost = chart(p, SCALING[0]), chart(p, SCALING[1])
        want = list(rl.POLICIES)
        for c, field in ((rate, "pps"), (cost, "cycles_per_packet")):
            self.assertEqual([k for k, _ in c["series"]], want)
            for policy in want:
                pts = [(x, y) for k, x, y in c["xy"] if k == policy]
                self.assertEqual(pts, [(n, nvme_row(d, policy, n)["summary"][field]["median"])
                                       for n in (1, 2, 4)], (c["label"], policy))
        # IOPS whiskers: every point's min to max over the rounds.
        self.assertEqual(len(rate["whiskers"]), 21)
        s = nvme_row(d, "batched", 4)["summary"]["pps"]
        self.assertIn(("batched 4", s["min"], s["max"]), rate["whiskers"])
        self.assertEqual(cost["whiskers"], [])
        # Each line in its policy's colour, as in the results table.
        self.assertEqual(len(p.swatches), 7)
        for k, colour in rate["series"] + cost["series"]:
            self.assertEqual(colour, p.swatches[k], k)
        self.assertEqual(len(set(p.swatches.values())), 7)
        for text in ("CPUs doing DMA", "IOPS over all CPUs", "CPU cycles per read, summed over "
                     "CPUs", "Scaling over CPUs (nvme)"):
            self.assertIn(text, p.plain)
        # Each CPU of the rows of several CPUs, their median round's.
        r = nvme_row(d, "strict", 4)
        c = r["per_cpu"][3]
        self.assertIn("strict cpus=4 3 %s %s %s %s %s" % (
            report.num(c["ios"]), report.num(c["pps"]), report.num(c["cycles_per_packet"]),
            report.num(c["lock_cycles"] / c["ios"]), report.num(c["invalidations"])),
            cells("cpus.log"))
        # Its row names it: in the results, sweep and latency tables, and
        # once per CPU in the per-CPU table.
        self.assertEqual(report.page(d).count("<td>strict cpus=4</td>"), 3 + 4)
        # Only the workload measured at several counts has one (net: 1 CPU).
        self.assertEqual(len([x for x in p.svgs if "against CPUs" in x["label"]]), 2)

    def test_no_scaling_chart_at_one_count(self):
        for name in ("workloads.log", "rounds.log", "kernel_schema1.log"):
            p = render(name)
            self.assertEqual(p.errors, [], name)
            self.assertEqual([x for x in p.svgs if "against CPUs" in x["label"]], [], name)
            self.assertNotIn("Scaling over CPUs", p.plain)
            self.assertNotIn("fq size", p.plain)
            self.assertNotIn("scaling figures", p.plain)
        # A schema-4 run at one CPU count: no chart either.
        one = "\n".join(l for l in read("cpus.log").split("\n") if '"sweep":"cpus"' not in l)
        d = rl.load(one, "one")
        self.assertEqual({r["cpus"] for r in d["rows"]}, {1})
        html = report.page(d)
        p = parse_page(html)
        self.assertEqual(p.errors, [])
        self.assertEqual([x for x in p.svgs if "against CPUs" in x["label"]], [])
        self.assertIn('>cpus</th><th class="n">fq size</th><th class="n">lock /read</th>', html)

    def test_results_table(self):
        p = cells("cpus.log")
        self.assertIn("# row policy translation cpus fq size lock /read rounds reads", p)
        self.assertIn("# row policy translation cpus fq size lock /pkt rounds packets", p)
        self.assertIn("25 fq cpus=2 fq remapped 2 256 25.0 3 120,000 120,000", p)
        self.assertIn("26 pool cpus=2 pool remapped 2 \u2013 0 3 120,000", p)
        d = load("cpus.log")
        lock = nvme_row(d, "strict", 4)["derived"]["phase_per_packet"]["lock"]
        self.assertIn("30 strict cpus=4 strict remapped 4 \u2013 %s 3 240,000"
                      % report.num(lock), p)
        self.assertNotIn("cpus fq size", cells("workloads.log"))
        self.assertIn("cpus: the CPUs doing DMA in the row's stream", p)
        self.assertNotIn("cpus: the CPUs doing DMA", cells("workloads.log"))

    def test_phase_charts_have_lock(self):
        p = render("cpus.log")
        c = chart(p, "Cycles per read by phase, cpus sweep (nvme)")
        self.assertEqual(len(c["bars"]), 21)
        self.assertIn("strict cpus=4", c["bars"])
        i = c["bars"].index("strict cpus=4")
        self.assertIn("lock", [x[1] for x in c["segs"] if x[0] == i])
        # The policy sweep ran on one CPU: nothing to wait for there.
        zoom = chart(p, "The DMA layer alone (same rows, scale zoomed) (nvme)")
        self.assertNotIn("lock", {x[1] for x in zoom["segs"]})
        self.assertIn("lock wait (shared locks)", p.plain)
        self.assertIn("Sweep: CPUs doing DMA (cpus), every policy at each count", p.plain)

    def test_machine_cpus_and_skew(self):
        text = read("cpus.log")
        p = parse_page(report.page(rl.load(text, "t"))).plain
        self.assertIn("4 listed in the MADT, 4 started, 4 used", p)
        self.assertIn("1 1 812 0.332 \u00b5s \u00b11,300", cells("cpus.log"))
        self.assertNotIn("TSCs disagree", p)
        hz = load("cpus.log")["context"]["tsc"]["hz"]

        def skew(v):
            def edit(ctx):
                ctx["smp"]["cpus"][2]["tsc_skew"] = v
            return parse_page(report.page(rl.load(edit_context(text, edit), "t"))).plain
        # CPU 2's uncertainty is 1250 ticks: the note starts 1 us beyond it.
        edge = 1250 + hz // 1000000
        self.assertNotIn("TSCs disagree", skew(-edge))
        p = skew(-edge - 1)
        self.assertIn("The CPUs' TSCs disagree beyond the measurement's uncertainty plus 1 "
                      "\u00b5s (CPU 2: -%s ticks" % report.num(edge + 1), p)
        self.assertNotIn("CPU 1:", p)

    def test_emulator_note_on_scaling(self):
        note = "With 4 CPUs the scaling figures are the emulator's"
        self.assertIn(note, render("cpus.log").plain)
        self.assertIn("on real hardware they are the point of the sweep",
                      render("cpus.log").plain)
        # Bare metal: no emulator note at all.
        text = edit_context(read("cpus.log"), lambda c: c["machine"].update(
            hypervisor="", cpu="Intel(R) Xeon(R)"))
        self.assertNotIn("scaling figures", parse_page(report.page(rl.load(text, "t"))).plain)

    def test_cut_short(self):
        # No summaries (the run died before them) and the last round's last
        # rows missing: medians from the rounds present, the chart drawn.
        text = read("cpus.log")
        cut = text[:text.index('REPORT {"type":"summary"')]
        cut = "\n".join(cut.split("\n")[:-9])
        d = rl.load(cut, "cut")
        self.assertFalse(d["complete"])
        self.assertEqual(d["summaries"], "computed")
        kernel = load("cpus.log")
        short = [r["derived"]["label"] for r in d["rows"] if len(r["rounds_seen"]) < 3]
        self.assertTrue(short)
        for a, b in zip(kernel["rows"], d["rows"]):
            self.assertEqual((a["cpus"], a["fq_size"]), (b["summary"]["cpus"],
                                                         b["summary"]["fq_size"]))
            if len(b["rounds_seen"]) == 3:
                for k in ("cycles_per_packet", "pps", "phase"):
                    self.assertEqual(a["summary"][k], b["summary"][k], (a["row"], k))
        p = parse_page(report.page(d))
        self.assertEqual(p.errors, [])
        self.assertEqual([k for k, _ in chart(p, SCALING[0])["series"]], list(rl.POLICIES))
        self.assertIn("INCOMPLETE RUN", p.plain)

    def test_bad_schema4_rows(self):
        text = read("cpus.log")
        is_fq4 = lambda o: o["policy"] == "fq" and o["cpus"] == 4  # noqa: E731
        for edit, why in ((lambda o: o["per_cpu"][1].pop("lock_cycles"),
                           "per_cpu\\[1\\].lock_cycles"),
                          (lambda o: o["phase"].pop("lock"), "phase.lock"),
                          (lambda o: o.pop("fq_size"), "fq_size"),
                          (lambda o: o.update(cpus=0), "cpus \\(at least 1\\)"),
                          (lambda o: o.pop("wall_tsc"), "wall_tsc")):
            with self.assertRaisesRegex(rl.ReportError, "every run is damaged.*row is missing "
                                        "or has bad fields: " + why):
                rl.load(edit_row(text, is_fq4, edit), "t")
        d = rl.load(edit_row(text, is_fq4, lambda o: o["per_cpu"].pop()), "t")
        self.assertTrue(any("3 per_cpu entries for 4 CPUs" in w for w in d["warnings"]),
                        d["warnings"])

    def test_compare_schema3_with_schema4(self):
        # A schema-3 run's rows are one CPU's: they meet the cpus=1 rows of
        # the same sweep, never another CPU count's.
        st, out, err = compare_cli(work_copy("workloads.log"), work_copy("cpus.log"),
                                   "--html", os.path.join(WORK, "s3s4.html"))
        self.assertEqual(st, 0, err)
        self.assertIn("warning: the machines differ: smp.listed None vs 4", out)
        self.assertRegex(out, r"\nnvme strict qd=1 +66,532 +66,532 +1\.000  within the spread\n")
        for n in (1, 2, 4):
            self.assertIn("only in B: nvme strict cpus=%d qd=1 (" % n, out)
        self.assertIn("compare: all 12 rows agree within their spreads", out)

    def test_random_schema4_numbers(self):
        # cpus.log with numbers (skews, CPU counts, per_cpu, wall_tsc
        # included) replaced by zeros, ones and huge values: a
        # page, or a ReportError naming a damaged run, never a traceback.
        import random
        import re
        rnd = random.Random(4)
        text = read("cpus.log")
        spots = [m.span() for m in re.finditer(r'(?<!"schema":)(?<=:)-?[0-9]+', text)]
        for case in range(40):
            t = text
            for a, b in sorted(rnd.sample(spots, 25), reverse=True):
                t = t[:a] + str(rnd.choice([0, 0, 1, 2, 3, 2 ** 63])) + t[b:]
            try:
                d = rl.load(t, "t")
            except rl.ReportError as e:
                self.assertIn("damaged", str(e))
                continue
            p = parse_page(report.page(d))
            self.assertEqual(p.errors, [], "case %d" % case)
            json.dumps(d)
            compare.compare(d, d)

    def test_compare_by_cpus(self):
        # B ran the sweep as cpus=4,2,1 (its rows in another order) with
        # strict at 4 CPUs 20% dearer: that row alone differs.
        st, out, err = compare_cli(work_copy("cpus.log"), work_copy("cpus_changed.log"),
                                   "--html", os.path.join(WORK, "cpus.html"))
        self.assertEqual(st, 0, err)
        s = nvme_row(load("cpus.log"), "strict", 4)["summary"]["cycles_per_packet"]["median"]
        self.assertRegex(out, r"\nnvme strict cpus=4 qd=1 +%s +[0-9,]+ +1\.200  B slower\n"
                         % report.num(s))
        self.assertEqual(len([l for l in out.splitlines() if l.endswith("B slower") or
                              l.endswith("B faster")]), 1)
        for n in (1, 2):
            self.assertRegex(out, r"\nnvme strict cpus=%d qd=1 .* 1\.000  within the spread\n"
                             % n)
        self.assertNotIn("only in", out)
        self.assertIn("compare: 1 of 35 rows differ beyond their spreads", out)


class Lines(unittest.TextTestResult):
    """One PASS:/FAIL: line per test, details indented below a failure."""

    def _line(self, test, ok, detail=None):
        name = "report/%s" % test.id().split(".")[-1][len("test_"):]
        print("%s: %s" % ("PASS" if ok else "FAIL", name))
        if detail:
            for l in detail.rstrip().splitlines()[-12:]:
                print("  " + (l if len(l) < 300 else l[:300] + " ..."))
        sys.stdout.flush()

    def addSuccess(self, test):
        super().addSuccess(test)
        self._line(test, True)

    def addFailure(self, test, err):
        super().addFailure(test, err)
        self._line(test, False, "".join(traceback.format_exception(*err)))

    def addError(self, test, err):
        super().addError(test, err)
        self._line(test, False, "".join(traceback.format_exception(*err)))


def main():
    global WORK
    ap = argparse.ArgumentParser()
    ap.add_argument("--work", required=True)
    args = ap.parse_args()
    WORK = os.path.abspath(args.work)
    shutil.rmtree(WORK, ignore_errors=True)
    os.makedirs(WORK)
    suite = unittest.defaultTestLoader.loadTestsFromModule(sys.modules[__name__])
    unittest.TextTestRunner(stream=io.StringIO(), resultclass=Lines).run(suite)
    return 0


if __name__ == "__main__":
    sys.exit(main())
