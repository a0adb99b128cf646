"""Summary of a py-spy "raw" profile (collapsed stacks): where the server's time goes.

    .venv/bin/python bench/stacks.py FILE [--top 30] [--match passnum]

Each line of FILE is `frame;frame;…;frame COUNT`, outermost frame first. Prints the functions
with the most samples including callees (inclusive) and on top of the stack (self).
"""

import argparse
import re
import sys
from collections import Counter

_FRAME = re.compile(r"^(?P<function>.*?) \((?P<file>[^()]*?)(?::\d+)?\)$")


def _name(frame: str) -> str:
    match = _FRAME.match(frame)
    if not match:
        return frame
    return f"{match['function']} ({match['file']})"


def load(path: str) -> tuple[Counter, Counter, int]:
    inclusive: Counter = Counter()
    own: Counter = Counter()
    total = 0
    with open(path) as lines:
        for line in lines:
            stack, _space, count_text = line.rstrip("\n").rpartition(" ")
            if not stack or not count_text.isdigit():
                continue
            count = int(count_text)
            frames = [_name(frame) for frame in stack.split(";")]
            total += count
            own[frames[-1]] += count
            for name in set(frames):
                inclusive[name] += count
    return inclusive, own, total


def summary(path: str, top: int = 30, match: str = "") -> str:
    inclusive, own, total = load(path)
    if not total:
        return f"{path}: no samples"
    out = [f"{total} samples in {path}", "", f"inclusive (top {top}, filter {match!r}):"]
    shown = 0
    for name, count in inclusive.most_common():
        if match and match not in name:
            continue
        out.append(f"  {100 * count / total:5.1f} %  {name}")
        shown += 1
        if shown == top:
            break
    out += ["", f"self (top {top}):"]
    for name, count in own.most_common(top):
        out.append(f"  {100 * count / total:5.1f} %  {name}")
    return "\n".join(out)


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("file")
    parser.add_argument("--top", type=int, default=30)
    parser.add_argument("--match", default="", help="only inclusive frames containing this")
    args = parser.parse_args()
    print(summary(args.file, args.top, args.match))
    return 0


if __name__ == "__main__":
    sys.exit(main())
