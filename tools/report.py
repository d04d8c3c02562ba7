#!/usr/bin/env python3
"""Turns a vtdbench serial log into one self-contained HTML page: headline,
machine context, results table and SVG charts of what each DMA mapping
policy cost. `make report LOG=...` runs it.

usage: report.py LOG [-o OUT.html] [--run N] [--json]

The page has no script and no external resource (fonts, styles, images are
all inline or the browser's own), so it can be mailed or opened offline.
The log format (REPORT lines, schema 1 to 4) is read by tools/report_log.py
(summaries over rounds: tools/report_summary.py); the charts are drawn by
tools/report_svg.py, the parts that come with rounds by tools/report_parts.py,
those that come with many CPUs by tools/report_cpus.py.
Exit status: 0 page written, 1 the log could not be read or holds no usable
report.
"""
import argparse
import json
import os
import sys
from html import escape

sys.dont_write_bytecode = True      # no __pycache__ in the source tree
sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import report_cpus as rc  # noqa: E402
import report_log as rl  # noqa: E402
import report_parts as rp  # noqa: E402
from report_html import CSS, h, kv, table  # noqa: E402
from report_svg import num, pct, scatter, stacked_bars  # noqa: E402

PHASE_SERIES = [
    ("iova", "IOVA alloc/free", "#4e79a7"),
    ("pte", "page-table update", "#a0cbe8"),
    ("copy", "bounce copy", "#b07aa1"),
    ("lock", "lock wait (shared locks)", "#edc948"),
    ("inval_submit", "invalidation submit", "#f28e2b"),
    ("inval_wait", "invalidation wait", "#e15759"),
    ("device", "the device", "#59a14f"),  # named per workload: DEVICE_NAMES
    ("other", "other", "#bab0ac"),
]
# Per workload: what the device phase is, what one unit of work is, and
# what the rate counts (an NVMe row's `pps` is reads per second).
DEVICE_NAMES = {"net": "NIC (send + receive)", "nvme": "NVMe controller (command to completion)"}
UNITS = {"net": "packet", "nvme": "read"}
RATES = {"net": "packets /s", "nvme": "IOPS"}
WORKLOAD_NAMES = {"net": "net: the e1000 packet stream", "nvme": "nvme: reads from the NVMe drive"}
DMA_PHASES = ("iova", "pte", "copy", "lock", "inval_submit", "inval_wait")
SWEEP_NAMES = {
    "hwm": "high-water mark (hwm)",
    "inval": "invalidation interface (inval)",
    "batch_inval": "batched flush granularity (batch_inval)",
    "size": "frame size (size)",
    "micro": "invalidation micro-benchmarks (interface/granularity, no device DMA)",
    "cpus": "CPUs doing DMA (cpus), every policy at each count",
}
HYPERVISORS = {
    "TCGTCGTCGTCG": "QEMU TCG (emulated CPU: cycle counts are not silicon's)",
    "KVMKVMKVM": "KVM",
    "VMwareVMware": "VMware",
    "Microsoft Hv": "Hyper-V",
    "XenVMMXenVMM": "Xen",
    "VBoxVBoxVBox": "VirtualBox",
    " lrpepyh  vr": "Parallels",
}



# --- context -------------------------------------------------------------

def _hex(s):
    """A register value: "0x..." as the schema has it, or a bare integer."""
    if isinstance(s, int) and not isinstance(s, bool):
        return s
    try:
        return int(str(s), 16)
    except ValueError:
        return None


def cpu_model(sig):
    """Family, model, stepping from a CPUID.1 EAX signature (SDM vol. 2,
    CPUID leaf 01H: extended fields add in only for families 6 and 15)."""
    v = _hex(sig)
    if v is None:
        return ""
    fam, model, step = (v >> 8) & 0xf, (v >> 4) & 0xf, v & 0xf
    if fam == 0xf:
        fam += (v >> 20) & 0xff
    if fam in (0x6, 0xf) or fam > 0xf:
        model += ((v >> 16) & 0xf) << 4
    return "family %d model %d (0x%x) stepping %d" % (fam, model, model, step)


