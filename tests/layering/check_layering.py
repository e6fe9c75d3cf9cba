#!/usr/bin/env python3
"""The layering of joulegrid's folders, checked from the code's own includes.

Every folder may include only the folders below it (ARCHITECTURE §2):

    vocabulary <- io, meters <- models <- rank <- orchestrator/{plan, predict,
    reduce} <- orchestrator/farm <- orchestrator/cli

and libtorch (<torch/...>, <ATen/...>, <c10/...>) is included only in
models/ and rank/, directly or through any header a file includes: a header
of rank/ that the orchestrator includes must not bring torch with it.

    check_layering.py ROOT         exit 1 naming every include that breaks a rule
    check_layering.py --self-test  proves on a made-up tree that both rules are caught
"""

import os
import re
import sys
import tempfile

# Folder -> the folders its files may include (its own always).
ALLOWED = {
    "vocabulary": set(),
    "io": {"vocabulary"},
    "meters": {"vocabulary"},
    "models": {"io", "vocabulary"},
    "rank": {"models", "meters", "io", "vocabulary"},
    "orchestrator/plan": {"io", "vocabulary"},
    "orchestrator/predict": {"models", "io", "vocabulary"},
    "orchestrator/reduce": {"io", "vocabulary"},
    "orchestrator/farm": {"orchestrator/plan", "orchestrator/predict", "orchestrator/reduce", "rank", "meters",
                          "io", "vocabulary"},
    "orchestrator/cli": {"orchestrator/farm", "orchestrator/plan", "orchestrator/predict", "orchestrator/reduce",
                         "rank", "models", "meters", "io", "vocabulary"},
}
# A file right in orchestrator/ (none today) counts as the command line's.
ALLOWED["orchestrator"] = ALLOWED["orchestrator/cli"] | {"orchestrator/cli"}
TORCH_FOLDERS = {"models", "rank"}
TORCH = re.compile(r'^\s*#\s*include\s*<(torch|ATen|c10)/')
PROJECT = re.compile(r'^\s*#\s*include\s*"([^"]+)"')


def folder_of(path):
    """The layering folder a repository path belongs to, or None (tests, bench)."""
    best = None
    for f in ALLOWED:
        if path == f or path.startswith(f + "/"):
            if best is None or len(f) > len(best):
                best = f
    return best


def sources(root):
    for top in ALLOWED:
        base = os.path.join(root, top)
        if not os.path.isdir(base):
            continue
        for d, _, names in os.walk(base):
            for n in names:
                if n.endswith((".cpp", ".hpp", ".h", ".cc")):
                    yield os.path.relpath(os.path.join(d, n), root)


def includes(root, path):
    project, torch = [], []
    with open(os.path.join(root, path), encoding="utf-8", errors="replace") as f:
        for number, line in enumerate(f, 1):
            if TORCH.match(line):
                torch.append(number)
            m = PROJECT.match(line)
            if m and os.path.exists(os.path.join(root, m.group(1))):
                project.append((number, m.group(1)))
    return project, torch


def check(root):
    problems = []
    files = sorted(set(sources(root)))
    graph, direct_torch = {}, {}
    for path in files:
        graph[path], direct_torch[path] = includes(root, path)

    for path in files:
        mine = folder_of(path)
        for number, target in graph[path]:
            theirs = folder_of(target)
            if theirs is None or theirs == mine:
                continue
            if theirs not in ALLOWED[mine]:
                problems.append(f"{path}:{number}: includes {target}: {mine}/ may not include {theirs}/ "
                                f"(it may include {', '.join(sorted(ALLOWED[mine])) or 'nothing else'})")

    def torch_through(path, seen):
        """A chain of includes from `path` to a file that includes torch, or None."""
        if direct_torch.get(path):
            return [path]
        seen.add(path)
        for _, target in graph.get(path, []):
            if target in seen or target not in graph:
                continue
            chain = torch_through(target, seen)
            if chain:
                return [path] + chain
        return None

    for path in files:
        if folder_of(path).split("/")[0] in TORCH_FOLDERS:
            continue
        chain = torch_through(path, set())
        if chain:
            problems.append(f"{path}: pulls in libtorch through {' -> '.join(chain)}: only models/ and rank/ "
                            f"may include it; include a torch-free header instead")
    return problems


def self_test():
    with tempfile.TemporaryDirectory() as root:
        def write(path, text):
            os.makedirs(os.path.dirname(os.path.join(root, path)), exist_ok=True)
            with open(os.path.join(root, path), "w") as f:
                f.write(text)
        write("vocabulary/word.hpp", "#pragma once\n")
        write("io/spec.hpp", '#include "vocabulary/word.hpp"\n')
        write("rank/trainer.hpp", "#include <torch/torch.h>\n")
        write("rank/child.hpp", "#pragma once\n")
        write("orchestrator/reduce/reduce.cpp", '#include "io/spec.hpp"\n')
        clean = check(root)
        if clean:
            print("self-test: a clean tree was refused:\n" + "\n".join(clean))
            return 1
        write("io/up.cpp", '#include "orchestrator/reduce/reduce.cpp"\n')
        write("orchestrator/cli/cli.cpp", '#include "rank/trainer.hpp"\n')
        found = check(root)
        up = any("io/up.cpp" in p and "may not include orchestrator/reduce/" in p for p in found)
        leak = any("orchestrator/cli/cli.cpp" in p and "libtorch" in p for p in found)
        if not (up and leak):
            print("self-test: missed " + ("an include up the layering " if not up else "") +
                  ("libtorch leaking out of rank/" if not leak else "") + ":\n" + "\n".join(found))
            return 1
    print("self-test: an include up the layering and a torch leak are both caught")
    return 0


def main():
    if len(sys.argv) == 2 and sys.argv[1] == "--self-test":
        return self_test()
    if len(sys.argv) != 2:
        print(__doc__)
        return 2
    problems = check(sys.argv[1])
    for p in problems:
        print(p)
    if not problems:
        print("layering holds: every include points down, and libtorch stays in models/ and rank/")
    return 1 if problems else 0


if __name__ == "__main__":
    sys.exit(main())
