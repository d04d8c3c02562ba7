#!/usr/bin/env python3
"""The DMAR parser's host test suite, run by `make dmar-tests`.

Prints one PASS:/FAIL: line per check, with indented details under each
failure:
  dmar/iasl/SLUG         every real table in --testdata (make passes
                         tests/dmar/tables/, see its MANIFEST.md) and the
                         synthetic base.dsl: dmardump's fields equal those
                         of a fresh `iasl -d`
  dmar/malformed/NAME    each case of malformed.cases
  dmar/stdin, dmar/help  the command-line contract
  dmar/kernel-build      lib/dmar/*.c builds with the kernel's flags and needs
                         no symbol beyond lib/string.h
Always exits 0 once it has started printing verdicts; make turns a crash
before that into a FAIL line.
"""
import argparse
import glob
import os
import re
import shutil
import sys

HERE = os.path.dirname(os.path.abspath(__file__))
sys.dont_write_bytecode = True      # no __pycache__ in the source tree
sys.path[:0] = [HERE, os.path.dirname(HERE)]
import iasl_fields  # noqa: E402
import iasl_suite  # noqa: E402
import malformed  # noqa: E402
from iasl_suite import run, verdict  # noqa: E402


def iasl_check(args, name, dat, workdir, extra_path):
    """dmardump --fields against iasl -d on a private copy of `dat`."""
    os.makedirs(workdir, exist_ok=True)
    copy = os.path.join(workdir, name + ".dat")
    dsl = os.path.join(workdir, name + ".dsl")
    shutil.copyfile(dat, copy)
    if os.path.exists(dsl):
        os.remove(dsl)
    p = run([args.iasl, "-d", os.path.basename(copy)], cwd=workdir)
    if p.returncode != 0 or not os.path.exists(dsl):
        return ["iasl -d failed (status %d): %s" % (p.returncode, p.stderr.decode()[-300:])]
    with open(dsl, errors="replace") as f:
        try:
            ref = iasl_fields.parse_dsl(f.read())
        except iasl_fields.ParseError as e:
            return ["cannot read iasl's output %s: %s" % (dsl, e)]

    problems = []
    p = run([args.dmardump, "--fields", copy])
    if p.returncode != 0:
        return ["dmardump --fields exited %d: %s" % (p.returncode, p.stderr.decode()[-300:])]
    mine = iasl_fields.parse_fields(p.stdout.decode())
    extra = {}
    if os.path.exists(extra_path):
        with open(extra_path) as f:
            extra = iasl_fields.parse_fields(f.read())
    diffs, n_iasl, n_extra = iasl_fields.compare(ref, mine, extra)
    problems += diffs
    if n_iasl < 20:
        problems.append("only %d fields from iasl: its output was not understood" % n_iasl)

    # The other two modes must accept the table too.
    for mode in ([], ["--summary"]):
        p = run([args.dmardump] + mode + [copy])
        if p.returncode != 0 or not p.stdout:
            problems.append("dmardump %s exited %d" % (" ".join(mode), p.returncode))
        if b"error" in p.stderr:
            problems.append("dmardump reported: " + p.stderr.decode()[-300:])
    if not problems:
        note = " (+%d fields past iasl's decoding, checked against %s)" % (
            n_extra, os.path.basename(extra_path)) if n_extra else ""
        print("# %s: %d fields equal to iasl%s" % (name, n_iasl, note))
    return problems


def real_tables(args):
    dats = sorted(glob.glob(os.path.join(args.testdata, "*.dat")))
    if not dats:
        verdict("dmar/iasl/testdata", ["no *.dat in %s (DMAR_TESTDATA)" % args.testdata])
    for dat in dats:
        name = os.path.splitext(os.path.basename(dat))[0]
        extra = os.path.join(HERE, "expected", name + ".fields")
        verdict("dmar/iasl/" + name,
                iasl_check(args, name, dat, os.path.join(args.work, "iasl"), extra))


def synthetic(args):
    """Compiles base.dsl with iasl; returns the table bytes or None."""
    d = os.path.join(args.work, "synthetic")
    os.makedirs(d, exist_ok=True)
    aml = os.path.join(d, "base.aml")
    if os.path.exists(aml):
        os.remove(aml)
    p = run([args.iasl, "-p", os.path.join(d, "base"), os.path.join(HERE, "base.dsl")])
    if p.returncode != 0 or not os.path.exists(aml):
        verdict("dmar/iasl/synthetic-base", ["iasl could not compile base.dsl: "
                                             + p.stdout.decode()[-400:]])
        return None
    verdict("dmar/iasl/synthetic-base",
            iasl_check(args, "synthetic-base", aml, os.path.join(args.work, "iasl"),
                       os.path.join(HERE, "expected", "synthetic-base.fields")))
    with open(aml, "rb") as f:
        return f.read()