# VT-d spec 10.4.2 (CAP_REG) and 10.4.3 (ECAP_REG); the names are the
# spec's and drivers/vtd/vtd_regs.h's.
def decode_cap(c):
    sagaw = (c >> 8) & 0x1f
    widths = [w for bit, w in ((1, "39-bit/3-level"), (2, "48-bit/4-level"),
                               (3, "57-bit/5-level")) if sagaw & (1 << bit)]
    sllps = (c >> 34) & 0xf
    pages = [p for bit, p in ((0, "2M"), (1, "1G")) if sllps & (1 << bit)]
    f = ["ND=%d (%d domains)" % (c & 7, 1 << (4 + 2 * (c & 7))),
         "SAGAW=0x%x (%s)" % (sagaw, ", ".join(widths) or "none"),
         "MGAW=%d" % (((c >> 16) & 0x3f) + 1),
         "FRO=0x%x" % (((c >> 24) & 0x3ff) * 16),
         "NFR=%d" % (((c >> 40) & 0xff) + 1),
         "SLLPS=%s" % ("+".join(pages) or "4K only"),
         "MAMV=%d" % ((c >> 48) & 0x3f)]
    f += [name for bit, name in ((3, "AFL"), (4, "RWBF"), (5, "PLMR"), (6, "PHMR"),
                                 (7, "CM"), (22, "ZLR"), (39, "PSI"), (54, "DWD"),
                                 (55, "DRD"), (63, "ESRTPS")) if (c >> bit) & 1]
    return f


def decode_ecap(e):
    f = [name for bit, name in ((0, "C"), (1, "QI"), (2, "DT"), (3, "IR"), (4, "EIM"),
                                (6, "PT"), (7, "SC"), (26, "NEST"), (43, "SMTS"),
                                (46, "SLTS"), (47, "FLTS")) if (e >> bit) & 1]
    f += ["IRO=0x%x" % (((e >> 8) & 0x3ff) * 16), "MHMV=%d" % ((e >> 20) & 0xf)]
    return f


def _g(d, *keys, default="?"):
    for k in keys:
        if not isinstance(d, dict) or k not in d:
            return default
        d = d[k]
    return d


