#!/usr/bin/env python3
"""Checks the shape of the code, so that what was put right cannot quietly come back.

    python3 scripts/check_house.py            # from the repository root; exit 1 on a finding

1. The arrows between modules (from `swift package describe --type json`): storage sits
   below the logic it serves. Neither database module depends, directly or through another
   module, on inference, Keras, imaging, search, indexing or queries; the PostgreSQL module
   does not depend on the SQLite one; the contracts (VGGIndexTypes) depend on VGGCommon
   only; `vggbatch` itself does not link libhdf5 (Keras weights are read by its helper).
2. No Swift function or closure body over 80 lines in Sources (kernels are C; generated
   files are left out).
3. No Swift type with more than 25 public members in Sources.
"""
import json
import re
import subprocess
import sys
from pathlib import Path

REPO = Path(__file__).resolve().parent.parent
FORBIDDEN_BELOW_STORAGE = {"VGGInference", "VGGKeras", "VGGImaging", "VGGSearch", "VGGIndexing", "VGGQuery", "VGGPipeline",
                           "VGGEngine", "VGGModel", "VGGReport"}
RULES = [
    # (module, modules it must not reach, why)
    ("VGGSQL", FORBIDDEN_BELOW_STORAGE | {"VGGStore", "VGGPostgres"}, "the shared SQL sits below the logic and both databases"),
    ("VGGStore", FORBIDDEN_BELOW_STORAGE | {"VGGPostgres"}, "the SQLite store sits below the logic"),
    ("VGGPostgres", FORBIDDEN_BELOW_STORAGE | {"VGGStore"}, "the PostgreSQL store sits below the logic, beside SQLite"),
    ("VGGIndexTypes", FORBIDDEN_BELOW_STORAGE | {"VGGSQL", "VGGStore", "VGGPostgres"}, "the contracts sit below both sides"),
    ("vggbatch", {"VGGKeras", "CHDF5", "CHDF5Reader"}, "libhdf5 runs only in vggbatch-keras-convert"),
]
MAX_FUNCTION_LINES = 80
MAX_PUBLIC_MEMBERS = 25
GENERATED = re.compile(r"\+Generated\.swift$")


def reach(targets, name, seen=None):
    seen = set() if seen is None else seen
    for dependency in targets.get(name, []):
        if dependency not in seen:
            seen.add(dependency)
            reach(targets, dependency, seen)
    return seen


def check_arrows():
    described = subprocess.run(["swift", "package", "describe", "--type", "json"], cwd=REPO, check=True,
                               capture_output=True, text=True).stdout
    targets = {t["name"]: t.get("target_dependencies", []) for t in json.loads(described[described.index("{"):])["targets"]}
    problems = []
    for module, forbidden, why in RULES:
        if module not in targets:
            problems.append(f"{module}: no such target")
            continue
        wrong = sorted(reach(targets, module) & forbidden)
        if wrong:
            problems.append(f"{module} depends on {', '.join(wrong)}: {why}")
    return problems


def strip_strings_and_comments(line, in_block):
    """The line without string literals and comments (multi-line strings are handled by the
    caller), and whether a /* comment is still open."""
    out = []
    i = 0
    while i < len(line):
        if in_block:
            end = line.find("*/", i)
            if end < 0:
                return "".join(out), True
            i, in_block = end + 2, False
        elif line.startswith("//", i):
            break
        elif line.startswith("/*", i):
            in_block, i = True, i + 2
        elif line[i] == '"':
            j = i + 1
            while j < len(line) and line[j] != '"':
                j += 2 if line[j] == "\\" else 1
            i = j + 1
        else:
            out.append(line[i])
            i += 1
    return "".join(out), in_block


def code_lines(path):
    """(number, code) of each line, strings and comments removed."""
    in_block = False
    in_multiline = False
    for number, line in enumerate(path.read_text().splitlines(), 1):
        if in_multiline:
            if '"""' in line:
                in_multiline = False
                line = line.split('"""', 1)[1]
            else:
                continue
        if line.count('"""') % 2 == 1:
            in_multiline = True
            line = line.split('"""', 1)[0]
        code, in_block = strip_strings_and_comments(line, in_block)
        yield number, code


FUNCTION = re.compile(r"\b(func\s+[^\s(<]+|init[?!]?\s*[(<]|deinit\b|(get|set)\s*\{|subscript\s*[(<])")
TYPE = re.compile(r"\b(class|struct|enum|protocol|actor|extension)\s+([A-Za-z_][A-Za-z0-9_.]*)")
PUBLIC = re.compile(r"^\s*(@[A-Za-z]+(\([^)]*\))?\s+)*(public|open)\s+(?!(class|struct|enum|protocol|actor|extension|typealias)\b)"
                    r"(static\s+|final\s+|override\s+|mutating\s+|nonisolated\s+|private\(set\)\s+|internal\(set\)\s+)*"
                    r"(func|var|let|init|subscript|case)\b")


def check_sources():
    problems = []
    members = {}
    for path in sorted((REPO / "Sources").rglob("*.swift")):
        if GENERATED.search(path.name):
            continue
        relative = path.relative_to(REPO)
        depth = 0
        functions = []   # (name, start line, depth at which its body opened)
        types = []       # (name, depth at which its body opened)
        pending_function = None
        pending_type = None
        for number, code in code_lines(path):
            match = FUNCTION.search(code)
            if match and pending_function is None:
                pending_function = (match.group(0).strip(), number)
            type_match = TYPE.search(code)
            if type_match and pending_type is None and not code.strip().startswith("import"):
                pending_type = type_match.group(2)
            if PUBLIC.match(code) and types:
                name = types[-1][0]
                members[(str(relative), name)] = members.get((str(relative), name), 0) + 1
            for character in code:
                if character == "{":
                    depth += 1
                    if pending_type is not None and (pending_function is None):
                        types.append((pending_type, depth))
                        pending_type = None
                    elif pending_function is not None:
                        functions.append((pending_function[0], pending_function[1], depth))
                        pending_function = None
                        pending_type = None
                elif character == "}":
                    if functions and functions[-1][2] == depth:
                        name, start, _ = functions.pop()
                        if number - start + 1 > MAX_FUNCTION_LINES:
                            problems.append(f"{relative}:{start}: {name} is {number - start + 1} lines (at most {MAX_FUNCTION_LINES})")
                    if types and types[-1][1] == depth:
                        types.pop()
                    depth -= 1
            # A declaration without a body (a protocol requirement) ends at its line.
            if pending_function is not None and pending_function[1] == number and "{" not in code and code.rstrip().endswith(")"):
                pending_function = None
    by_type = {}
    for (file, name), count in members.items():
        by_type[name] = by_type.get(name, 0) + count
    for name, count in sorted(by_type.items()):
        if count > MAX_PUBLIC_MEMBERS:
            problems.append(f"type {name} has {count} public members (at most {MAX_PUBLIC_MEMBERS})")
    return problems


def main():
    problems = check_arrows() + check_sources()
    for problem in problems:
        print(f"check_house: {problem}", file=sys.stderr)
    if problems:
        sys.exit(1)
    print("check_house: ok: module arrows, function lengths, public members per type")


if __name__ == "__main__":
    main()
