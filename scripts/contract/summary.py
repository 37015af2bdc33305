"""The closing summary of scripts/contract-tests.sh.

Usage: python3 summary.py REPORT_DIR RUN...

Reads each run's report.json (counts) and junit.xml (failures) and prints
one line per run, then every distinct failure once, with the runs that hit
it: the same missing status usually shows up in all four runs, and is one
thing to fix. Full details (request, response, curl to reproduce) are in
the schemathesis output above and in each run's junit.xml.
"""

import json
import re
import sys
import xml.etree.ElementTree as ElementTree
from pathlib import Path


def run_line(name, report):
    cases = report["test_cases"]
    operations = report["operations"] or {}
    failures = sum(group["count"] for group in report["failures"])
    errors = sum(error["count"] for error in report["errors"])
    return (
        f"  {name:<18} exit {report['exit_code']}  {report['running_time']:6.1f} s  "
        f"{operations.get('tested', 0):>2} operations  {cases['generated']:>5} cases  "
        f"{failures:>3} failures  {errors} errors"
    )


def failures_in(junit_path):
    """(operation, code, title, response status) for every failing check.

    Each <failure> holds numbered test cases ("1. Test Case ID: ..."), each
    one request with its response and the checks it failed."""
    root = ElementTree.parse(junit_path).getroot()
    for testcase in root.iter("testcase"):
        for failure in testcase.findall("failure"):
            cases = re.split(r"^\d+\. Test Case ID: \S+$", failure.text or "", flags=re.MULTILINE)
            for text in cases:
                # "- ST103 Undocumented status code", "[415] Unsupported Media Type:"
                checks = re.findall(r"^- (ST\d+) (.+)$", text, flags=re.MULTILINE)
                if not checks:
                    continue
                status = re.search(r"^\[(\d{3})\]", text, flags=re.MULTILINE)
                operation = operation_of(testcase.get("name"), text)
                for code, title in checks:
                    yield operation, code, title.strip(), status.group(1) if status else "-"


def operation_of(name, text):
    """The operation the failing request went to. Mostly the test case's
    name; not for an undeclared method (TRACE on a GET path) or a stateful
    step, where the reproducing curl says which request it was."""
    curl = re.search(r"curl -X (\w+) .*?https?://[^/\s]+(/\S*)", text)
    if curl is None:
        return name
    method, path = curl.group(1), curl.group(2).split("?")[0].rstrip("'")
    parts = name.split(" ", 1)
    if len(parts) == 2 and parts[0] in {"GET", "POST", "PUT", "PATCH", "DELETE"}:
        return f"{method} {parts[1]}"
    return f"{method} {path} ({name})"


def main():
    out = Path(sys.argv[1])
    runs = sys.argv[2:]
    print("contract-tests summary (per run: schemathesis exit, time, what was sent, what failed)")
    seen = {}
    for name in runs:
        report_path = out / name / "report.json"
        if not report_path.exists():
            print(f"  {name:<18} no report (the run did not finish)")
            continue
        print(run_line(name, json.loads(report_path.read_text())))
        junit = out / name / "junit.xml"
        if junit.exists():
            for key in failures_in(junit):
                seen.setdefault(key, []).append(name)
    if not seen:
        print("\nno failures")
        return
    print(f"\n{len(seen)} distinct failures (operation, check, status answered: runs)")
    for (operation, code, title, status), where in sorted(seen.items()):
        print(f"  {operation:<45} {code} {title:<40} {status}: {', '.join(sorted(set(where)))}")


if __name__ == "__main__":
    main()