def context_html(ctx):
    m, t = _g(ctx, "machine", default={}), _g(ctx, "tsc", default={})
    hv = str(_g(m, "hypervisor", default=""))
    hv_text = ("none (bare metal)" if not hv.strip()
               else "%s: %s" % (hv, HYPERVISORS.get(hv, "unknown vendor")))
    hz = _g(t, "hz", default=0)
    hz = hz if isinstance(hz, int) else 0

    def rate(key):
        v = _g(t, key, default=None)
        if not isinstance(v, int) or not v:
            return "absent"
        if not hz:
            return "%s Hz" % num(v)
        return "%s Hz (%+.0f ppm from the rate used)" % (num(v), (v - hz) * 1e6 / hz)

    inv = _g(t, "invariant", default=None)
    machine = kv([
        ("CPU", escape(str(_g(m, "cpu")))),
        ("signature", "%s %s" % (h("span", escape(str(_g(m, "cpu_signature"))), cls="mono"),
                                 escape(cpu_model(_g(m, "cpu_signature"))))),
        ("microcode", h("span", escape(str(_g(m, "microcode"))), cls="mono")),
        ("hypervisor", escape(hv_text)),
        ("firmware", "%s, revision %s, Secure Boot %s" % (
            escape(str(_g(m, "firmware", default="?"))),
            escape(str(_g(m, "firmware_revision", default="?"))),
            escape(str(_g(m, "secure_boot", default="?"))))),
        ("TSC rate", ("%s Hz (%.3f MHz) from %s" % (num(hz), hz / 1e6,
                                                     escape(str(_g(t, "source")))))
         if hz else h("b", "unknown: no durations in \u00b5s", cls="bad")),
        ("TSC invariant", "yes" if inv is True else
         h("span", "no: the rate may change with power states", cls="bad") if inv is False
         else "?"),
        ("calibrations", "HPET %s; ACPI PM timer %s; CPUID 0x15 %s; CPUID 0x16 %s"
         % (rate("hpet_hz"), rate("pmtimer_hz"), rate("cpuid15_hz"), rate("cpuid16_hz"))),
        ("rdtsc overhead", "%s cycles, subtracted from every measurement"
         % escape(str(_g(t, "read_overhead_cycles")))),
    ])
    n = _g(ctx, "nic", default={})
    nic = kv([
        ("NIC", "%s, PCI %s at %s, %s loopback" % tuple(
            escape(str(_g(n, k))) for k in ("model", "pci_id", "bdf", "loopback"))),
        ("kernel options", h("code", escape(str(_g(ctx, "options", default=""))) or "(none)")),
        ("build", h("code", escape(str(_g(ctx, "build"))))),
        ("started", escape(str(_g(ctx, "started", default="") or "unknown"))
         + " (the firmware's clock, usually local time)"),
    ])
    units = _g(ctx, "vtd", default=[])
    urows = []
    for u in units if isinstance(units, list) else []:
        cap, ecap = _hex(_g(u, "cap")), _hex(_g(u, "ecap"))
        yn = {True: "yes", False: "no"}
        urows.append([
            escape(str(_g(u, "unit"))),
            h("span", escape(str(_g(u, "base"))), cls="mono"),
            escape(str(_g(u, "version"))),
            escape(str(_g(u, "inval"))),
            escape(str(_g(u, "levels"))),
            yn.get(_g(u, "coherent"), "?"),
            yn.get(_g(u, "caching_mode"), "?"),
            h("span", escape(str(_g(u, "cap"))), cls="mono") + "<br>" +
            escape(", ".join(decode_cap(cap)) if cap is not None else "not hex"),
            h("span", escape(str(_g(u, "ecap"))), cls="mono") + "<br>" +
            escape(", ".join(decode_ecap(ecap)) if ecap is not None else "not hex"),
        ])
    vtd = (table(["unit", "base", "version", "invalidation", "levels", "coherent",
                  "caching mode", "CAP", "ECAP"], urows)
           if urows else h("p", "No VT-d unit in the context: every policy but "
                           "<i>off</i> needs one.", cls="bad"))
    return (h("h2", "Machine") + machine + rc.machine_cpus(ctx, hz) + h("h3", "VT-d units") +
            vtd +
            h("h3", "NIC and run") + nic)


# --- results -------------------------------------------------------------

_window = rp._window


def _series(workload):
    return [(k, DEVICE_NAMES.get(workload, "the device") if k == "device" else name, c)
            for k, name, c in PHASE_SERIES]


def phase_chart(rows, title, phases=None, label=None, workload="net"):
    """The median round's phases per unit of work (packet, read); over the
    whole cost (no `phases` chosen) a whisker from the rows' min to max over
    the rounds."""
    unit = UNITS.get(workload, "operation")
    series = [s for s in _series(workload) if phases is None or s[0] in phases]
    bars = []
    for r in rows:
        name = str(r[label]) if label else r["derived"]["label"]
        c = r["summary"]["cycles_per_packet"]
        bars.append((name, {k: r["derived"]["phase_per_packet"][k] for k, _, _ in series},
                     r["derived"]["label"] + " ") +
                    (((c["min"], c["max"], len(r["rounds_seen"])),) if phases is None else ()))
    return stacked_bars(bars, series, title, "TSC cycles per " + unit + (
        " (the median round; whisker: min to max over the rounds)" if phases is None else ""))