def malformed_cases(args, synth):
    with open(os.path.join(HERE, "malformed.cases")) as f:
        try:
            cases = malformed.parse_cases(f.read())
        except malformed.CaseError as e:
            verdict("dmar/malformed/cases-file", [str(e)])
            return
    d = os.path.join(args.work, "malformed")
    os.makedirs(d, exist_ok=True)
    for c in cases:
        if c["base"] == "synthetic":
            base = synth
        else:
            path = os.path.join(args.testdata, c["base"] + ".dat")
            base = open(path, "rb").read() if os.path.exists(path) else None
        if base is None:
            verdict("dmar/malformed/" + c["name"], ["base table %s unavailable" % c["base"]])
            continue
        path = malformed.write_case(c, base, d)
        verdict("dmar/malformed/" + c["name"], malformed.run(c, args.dmardump, path))


def cli_checks(args):
    dats = sorted(glob.glob(os.path.join(args.testdata, "*.dat")))
    problems = []
    if dats:
        by_name = run([args.dmardump, dats[-1]])
        with open(dats[-1], "rb") as f:
            by_stdin = run([args.dmardump, "-"], stdin=f.read())
        if by_stdin.returncode != 0 or by_stdin.stdout != by_name.stdout:
            problems.append("`dmardump -` < FILE differs from `dmardump FILE`")
        if by_name.returncode != 0 or b"Raw Table Data" not in by_name.stdout:
            problems.append("dmardump FILE did not print the decoding")
    else:
        problems.append("no table to read")
    bad = run([args.dmardump, "/nonexistent/dmar.dat"])
    if bad.returncode != 2 or b"No such file" not in bad.stderr:
        problems.append("a missing file should exit 2 naming the error")
    verdict("dmar/stdin-and-files", problems)

    p = run([args.dmardump, "--help"])
    problems = []
    if p.returncode != 0:
        problems.append("--help exited %d" % p.returncode)
    for want in (b"/sys/firmware/acpi/tables/DMAR", b"sudo", b"--fields"):
        if want not in p.stdout:
            problems.append("--help does not mention %s" % want.decode())
    verdict("dmar/help", problems)


def kernel_build(args):
    """lib/dmar/*.c under the kernel's flags; together they may only need
    what lib/string.h declares."""
    d = os.path.join(args.work, "kobj")
    os.makedirs(d, exist_ok=True)
    problems, objs = [], []
    srcs = sorted(glob.glob("lib/dmar/*.c"))
    if not srcs:
        problems.append("no lib/dmar/*.c to build (run from the top of the tree)")
    for src in srcs:
        obj = os.path.join(d, os.path.basename(src)[:-2] + ".o")
        if os.path.exists(obj):
            os.remove(obj)
        p = run(args.kcc.split() + [
            "-std=gnu11", "-ffreestanding", "-fno-stack-protector", "-mno-red-zone",
            "-mgeneral-regs-only", "-fpie", "-O2", "-Wall", "-Wextra", "-Werror",
            "-Wstrict-prototypes", "-Wmissing-prototypes", "-I.", "-c", src, "-o", obj])
        if p.returncode != 0:
            problems.append("%s: %s" % (src, p.stderr.decode()[-600:]))
        else:
            objs.append(obj)
    if objs:
        defined = set(run(["nm", "--defined-only", "-j"] + objs).stdout.decode().split())
        needed = set(run(["nm", "-u", "-j"] + objs).stdout.decode().split())
        allowed = set(re.findall(r"\b(\w+)\(", open("lib/string.h").read()))
        allowed.add("_GLOBAL_OFFSET_TABLE_")
        for sym in sorted(needed - defined - allowed):
            if not sym.endswith(":"):
                problems.append("lib/dmar/*.c need %s, which the kernel does not have" % sym)
    verdict("dmar/kernel-build", problems)


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--dmardump", required=True)
    ap.add_argument("--testdata", required=True)
    ap.add_argument("--work", required=True)
    ap.add_argument("--iasl", default="iasl")
    ap.add_argument("--kcc", default="gcc")
    args = ap.parse_args()
    args.dmardump = os.path.abspath(args.dmardump)
    os.makedirs(args.work, exist_ok=True)

    if not shutil.which(args.iasl):
        verdict("dmar/iasl", ["%s not found: install Debian's acpica-tools" % args.iasl])
        synth = None
    else:
        real_tables(args)
        synth = synthetic(args)
    malformed_cases(args, synth)
    cli_checks(args)
    kernel_build(args)
    print("dmar tests: %d failed" % iasl_suite.failed, file=sys.stderr)
    return 0


if __name__ == "__main__":
    sys.exit(main())
