"""Run a command and write its peak resident memory (KiB) to a file: `rss_wrap.py OUT -- CMD…`."""

from __future__ import annotations

import resource
import subprocess
import sys
from pathlib import Path

if __name__ == "__main__":
    out, command = Path(sys.argv[1]), sys.argv[3:]
    subprocess.run(command, check=False)
    out.write_text(str(resource.getrusage(resource.RUSAGE_CHILDREN).ru_maxrss))