def hwm_chart(rows, policy_rows, unit="packet"):
    pts = []
    for r in sorted(rows, key=lambda r: r["hwm"]):
        w = r["derived"]["window_us"]
        if w["mean"] is None or not r["packets"]:
            continue
        med = r["summary"]["cycles_per_packet"]["median"]
        pts.append(("hwm=%d" % r["hwm"], w["mean"], med, w["max"],
                    "hwm %d: %s cycles/%s, window %s \u00b5s mean, %s \u00b5s max, "
                    "%s unmaps mean" % (r["hwm"], num(med), unit, num(w["mean"]),
                                        num(w["max"]), num(r["window"]["mean_unmaps"]))))
    if not pts:
        return h("p", "The hwm rows have no window in \u00b5s (no TSC rate, or no packets): "
                 "nothing to plot.", cls="note")
    refs = [("%s (no window)" % r["policy"], r["summary"]["cycles_per_packet"]["median"])
            for r in policy_rows if r["policy"] in ("strict", "pool", "off") and r["packets"]]
    svg = scatter(pts, refs, "Cost against protection window, batched, per hwm",
                  "protection window, \u00b5s (dot: mean, line: to max)",
                  "TSC cycles per %s (median of the rounds)" % unit, width=940, height=420)
    return svg + h("p", "Each point is one hwm: a larger batch is cheaper per " + unit +
                   " and leaves "
                   "unmapped buffers reachable longer, until the flush_ms deadline caps the "
                   "window. Dashed lines: the other policies of the policy sweep.", cls="note")


def sweep_section(sweep, rows, workload="net"):
    first, unit = rows[0], UNITS.get(workload, "operation")
    out = [h("h3", "Sweep: " + escape(SWEEP_NAMES.get(sweep, sweep)))]
    keys = ("policy", "inval", "batch_inval", "hwm", "flush_ms", "size") + (
        ("qd", "io_bytes", "pattern") if workload != "net" else ()) + ("cpus",)
    # The cpus sweep varies the policy too: its rows are named by both.
    by_label = sweep in ("micro", "cpus")
    fixed = ", ".join("%s=%s" % (k, first.get(k)) for k in keys
                      if k != sweep and not (by_label and k == "policy"))
    out.append(h("p", "Fixed: " + h("code", escape(fixed)), cls="note"))
    base = first["summary"]["cycles_per_packet"]["median"] if first["packets"] else 0
    trs = []
    for r in rows:
        cpp = r["summary"]["cycles_per_packet"]["median"] if r["packets"] else None
        trs.append([escape(r["derived"]["label"] if by_label else str(r[sweep])),
                    num(cpp),
                    "%+.1f%%" % ((cpp - base) * 100.0 / base) if base and cpp is not None
                    else "\u2013",
                    num(r["derived"]["inval_per_packet"]), pct(r["derived"]["inval_share"]),
                    _window(r), _window(r, "max")])
    per = "/pkt" if unit == "packet" else "/" + unit
    out.append(table([escape(sweep), "cycles" + per, "vs first", "inval." + per, "inval. share",
                      "window \u00b5s mean", "window \u00b5s max"], trs, numeric=range(1, 7)))
    out.append(phase_chart(rows, "Cycles per %s by phase, %s sweep%s"
                           % (unit, sweep, "" if workload == "net" else " (%s)" % workload),
                           label=None if by_label else sweep, workload=workload))
    return "\n".join(out)


# --- headline ------------------------------------------------------------

def _card(big, what, cls=None):
    return h("div", h("div", big, cls="big " + cls if cls else "big") +
             h("div", what, cls="what"), cls="card")


def _vs(p):
    if p is None:
        return None
    return ("%.1f%% cheaper" % p) if p >= 0 else ("%.1f%% dearer" % -p)


def _range(s):
    c = s["cycles_per_packet"]
    return "%s–%s" % (num(c["min"]), num(c["max"]))


def _versus(p, mine, strict, v, overlap, rounds, cards):
    """The headline's sentence on policy p against strict; a card only when
    the difference is beyond both rows' spread over the rounds."""
    med = lambda s: num(s["cycles_per_packet"]["median"])  # noqa: E731
    if overlap and rounds > 1:
        cards.append(_card("≈", "%s and strict cannot be told apart" % p))
        return ("<b>%s</b> and strict <b>cannot be told apart</b>: over the rounds %s ranges "
                "%s and strict %s cycles per packet, which overlap (medians %s and %s)."
                % (p, p, _range(mine), _range(strict), med(mine), med(strict)))
    cards.append(_card("%+.1f%%" % -v, "%s against strict, cycles per packet" % p,
                       "good" if v >= 0 else "bad"))
    tail = (" Medians over %d rounds; the ranges, %s and %s, do not overlap."
            % (rounds, _range(mine), _range(strict)) if rounds > 1 else
            " One round only: how much of that is noise is unknown.")
    return ("<b>%s</b> costs %s cycles per packet against strict's %s: <b>%s</b>.%s"
            % (p, med(mine), med(strict), _vs(v), tail))


