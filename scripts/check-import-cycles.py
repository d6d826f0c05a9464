#!/usr/bin/env python3
"""Fails when a crate's modules import each other in a cycle.

Each `.rs` file is a module. A module depends on another when it names it in a path
(`use crate::a::b`, `super::x::Y`, `self::x`, `x::Y` for a child `x`), including `pub use`
re-exports. A parent's `mod x;` declaration alone is not a dependency. The strongly connected
components of that graph of more than one module are the cycles; the script prints each with
the lines that close it, and exits 1 if there is any.

Usage: check-import-cycles.py CRATE_SRC_DIR [CRATE_SRC_DIR ...]
"""
import os
import re
import sys

IDENT = r"[A-Za-z_][A-Za-z0-9_]*"


def modules(src):
    """{module path (tuple): file} of each crate rooted in src (lib.rs, main.rs), following
    `mod x;` declarations from the root, as the compiler does; a binary beside a library is
    its own crate, so its modules are keyed under `<bin>`."""
    out = {}
    for root_name in ("lib.rs", "main.rs"):
        root = os.path.join(src, root_name)
        if not os.path.exists(root):
            continue
        key = () if root_name == "lib.rs" or not os.path.exists(os.path.join(src, "lib.rs")) else ("<bin>",)
        todo = [(key, root, src)]
        while todo:
            path, file, directory = todo.pop()
            if path in out:
                continue
            out[path] = file
            code = strip_tests(strip(open(file, encoding="utf-8").read()))
            for name in re.findall(r"\bmod\s+(" + IDENT + r")\s*;", code):
                for cand in (os.path.join(directory, name + ".rs"), os.path.join(directory, name, "mod.rs")):
                    if os.path.exists(cand):
                        todo.append((path + (name,), cand, os.path.join(directory, name)))
                        break
    return out


def strip_tests(code):
    """The code without its test modules (`#[cfg(test)]`, `#[cfg(all(test, ...))]` before
    `mod name { ... }`): tests may reach anywhere."""
    while True:
        m = re.search(
            r"#\[cfg\([^\]]*\btest\b[^\]]*\)\]\s*(?:#\[[^\]]*\]\s*)*(?:pub(?:\([^)]*\))?\s+)?mod\s+"
            + IDENT
            + r"\s*\{",
            code,
        )
        if not m:
            return code
        depth, i = 1, m.end()
        while i < len(code) and depth:
            depth += {"{": 1, "}": -1}.get(code[i], 0)
            i += 1
        code = code[: m.start()] + code[i:]


def strip(text):
    """The code without comments and string literals (so docs and messages name nothing).

    One pass, left to right, so that `//` inside a string is not a comment, a string's last
    letter (`"error"`) is not the `r` of a raw string, and a quote inside a raw string or a
    comment opens nothing. Newlines are kept, so line numbers stay right."""
    token = re.compile(
        r"/\*.*?\*/"  # block comment
        r"|//[^\n]*"  # line comment
        r'|(?<![A-Za-z0-9_])b?r(#*)".*?"\1'  # raw string
        r'|"(?:\\.|[^"\\])*"'  # string
        r"|'(?:\\.|[^'\\])'",  # char literal
        re.S,
    )

    def blank(m):
        t = m.group(0)
        keep = "\n" * t.count("\n")
        return keep if t.startswith("/") else '""' + keep

    return token.sub(blank, text)


def expand_use(tree):
    """Paths of a use tree: `a::{b, c::{d, e}}` -> a::b, a::c::d, a::c::e."""
    tree = tree.replace(" ", "").replace("\n", "")
    depth, start, items = 0, 0, []
    brace = tree.find("{")
    if brace < 0:
        return [re.sub(r"as" + IDENT + "$", "", tree)] if tree else []
    prefix, inner = tree[:brace], tree[brace + 1 : tree.rfind("}")]
    for i, c in enumerate(inner):
        if c == "{":
            depth += 1
        elif c == "}":
            depth -= 1
        elif c == "," and depth == 0:
            items.append(inner[start:i])
            start = i + 1
    items.append(inner[start:])
    return [prefix + p for item in items if item for p in expand_use(item)]


