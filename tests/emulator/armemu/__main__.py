"""``python -m armemu --estate FILE``: serve until interrupted, after printing one JSON line."""

import argparse
import json
import os
import signal
import sys
import threading

from .core.settings import OPERATION_KINDS, PROFILES
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
    parser.add_argument("--profile", choices=sorted(PROFILES), default="fast",
                        help="fast (default: no throttling, no latency) or azure (ARM's token buckets, latency, Azure's durations)")
    parser.add_argument("--throttle", action="append", default=[], metavar="KIND=BUCKET:REFILL",
                        help="a token bucket, e.g. writes=200:10 (kinds: reads, writes, deletes); repeatable; replaces that kind's bucket of the profile")
    parser.add_argument("--read-latency", type=float, help="seconds added to each ARM read")
    parser.add_argument("--write-latency", type=float, help="seconds added to each ARM write or delete")
    parser.add_argument("--duration", action="append", default=[], metavar="KIND=SECONDS",
                        help=f"seconds an operation kind takes, repeatable; kinds: {', '.join(sorted(OPERATION_KINDS))}")
    parser.add_argument("--token-lifetime", type=int, help="seconds an access token lives (default 3599)")
    parser.add_argument("--state-file", help="keep the world in this file: loaded at start if it exists, saved as it changes")
    return parser.parse_args(argv)


def settings_from(args):
    """The settings the options ask for beyond the profile, as ``POST /_emulator/settings`` takes them."""
    settings = {}
    if args.throttle:
        settings["throttle"] = {kind: dict(bucket) for kind, bucket in PROFILES[args.profile]["throttle"].items()}
        for spec in args.throttle:
            kind, dummy, numbers = spec.partition("=")
            size, dummy, refill = numbers.partition(":")
            settings["throttle"][kind] = {"bucket": int(size), "refill": float(refill)}
    latency = {name: value for name, value in (("read", args.read_latency), ("write", args.write_latency)) if value is not None}
    if latency:
        settings["latency"] = latency
    if args.duration:
        settings["durations"] = {kind: float(seconds) for kind, dummy, seconds in (spec.partition("=") for spec in args.duration)}
    if args.token_lifetime is not None:
        settings["token_lifetime"] = args.token_lifetime
    return settings


def write_atomically(path, text):
    """Write via a temporary file and rename, so a script polling for ``path`` never reads half a line."""
    temporary = f"{path}.tmp"
    with open(temporary, "w", encoding="utf-8") as handle:
        handle.write(text)
    os.replace(temporary, path)


def main(argv=None):
    args = parse_args(argv)
    try:
        settings = settings_from(args)
        emu = Emulator(args.estate, host=args.host, port=args.port, state_dir=args.state_dir,
                       lro_delay=args.lro_delay, retry_after=args.retry_after, page_size=args.page_size,
                       profile=args.profile, settings=settings, state_file=args.state_file).start()
    except ValueError as err:
        print(f"armemu: {err}", file=sys.stderr)
        return 2
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