def machine_note(ctx, rows=()):
    """Under the headline: what kind of machine the cycles were counted on,
    when it is not bare metal."""
    hv = str(_g(ctx, "machine", "hypervisor", default="")).strip()
    cpu = str(_g(ctx, "machine", "cpu", default=""))
    if hv == "TCGTCGTCGTCG" or cpu.startswith("QEMU TCG"):
        return h("p", "Measured under QEMU TCG, an emulator: compare ratios, not absolute "
                 "cycles (an emulated instruction, register access or device costs nothing "
                 "like silicon's)." + rc.emulated_scaling(ctx, rows), cls="banner warn machine")
    if hv:
        name = HYPERVISORS.get(hv, "hypervisor %s" % hv)
        return h("p", "Measured in a virtual machine (%s): register accesses and the "
                 "emulated IOMMU and NIC exit to the hypervisor, so absolute cycles are not "
                 "bare metal's; compare ratios." % escape(name), cls="banner warn machine")
    return ""


def headline_html(data):
    hl, rows = data["headline"], data["rows"]
    # The rows the headline's figures come from: the first workload's
    # policy sweep, each policy's first row (report_log.headline's choice).
    pol = {}
    for r in rows:
        if r["sweep"] == "policy" and r["workload"] == data["workloads"][0]:
            pol.setdefault(r["policy"], r)
    cards, says = [], []
    if "strict" not in pol:
        says.append("No <i>strict</i> row in this run: there is nothing to compare the other "
                    "policies against.")
    for p in ("batched", "fq", "pool", "identity", "bounce"):
        key = "%s_vs_strict_pct" % p
        if p not in pol:
            if p in ("batched", "pool"):
                says.append("No <i>%s</i> row in this run%s." % (
                    p, "" if data["complete"] else " (it died before getting there?)"))
        elif key in hl:
            v = hl[key]
            if v is None:
                says.append("<i>%s</i> cannot be compared with strict: a stream sent no "
                            "packets." % p)
                continue
            says.append(_versus(p, pol[p]["summary"], pol["strict"]["summary"], v,
                                hl["%s_vs_strict_overlap" % p], data["rounds"], cards))
    if hl.get("strict_inval_share") is not None:
        s = hl["strict_inval_share"]
        cards.append(_card(pct(s), "of strict's time goes to invalidation (submit + wait)"))
        says.append("Invalidation (submit + wait) takes <b>%s</b> of strict's time; the 2008 "
                    "discussion of the batching patch put it at up to 16%%." % pct(s))
    if "batched" in pol:
        w, u = hl["batched_window_us"], hl["batched_window_unmaps"]
        if pol["batched"]["window"]["entries"] == 0:
            says.append("The batched row measured no protection window (no unmap was timed).")
        elif w["mean"] is None:
            says.append("Batched leaves an unmapped buffer reachable while %s unmaps (up to %s) "
                        "happen; its duration is unknown without a TSC rate."
                        % (num(u["mean"]), num(u["max"])))
        else:
            cards.append(_card("%s \u00b5s" % num(w["mean"]),
                               "batched protection window, mean (max %s \u00b5s)" % num(w["max"]),
                               "bad"))
            says.append("In exchange, batched (hwm %d, flush_ms %d) leaves an unmapped buffer "
                        "reachable by the device for <b>%s \u00b5s</b> on average, <b>%s \u00b5s"
                        "</b> at worst, while %s more unmaps (up to %s) happen."
                        % (hl["batched_hwm"], hl["batched_flush_ms"], num(w["mean"]),
                           num(w["max"]), num(u["mean"]), num(u["max"])))
    hz = _g(data["context"], "tsc", "hz", default=0)
    return (h("div", "".join(cards), cls="cards") + h("p", " ".join(says), cls="headline") +
            machine_note(data["context"], rows) +
            rc.skew_note(data["context"], hz if isinstance(hz, int) else 0))