def resolve(path, here, mods, children, reexports):
    """The module a path names, seen from module `here`, or None (an external crate). An
    item a module re-exports (`pub use a::X`) is resolved to where it comes from."""
    parts = path.split("::")
    if parts[0] == "crate":
        base, rest = here[:1] if here[:1] == ("<bin>",) else (), parts[1:]
    elif parts[0] in ("super", "self"):
        base = here
        while parts and parts[0] in ("super", "self"):
            if parts[0] == "super":
                base = base[:-1]
            parts = parts[1:]
        rest = parts
    elif parts[0] in children:
        base, rest = here, parts
    else:
        return None
    best, i = base, 0
    while i < len(rest):
        cand = best + (rest[i],)
        if cand in mods:
            best = cand
            i += 1
        elif rest[i] in reexports.get(best, {}):
            best = reexports[best][rest[i]]
            i += 1
        else:
            break
    return best


def graph(src):
    mods = modules(src)
    edges = {m: {} for m in mods}
    # First pass: what each module's `use` declarations bring in, by name (a path through
    # them names where the item comes from, as for a `pub use` re-export).
    reexports = {}
    for here, file in mods.items():
        code = strip_tests(strip(open(file, encoding="utf-8").read()))
        children = set(re.findall(r"\bmod\s+(" + IDENT + r")\s*;", code))
        for m in re.finditer(r"\buse\s+([^;]+);", code):
            for p in expand_use(m.group(1)):
                name = p.split("::")[-1]
                target = resolve(p.rsplit("::", 1)[0], here, mods, children, {}) if "::" in p else None
                if target is not None and name not in ("*", "self"):
                    reexports.setdefault(here, {})[name] = target
    for here, file in mods.items():
        code = strip_tests(strip(open(file, encoding="utf-8").read()))
        children = set(re.findall(r"\bmod\s+(" + IDENT + r")\s*;", code))
        paths = []
        for m in re.finditer(r"\buse\s+([^;]+);", code):
            line = code.count("\n", 0, m.start()) + 1
            paths += [(p, line) for p in expand_use(m.group(1))]
        for m in re.finditer(r"\b((?:crate|super|self)(?:::" + IDENT + r")+)", code):
            line = code.count("\n", 0, m.start()) + 1
            paths.append((m.group(1), line))
        for m in re.finditer(r"(?<![:\w])(" + IDENT + r")::(" + IDENT + ")", code):
            if m.group(1) in children:
                line = code.count("\n", 0, m.start()) + 1
                paths.append((m.group(0), line))
        for path, line in paths:
            target = resolve(path, here, mods, children, reexports)
            if target is not None and target != here:
                edges[here].setdefault(target, line)
    return mods, edges


def sccs(edges):
    index, low, stack, on, out, counter = {}, {}, [], set(), [], [0]

    def visit(v):
        index[v] = low[v] = counter[0]
        counter[0] += 1
        stack.append(v)
        on.add(v)
        for w in edges[v]:
            if w not in index:
                visit(w)
                low[v] = min(low[v], low[w])
            elif w in on:
                low[v] = min(low[v], index[w])
        if low[v] == index[v]:
            comp = []
            while True:
                w = stack.pop()
                on.discard(w)
                comp.append(w)
                if w == v:
                    break
            out.append(comp)

    sys.setrecursionlimit(10000)
    for v in sorted(edges):
        if v not in index:
            visit(v)
    return [c for c in out if len(c) > 1]


def main():
    failed = 0
    for src in sys.argv[1:]:
        mods, edges = graph(src)
        name = lambda m: "::".join(m) or "(crate root)"
        cycles = sccs(edges)
        for comp in cycles:
            failed += 1
            members = set(comp)
            print(f"{src}: import cycle among {', '.join(sorted(name(m) for m in comp))}")
            for a in sorted(comp):
                for b, line in sorted(edges[a].items()):
                    if b in members:
                        print(f"  {mods[a]}:{line} uses {name(b)}")
        print(f"{src}: {len(mods)} modules, {len(cycles)} import cycles")
    sys.exit(1 if failed else 0)


if __name__ == "__main__":
    main()
