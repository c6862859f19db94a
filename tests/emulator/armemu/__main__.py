"""``python -m armemu --estate FILE``: serve until interrupted, after printing one JSON line."""

import argparse
import json
import os
import signal
import sys
import threading

from .server import Emulator


def parse_args(argv):
    parser = argparse.ArgumentParser(prog="armemu", description="Local Azure Resource Manager emulator (HTTPS).")
    parser.add_argument("--estate", required=True, help="estate file (YAML or JSON)")
    parser.add_argument("--host", default="127.0.0.1")
    parser.add_argument("--port", type=int, default=0, help="0 picks a free port")
    parser.add_argument("--state-dir", help="where the CA and server certificate live (default: a temporary directory)")
    parser.add_argument("--lro-delay", type=float, default=1.0, help="seconds an operation stays InProgress")
    parser.add_argument("--retry-after", type=int, default=1, help="Retry-After whole seconds on 202s and polls")
    parser.add_argument("--page-size", type=int, default=50, help="items per page on paged lists")
    parser.add_argument("--ready-file", help="also write the start-up JSON to this file")
    return parser.parse_args(argv)


def write_atomically(path, text):
    """Write via a temporary file and rename, so a script polling for ``path`` never reads half a line."""
    temporary = f"{path}.tmp"
    with open(temporary, "w", encoding="utf-8") as handle:
        handle.write(text)
    os.replace(temporary, path)


def main(argv=None):
    args = parse_args(argv)
    emu = Emulator(args.estate, host=args.host, port=args.port, state_dir=args.state_dir,
                   lro_delay=args.lro_delay, retry_after=args.retry_after, page_size=args.page_size).start()
    line = json.dumps(emu.info())
    if args.ready_file:
        write_atomically(args.ready_file, line + "\n")
    print(line, flush=True)
    stopping = threading.Event()
    signal.signal(signal.SIGTERM, lambda *_: stopping.set())
    try:
        stopping.wait()
    except KeyboardInterrupt:
        pass
    finally:
        emu.stop()
    return 0


if __name__ == "__main__":
    sys.exit(main())