# --- page ----------------------------------------------------------------

def workload_parts(w, rows, several):
    """One workload's charts: its policy sweep by phase, batching against
    the window, its other sweeps. Under a heading of its own when the run
    measured several workloads."""
    unit, suffix = UNITS.get(w, "operation"), "" if w == "net" else " (%s)" % w
    parts = [h("h2", "Workload " + escape(WORKLOAD_NAMES.get(w, w)))] if several else []
    sub = "h3" if several else "h2"
    policy = [r for r in rows if r["sweep"] == "policy"]
    if policy:
        parts.append(h(sub, "Where the cycles go" + escape(suffix)))
        parts.append(phase_chart(policy, "Cycles per %s by phase, policy sweep%s"
                                 % (unit, suffix), workload=w))
        if any(r["phase"].get(k) for r in policy for k in DMA_PHASES):
            parts.append(phase_chart(policy, "The DMA layer alone (same rows, scale zoomed)"
                                     + suffix, DMA_PHASES, workload=w))
    parts.append(rc.scaling_section(rows, unit, RATES.get(w, "operations /s"), sub, suffix))
    hwm = [r for r in rows if r["sweep"] == "hwm"]
    if hwm:
        parts.append(h(sub, "Batching: cost against protection window" + escape(suffix)))
        parts.append(hwm_chart(hwm, policy, unit))
    others = [s for s in rl.SWEEPS if s != "policy" and any(r["sweep"] == s for r in rows)]
    if others:
        parts.append(h(sub, "Sweeps" + escape(suffix)))
        parts.append(h("p", "Each sweep varies one option and keeps the rest fixed.", cls="note"))
        for s in others:
            parts.append(sweep_section(s, [r for r in rows if r["sweep"] == s], w))
    return parts


def page(data):
    rows, ctx = data["rows"], data["context"]
    parts = []
    title = "vtdbench report: %s" % os.path.basename(data["log"])
    parts.append(h("h1", escape(title)))
    parts.append(h("p", "Run %d of %d in %s (line %d), build %s, schema %d, %d row%s in %d "
                   "round%s, verdict %s."
                   % (data["run"], data["runs"], h("code", escape(data["log"])), data["line"],
                      h("code", escape(str(_g(ctx, "build")))), data["schema"], len(rows),
                      "" if len(rows) == 1 else "s", data["rounds"],
                      "" if data["rounds"] == 1 else "s",
                      escape(str(data["end"].get("verdict"))) if data["end"] else "none"),
                   cls="sub"))
    if not data["complete"]:
        parts.append(h("div", "INCOMPLETE RUN: the log has no end line for this run; the machine "
                       "died or was reset during it. %d row%s shown; whatever came after is "
                       "missing, and the last stream may be the one that failed."
                       % (len(rows), "" if len(rows) == 1 else "s"), cls="banner incomplete"))
    if data["warnings"]:
        parts.append(h("div", "Warnings:" + h("ul", "".join(h("li", escape(w))
                                                            for w in data["warnings"])),
                       cls="banner warn"))
    parts.append(headline_html(data))
    parts.append(context_html(ctx))

    parts.append(h("h2", "Results"))
    if rows:
        for w in data["workloads"]:
            if len(data["workloads"]) > 1:
                parts.append(h("h3", "Workload " + escape(WORKLOAD_NAMES.get(w, w))))
            parts.append(rp.results_table([r for r in rows if r["workload"] == w],
                                          data["rounds"], w))
        parts.append(h("p", rp.results_note(data), cls="note"))
        parts.append(h("p", "cycles/pkt: TSC cycles per packet over the whole loop, rdtsc "
                       "overhead subtracted. inval./pkt: invalidation requests per packet. "
                       "inval. share: (submit + wait) / all cycles. window: time from an unmap to "
                       "the completion of the invalidation that covered it (batched only). "
                       "Rows with a lost, duplicated or corrupted frame, a fault or no packets "
                       "are shaded." + (
                           " NVMe rows: the same per read; IOPS: reads per second; received: "
                           "reads that completed and checked against the drive's pattern; "
                           "corrupt: pattern mismatches; lost: reads that never completed; "
                           "cmd errors: commands the controller failed (shaded too); PRP "
                           "lists: reads that needed one."
                           if "nvme" in data["workloads"] else "") + (
                           " cpus: the CPUs doing DMA in the row's stream; fq size: the fq "
                           "policy's ring entries per CPU; lock: cycles per packet (read) "
                           "spent waiting for shared locks. Over several CPUs the rate is all "
                           "CPUs' packets (reads) over the wall-clock span of the stream, and "
                           "cycles are CPU cycles, every CPU's added up."
                           if data["schema"] >= 4 else ""), cls="note"))
    else:
        parts.append(h("p", "No rows: the run ended before its first stream finished.",
                       cls="bad"))

    for w in data["workloads"]:
        parts += workload_parts(w, [r for r in rows if r["workload"] == w],
                                len(data["workloads"]) > 1)
    parts.append(rp.latency_section(rows))
    parts.append(rp.cost_section(data["costs"]))
    return ("<!DOCTYPE html>\n<html lang=\"en\">\n<head>\n<meta charset=\"utf-8\">\n"
            "<title>%s</title>\n<style>%s</style>\n</head>\n<body>\n%s\n</body>\n</html>\n"
            % (escape(title), CSS, "\n".join(parts)))


