"""What the suites that check a decoder against ACPICA's iasl share
(tests/dmar/run_tests.py, tests/madt/run_tests.py): the format of the field
lines `iasl -d` writes, the PASS:/FAIL: verdict lines with the count of
failures, and a bounded run of a program."""
import re
import subprocess
import sys

# One field of iasl's disassembly: [offset decimal-offset length] label : value
LINE = re.compile(r"^\[([0-9A-F]+)h (\d+) +(\d+)\] +(.*?) : (.*)$")
# What iasl appends to a value in brackets, e.g. " [Enabled]".
ANNOTATION = re.compile(r"\s+\[[^\]]*\]$")

failed = 0


def verdict(name, problems):
    """PASS: name, or FAIL: name with up to 20 problems indented below."""
    global failed
    if problems:
        failed += 1
        print("FAIL: " + name)
        for p in problems[:20]:
            print("  " + p)
        if len(problems) > 20:
            print("  ... and %d more" % (len(problems) - 20))
    else:
        print("PASS: " + name)
    sys.stdout.flush()


def run(cmd, cwd=None, stdin=None, timeout=60):
    return subprocess.run(cmd, cwd=cwd, input=stdin, capture_output=True,
                          timeout=timeout, stdin=None if stdin else subprocess.DEVNULL)
