"""Summarizes `llvm-cov-14 export` JSON per component for `tools/msirig coverage` (Markdown).

usage: coverage_summary.py EXPORT.json SOURCE_ROOT "TARGETS"
Components are the top-level folders of the source tree (storport, hba-model, miniport, fuzz,
targets, ...); line and branch counts are llvm-cov's per-file summaries added up. The miniport
functions no input ran are listed: the paths fuzzing never reached.
"""
import json
import os
import sys


def percent(covered, count):
    return "-" if count == 0 else "%.1f%%" % (100.0 * covered / count)


def main():
    if len(sys.argv) != 4:
        sys.exit(__doc__)
    export_path, root, targets = sys.argv[1], os.path.realpath(sys.argv[2]), sys.argv[3]
    with open(export_path) as f:
        data = json.load(f)["data"][0]
    components = {}
    for entry in data["files"]:
        path = os.path.realpath(entry["filename"])
        relative = os.path.relpath(path, root)
        if relative.startswith(".."):
            continue
        component = relative.split(os.sep)[0]
        c = components.setdefault(component, [0, 0, 0, 0, 0])
        s = entry["summary"]
        c[0] += s["lines"]["covered"]
        c[1] += s["lines"]["count"]
        c[2] += s["branches"]["covered"]
        c[3] += s["branches"]["count"]
        c[4] += 1
    print("# Coverage: %s" % targets)
    print()
    print("| component | files | lines | line coverage | branches | branch coverage |")
    print("|---|---:|---:|---:|---:|---:|")
    for name in sorted(components):
        lc, ln, bc, bn, files = components[name]
        print("| %s | %d | %d/%d | %s | %d/%d | %s |" %
              (name, files, lc, ln, percent(lc, ln), bc, bn, percent(bc, bn)))
    never = set()
    for function in data.get("functions", []):
        if function["count"] != 0:
            continue
        for filename in function.get("filenames", []):
            relative = os.path.relpath(os.path.realpath(filename), root)
            if relative.split(os.sep)[0] == "miniport":
                never.add((relative, function["name"]))
    print()
    print("## Miniport functions never run (%d)" % len(never))
    print()
    for relative, name in sorted(never):
        print("- `%s` (%s)" % (name, relative))
    if not never:
        print("None: every miniport function ran at least once.")


if __name__ == "__main__":
    main()