def default_out(log):
    out = os.path.splitext(log)[0] + ".html"
    return out if os.path.abspath(out) != os.path.abspath(log) else log + ".report.html"


# What reading or drawing an odd log could still raise: the tool says so in
# one line (a reader cannot act on a traceback) and writes nothing.
_UNFORESEEN = (ValueError, TypeError, KeyError, IndexError, OverflowError, ZeroDivisionError,
               RecursionError)


def _unforeseen(log, e):
    print("report: %s holds something this tool cannot read (%s: %s); no page written"
          % (log, type(e).__name__, e), file=sys.stderr)
    return 1


def main(argv=None):
    ap = argparse.ArgumentParser(
        description="Turn a vtdbench serial log into a self-contained HTML report.")
    ap.add_argument("log", help="serial log holding REPORT lines")
    ap.add_argument("-o", "--output", metavar="OUT",
                    help="where to write (default: the log's name with .html)")
    ap.add_argument("--run", type=int, metavar="N",
                    help="which run of the log: 1 is the first, -1 the last "
                    "(default: the last complete run)")
    ap.add_argument("--json", action="store_true",
                    help="print the parsed run with derived numbers as JSON instead "
                    "(to OUT with -o)")
    args = ap.parse_args(argv)
    try:
        with open(args.log, "rb") as f:
            text = f.read().decode("utf-8", errors="replace")
        data = rl.load(text, args.log, args.run)
    except OSError as e:
        print("report: cannot read %s: %s" % (args.log, e.strerror), file=sys.stderr)
        return 1
    except rl.ReportError as e:
        print("report: %s" % e, file=sys.stderr)
        return 1
    except _UNFORESEEN as e:
        return _unforeseen(args.log, e)
    for w in data["warnings"]:
        print("report: warning: %s" % w, file=sys.stderr)
    if not data["complete"]:
        print("report: *** run %d is INCOMPLETE (no end line): the machine died during it; "
              "the page shows the %d row(s) it printed ***" % (data["run"], len(data["rows"])),
              file=sys.stderr)
    if args.json:
        text = json.dumps(data, indent=1) + "\n"
        if not args.output:
            sys.stdout.write(text)
            return 0
    else:
        try:
            text = page(data)
        except _UNFORESEEN as e:
            return _unforeseen(args.log, e)
    out = args.output or default_out(args.log)
    tmp = out + ".tmp"
    try:
        with open(tmp, "w", encoding="utf-8") as f:
            f.write(text)
        os.replace(tmp, out)
    except OSError as e:
        print("report: cannot write %s: %s" % (out, e.strerror), file=sys.stderr)
        return 1
    print(out)
    return 0


if __name__ == "__main__":
    sys.exit(main())
