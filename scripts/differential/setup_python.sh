#!/bin/sh
# Builds a pure-Python CPython asyncio package under /tmp from a git mirror of RustPython, whose
# Lib/asyncio is a verbatim copy of CPython's (commit c5deb740a: CPython 3.13.11; HEAD: 3.14.x).
# Nothing of it enters this repository.
#
#   sh scripts/differential/setup_python.sh <mirror-git-dir> [commit] [dest]
#   e.g. sh scripts/differential/setup_python.sh /work/.mirror/RustPython+RustPython/repo            # 3.13.11 -> /tmp/pyasyncio313
#        sh scripts/differential/setup_python.sh /work/.mirror/RustPython+RustPython/repo HEAD /tmp/pyasyncio314
set -eu
MIRROR=${1:?usage: setup_python.sh <mirror-git-dir> [commit] [dest]}
COMMIT=${2:-c5deb740a}
DEST=${3:-/tmp/pyasyncio313}
rm -rf "$DEST"
mkdir -p "$DEST/asyncio"
for f in $(git -C "$MIRROR" ls-tree --name-only "$COMMIT" Lib/asyncio/); do
  git -C "$MIRROR" show "$COMMIT:$f" > "$DEST/asyncio/$(basename "$f")"
done
# Force the pure-Python Future/Task: the vendored modules must not pick up python3.11's C _asyncio.
python3 - "$DEST" <<'PY'
import glob, re, sys
for f in glob.glob(sys.argv[1] + '/asyncio/*.py'):
    s = open(f).read()
    n = s.replace('    import _asyncio\n', '    raise ImportError("vendored: pure-Python asyncio")  # was: import _asyncio\n')
    n = re.sub(r'    from _asyncio import \(', '    raise ImportError("vendored: pure-Python asyncio")\n    from _asyncio import (', n)
    # 3.14's graph.py annotates with io.Writer (3.14+): keep annotations unevaluated on 3.11.
    if f.endswith('/graph.py') and 'from __future__ import annotations' not in n:
        n = 'from __future__ import annotations  # vendored for python3.11\n' + n
    if n != s:
        open(f, 'w').write(n)
PY
PYTHONPATH="$DEST" python3 -c 'import asyncio, asyncio.tasks as t, sys; assert asyncio.Task is t._PyTask, "C Task picked up"; assert hasattr(asyncio.Queue, "shutdown"); print("ok:", asyncio.__file__, "on python", sys.version.split()[0])'
