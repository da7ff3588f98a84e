#!/usr/bin/env python3
"""Checks the shape of the code, so that what was put right cannot quietly come back.

    python3 scripts/check_house.py            # from the repository root; exit 1 on a finding

1. The arrows between modules (from `swift package describe --type json`): storage sits
   below the logic it serves. Neither database module depends, directly or through another
   module, on inference, Keras, imaging, search, indexing or queries; the PostgreSQL module
   does not depend on the SQLite one; the contracts (VGGIndexTypes) depend on VGGCommon
   only; `vggbatch` itself does not link libhdf5 (Keras weights are read by its helper).
2. No Swift function, initialiser, accessor or computed property body over 80 lines in
   Sources (kernels are C; generated files are left out). A closure is measured as part of
   the function it is written in; a closure given as a default argument is not a body.
3. No Swift type with more than 25 public members in Sources, counting across its
   extensions: declarations marked public or open, the cases of a public enum and the
   requirements of a public protocol.
4. docs/modules.md's drawing and table list each module's direct dependencies as the
   package declares them, and the drawing's arrows all point down.
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


def described_targets():
    described = subprocess.run(["swift", "package", "describe", "--type", "json"], cwd=REPO, check=True,
                               capture_output=True, text=True).stdout
    return {t["name"]: t.get("target_dependencies", []) for t in json.loads(described[described.index("{"):])["targets"]
            if t.get("type") != "test"}


def check_module_table(targets):
    """Each row of docs/modules.md's table against the package's direct dependencies."""
    problems = []
    rows = re.findall(r"^\| `([^`]+)` \| (.*) \|$", (REPO / "docs" / "modules.md").read_text(), re.MULTILINE)
    if not rows:
        return ["docs/modules.md: no module table"]
    # Every Swift module of the product has its row (C and system targets sit under them).
    for name in sorted(targets):
        if (name.startswith("VGG") or name.startswith("vggbatch")) and name not in {row[0] for row in rows}:
            problems.append(f"docs/modules.md: no row for {name}")
    for name, listed in rows:
        if name not in targets:
            problems.append(f"docs/modules.md: {name} is not a target")
            continue
        written = set() if listed.strip() == "nothing" else {part.strip() for part in listed.split(",")}
        actual = {dependency for dependency in targets[name] if dependency != "RevisionStamp"}
        if written != actual:
            missing, extra = sorted(actual - written), sorted(written - actual)
            problems.append(f"docs/modules.md: {name} depends on {', '.join(actual) if actual else 'nothing'}"
                            + (f"; not listed: {', '.join(missing)}" if missing else "") + (f"; listed but not so: {', '.join(extra)}" if extra else ""))
    return problems


def check_module_drawing(targets):
    """Each module of docs/modules.md's layered drawing against the package: its arrows (the
    `──►` lines below its name) are its direct dependencies, and point further down."""
    text = (REPO / "docs" / "modules.md").read_text()
    block = text[text.index("```") + 3:]
    block = block[:block.index("```")]
    arrows, order, current = {}, [], None
    for line in block.splitlines():
        fields = line[15:].split() if len(line) > 15 else []
        if fields and not fields[0].startswith("──►") and line[15] != " ":
            current = fields[0]
            order.append(current)
            arrows[current] = ""
        elif current and line.strip():
            arrows[current] += " " + line.strip().removeprefix("──►")
    problems = []
    for name in order:
        listed = {part.strip() for part in arrows[name].replace(";", ",").split(",") if part.strip()}
        actual = {dependency for dependency in targets.get(name, []) if dependency != "RevisionStamp"}
        if listed != actual:
            problems.append(f"docs/modules.md drawing: {name} ──► {', '.join(sorted(listed))}; the package says {', '.join(sorted(actual))}")
        later = [other for other in listed if other in order and order.index(other) < order.index(name)]
        if later:
            problems.append(f"docs/modules.md drawing: {name} points up to {', '.join(later)}")
    missing = sorted(name for name in targets if (name.startswith("VGG") or name.startswith("vggbatch")) and name not in order)
    if missing:
        problems.append(f"docs/modules.md drawing: no line for {', '.join(missing)}")
    return problems


def check_arrows(targets):
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


FUNCTION = re.compile(r"\b(func\s+[^\s(<]+|init[?!]?\s*[(<]|deinit\b|(get|set|willSet|didSet)\s*\{|subscript\s*[(<])")
# A computed property: `var name: Type {` with no `=` before the brace.
COMPUTED = re.compile(r"\bvar\s+([A-Za-z_][A-Za-z0-9_]*)\s*:[^={]*\{")
TYPE = re.compile(r"\b(class|struct|enum|protocol|actor|extension)\s+([A-Za-z_][A-Za-z0-9_.]*)")
MODIFIERS = r"(static\s+|class\s+|final\s+|override\s+|mutating\s+|nonisolated\s+|convenience\s+|required\s+|private\(set\)\s+|internal\(set\)\s+)*"
ATTRIBUTES = r"(@[A-Za-z]+(\([^)]*\))?\s+)*"
PUBLIC = re.compile(r"^\s*" + ATTRIBUTES + r"(public|open)\s+(?!(class|struct|enum|protocol|actor|extension|typealias)\b)"
                    + MODIFIERS + r"(func|var|let|init|subscript|case)\b")
# Members that are public without the word: a public enum's cases, a public protocol's requirements.
CASE = re.compile(r"^\s*" + ATTRIBUTES + r"(indirect\s+)?case\s+(?!let\b|var\b|\.)")
REQUIREMENT = re.compile(r"^\s*" + ATTRIBUTES + MODIFIERS + r"(func|var|init|subscript|associatedtype)\b")
# How a declaration goes on to its next line (parameters, effects, a return type, a where clause).
CONTINUES = ("{", "->", "throws", "rethrows", "async", "where", ")", "]", ",", "&")


def cases_on(code):
    """How many cases a `case a, b(Int), c` line declares: commas outside parentheses."""
    depth, count = 0, 1
    for character in code:
        if character in "([":
            depth += 1
        elif character in ")]":
            depth -= 1
        elif character == "," and depth == 0:
            count += 1
    return count


class SourceShape:
    """Walks one file's code lines, tracking braces and parentheses: each function's (or
    computed property's or accessor's) body from its opening to its closing brace, and which
    type each public member belongs to."""

    def __init__(self, relative, members, problems):
        self.relative, self.members, self.problems = relative, members, problems
        self.depth = 0           # braces
        self.parens = 0          # parentheses and brackets
        self.functions = []      # (name, start line, brace depth of its body)
        self.types = []          # (name, brace depth of its body, kind, public)
        self.pending_function = None   # (name, line, parenthesis depth where it was declared)
        self.pending_type = None       # (name, kind, public, parenthesis depth)
        self.previous = ""

    def count(self, code, how_many=1):
        if self.types:
            name = self.types[-1][0]
            self.members[(str(self.relative), name)] = self.members.get((str(self.relative), name), 0) + how_many

    def line(self, number, code):
        stripped = code.strip()
        # A declaration without a body (a protocol requirement) ends where the next line does
        # not carry it on.
        if (self.pending_function is not None and self.pending_function[1] < number and self.parens == self.pending_function[2]
                and stripped and not stripped.startswith(CONTINUES) and not self.previous.rstrip().endswith(CONTINUES + ("(", ":", "="))):
            self.pending_function = None
        match = FUNCTION.search(code) or COMPUTED.search(code)
        if match and self.pending_function is None:
            self.pending_function = (match.group(0).strip(), number, self.parens)
        type_match = TYPE.search(code)
        if type_match and self.pending_type is None and not stripped.startswith("import"):
            public = re.search(r"\b(public|open)\b", code[:type_match.start()]) is not None
            self.pending_type = (type_match.group(2), type_match.group(1), public, self.parens)
        inside = self.types[-1] if self.types and self.types[-1][1] == self.depth else None
        if PUBLIC.match(code):
            self.count(code)
        elif inside and inside[3] and inside[2] == "enum" and CASE.match(code):
            self.count(code, cases_on(code))
        elif inside and inside[3] and inside[2] == "protocol" and REQUIREMENT.match(code):
            self.count(code)
        for character in code:
            if character in "([":
                self.parens += 1
            elif character in ")]":
                self.parens -= 1
            elif character == "{":
                self.depth += 1
                if self.pending_function is not None and self.parens == self.pending_function[2]:
                    self.functions.append((self.pending_function[0], self.pending_function[1], self.depth))
                    self.pending_function = None
                    self.pending_type = None
                elif self.pending_type is not None and self.pending_function is None and self.parens == self.pending_type[3]:
                    name, kind, public, _ = self.pending_type
                    self.types.append((name, self.depth, kind, public))
                    self.pending_type = None
            elif character == "}":
                if self.functions and self.functions[-1][2] == self.depth:
                    name, start, _ = self.functions.pop()
                    if number - start + 1 > MAX_FUNCTION_LINES:
                        self.problems.append(
                            f"{self.relative}:{start}: {name} is {number - start + 1} lines (at most {MAX_FUNCTION_LINES})")
                if self.types and self.types[-1][1] == self.depth:
                    self.types.pop()
                self.depth -= 1
        if stripped:
            self.previous = stripped


def check_sources():
    problems = []
    members = {}
    for path in sorted((REPO / "Sources").rglob("*.swift")):
        if GENERATED.search(path.name):
            continue
        shape = SourceShape(path.relative_to(REPO), members, problems)
        for number, code in code_lines(path):
            shape.line(number, code)
    by_type = {}
    for (file, name), count in members.items():
        by_type[name] = by_type.get(name, 0) + count
    for name, count in sorted(by_type.items()):
        if count > MAX_PUBLIC_MEMBERS:
            problems.append(f"type {name} has {count} public members (at most {MAX_PUBLIC_MEMBERS})")
    if "--members" in sys.argv:
        for name, count in sorted(by_type.items(), key=lambda item: -item[1])[:15]:
            print(f"{count:4d} {name}")
    return problems


def main():
    targets = described_targets()
    problems = check_arrows(targets) + check_module_table(targets) + check_module_drawing(targets) + check_sources()
    for problem in problems:
        print(f"check_house: {problem}", file=sys.stderr)
    if problems:
        sys.exit(1)
    print("check_house: ok: module arrows, the module drawing and table, function lengths, public members per type")


if __name__ == "__main__":
    main()
