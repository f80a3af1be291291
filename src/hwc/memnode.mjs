// The import instrument of `hwc memory` (driven by src/hwc/memory.py; see its docstring).
//
// Runs the official MicroPython WebAssembly build (@micropython/micropython-webassembly-pyscript
// 1.27.0: wasm32, so 32-bit objects and 16-byte GC blocks, as on the Titano) under Node.js with a
// GC heap that behaves like the board's:
//
// * Capped. The build's `heapsize` is only the first heap area: when it is full, the GC adds a
//   new area (MICROPY_GC_SPLIT_HEAP_AUTO, up to 128 MiB) with malloc, which grows the wasm
//   memory. Here the wasm memory may not grow after start-up (WebAssembly.Memory.prototype.grow
//   throws) and malloc's own free space is used up by the runner (a reserve of about 64 KB in
//   small pieces is left for the JavaScript glue), so a new area can never be had: an allocation
//   that does not fit raises MemoryError, where the board's would.
// * Collected between pieces. This build's gc.collect() (and a full heap) only marks a collection
//   as pending; it runs when control is back in JavaScript, where no Python frame holds a pointer.
//   So the program runs as pieces (one import per piece), each ending in gc.collect().
// * Exceptions are caught inside Python (an exception handed back to JavaScript on a full heap can
//   hang the glue): each piece prints a marker line instead.
// * Free space is read from micropython.mem_info() ("GC: total, used, free" and "max free sz" in
//   16-byte blocks), not gc.mem_free(), which adds the 128 MiB the build could still split off.
//
// Input (JSON on stdin):
//   {tree: host dir copied to /lib (first and only entry of sys.path),
//    heap_bytes: the board's heap (196608), flash: [[module name, path under tree]] (compiled into
//    the bottom of the heap before anything else, the heap enlarged by exactly what they take:
//    the "flash" of the frozen modules), steps: [{label, code, peak}]}
// Output: one JSON object per line: {"boot": ...}, then per step
//   {label, ok, error, total, used, free, largest, peak_need}.
// peak_need (when step.peak): the least largest free block with which the step still succeeds
// (the smaller free blocks staying as they are), found by bisecting a filler bytearray allocated
// first-fit before the step (it goes into the largest block once it is bigger than every other),
// on a snapshot of the wasm memory restored for every try.

import { readFileSync, readdirSync, statSync } from "node:fs";
import { join } from "node:path";

let wasmMemory = null;
let growAllowed = true;
const origInstantiate = WebAssembly.instantiate;
WebAssembly.instantiate = async (...args) => {
  const result = await origInstantiate(...args);
  const instance = result.instance || result;
  for (const v of Object.values(instance.exports)) if (v instanceof WebAssembly.Memory) wasmMemory = v;
  return result;
};
const origGrow = WebAssembly.Memory.prototype.grow;
WebAssembly.Memory.prototype.grow = function (pages) {
  if (!growAllowed) throw new RangeError("hwc memory: the wasm memory may not grow (heap capped)");
  return origGrow.call(this, pages);
};
console.error = () => {}; // emscripten reports every refused growth on stderr: expected here

// Where the GC heap lies. MicroPython's collector is conservative: every word of every live
// block that holds the address of a heap block keeps that block alive, data included (a
// module's table of 16-bit string numbers, bytecode, arrays of small integers). On the board
// the heap is at 0x2000xxxx (the SAMD51's RAM), an address that such data rarely spells; the
// build's own heap would lie at a few hundred KB, where two 16-bit numbers of 3..8 do, and
// unrelated objects (once a forgotten 15 KB settings table) stayed alive at random. So the
// runner takes the wasm memory below HEAP_BASE before MicroPython allocates its heap (the
// glue sets globalThis.Module between its run-time start and mp_js_init): the heap then lies
// above HEAP_BASE, as the board's does. Snapshots skip the untouched space below.
const HEAP_BASE = 0x20000000;
let lowPad = null; // [start, end) of the space taken below HEAP_BASE
Object.defineProperty(globalThis, "Module", {
  configurable: true,
  get() { return this.__hwcModule; },
  set(M) {
    this.__hwcModule = M;
    if (M && M._malloc && growAllowed) {
      const probe = M._malloc(16);
      M._free(probe);
      if (probe < HEAP_BASE) {
        const start = M._malloc(HEAP_BASE - probe);
        if (!start) throw new Error("hwc memory: could not place the heap at 0x20000000");
        lowPad = [start, start + (HEAP_BASE - probe)];
      }
    }
  },
});

const { loadMicroPython } = await import("@micropython/micropython-webassembly-pyscript");

const MARK = "\x01HWC ";
const RESERVE_BYTES = 64 * 1024;

function copyTree(FS, hostDir, guestDir) {
  FS.mkdirTree(guestDir);
  for (const name of readdirSync(hostDir)) {
    const host = join(hostDir, name);
    const guest = guestDir + "/" + name;
    if (statSync(host).isDirectory()) copyTree(FS, host, guest);
    else FS.writeFile(guest, readFileSync(host));
  }
}

async function boot(job, heapBytes) {
  growAllowed = true;
  lowPad = null;
  const lines = [];
  const mp = await loadMicroPython({ heapsize: heapBytes, pystack: 4096, stdout: (s) => lines.push(s), linebuffer: true });
  const M = mp._module;
  growAllowed = false;
  // Use up malloc's free space (so no new GC area can be had), then give back small pieces
  // for the glue's own mallocs (code buffers, result cells).
  const held = [];
  for (let size = 1 << 26; size >= 16;) {
    const p = M._malloc(size);
    if (p) held.push([p, size]);
    else size >>= 1;
  }
  let reserve = 0;
  while (reserve < RESERVE_BYTES && held.length) {
    const [p, size] = held.pop();
    M._free(p);
    reserve += size;
  }
  // A freed piece can merge with free space next to it: take back every free chunk of 32 KB
  // or more, so that the glue has its small pieces and the GC never a new area.
  for (let size = 1 << 26; size >= 32768;) {
    const p = M._malloc(size);
    if (p) held.push([p, size]);
    else size >>= 1;
  }
  copyTree(mp.FS, job.tree, "/lib");
  const vm = { mp, lines };
  piece(vm, "import sys, gc, micropython\nsys.path[:] = ['/lib']\nsys.modules.clear()");
  return vm;
}

// Run one piece: code, wrapped so that any exception is reported as a marker line, ending in
// gc.collect() (the collection runs when control is back here). Returns the marker's text.
function piece(vm, code, label = "") {
  const body = code.split("\n").map((l) => "    " + l).join("\n");
  const src =
    "try:\n" + body + "\n" +
    "    print('" + MARK + "ok')\n" +
    "except MemoryError:\n" +
    "    print('" + MARK + "MemoryError')\n" +
    "except BaseException as _hwc_e:\n" +
    "    print('" + MARK + "error')\n" +
    "    sys.print_exception(_hwc_e)\n" +
    "    _hwc_e = None\n" +
    "gc.collect()\n";
  const start = vm.lines.length;
  try {
    vm.mp.runPython(src);
  } catch (e) {
    // Not even the piece's own code could be compiled (a full heap while bisecting), or the glue failed.
    const result = /MemoryError/.test(e.message) ? "MemoryError" : "error";
    return { result, text: "JavaScript: " + e.message.slice(0, 500) };
  }
  try {
    vm.mp.runPython("0"); // the pending collection runs on the way in and out
  } catch (e) {
    // the heap is too full even for this (a filler while bisecting): the piece's result stands
  }
  const out = vm.lines.slice(start);
  const markIndex = out.findIndex((l) => l.startsWith(MARK));
  if (markIndex < 0) return { result: "error", text: out.join("\n") || "no marker (" + label + ")" };
  const result = out[markIndex].slice(MARK.length);
  return { result, text: out.filter((l, i) => i !== markIndex).join("\n") };
}

function heap(vm) {
  const start = vm.lines.length;
  vm.mp.runPython("micropython.mem_info()\nmicropython.qstr_info()");
  const text = vm.lines.slice(start).join("\n");
  const q = /n_pool=(\d+), n_qstr=(\d+), n_str_data_bytes=(\d+), n_total_bytes=(\d+)/.exec(text);
  const gc = /GC: total: (\d+), used: (\d+), free: (\d+)/.exec(text);
  const blk = /max free sz: (\d+)/.exec(text);
  if (!gc || !blk) throw new Error("no mem_info in: " + text);
  return { total: +gc[1], used: +gc[2], free: +gc[3], largest: 16 * +blk[1], qstr_bytes: q ? +q[4] : null,
           qstr_pools: q ? +q[1] : null, qstrs: q ? +q[2] : null, qstr_str_bytes: q ? +q[3] : null };
}

// The "flash" phase, before the baseline: each frozen module's code compiled (one piece each),
// then the test equipment imported.
function flash(vm, job) {
  let r = piece(vm, "import _hwc_flash", "flash loader");
  if (r.result !== "ok") return r;
  for (const [name, path] of job.flash) {
    r = piece(vm, `_hwc_flash.load(${JSON.stringify(name)}, ${JSON.stringify("/lib/" + path)})`, name);
    if (r.result !== "ok") return { result: r.result, text: name + ": " + r.text };
  }
  for (const name of job.equipment || []) {
    r = piece(vm, "import " + name, name);
    if (r.result !== "ok") return { result: r.result, text: name + ": " + r.text };
  }
  // Compiling left holes between the code objects: fill them with one-block objects (first fit
  // takes the lowest free blocks), so the free heap is one block at the top, as a fresh board's.
  for (let round = 0; round < 6; round++) {
    const h = heap(vm);
    const blocks = Math.floor((h.free - h.largest) / 16);
    if (blocks <= 2) break;
    r = piece(vm, `_hwc_flash.fill(${blocks})`, "fill");
    if (r.result !== "ok") return { result: r.result, text: "fill: " + r.text };
  }
  return r;
}

// The heap, enlarged by what the frozen modules' code takes, so that the free space left after
// loading them equals a plain heap_bytes heap's (the GC's own tables grow with the area: solved
// by a few rounds of correction).
async function bootCalibrated(job) {
  const plain = await boot(job, job.heap_bytes);
  const target = heap(plain);
  let size = job.heap_bytes + 512 * 1024;
  for (let round = 0; round < 6; round++) {
    const vm = await boot(job, size);
    const loaded = flash(vm, job);
    if (loaded.result !== "ok") throw new Error("loading the frozen modules failed: " + loaded.result + " " + loaded.text);
    const now = heap(vm);
    const off = now.free - target.free;
        if (Math.abs(off) <= 64) return { vm, target, heapBytes: size, flashBytes: now.used - target.used, now };
    size -= Math.round(off * 1.025);
  }
  throw new Error("could not size the heap for the frozen modules");
}

function snapshot() {
  const all = new Uint8Array(wasmMemory.buffer);
  if (!lowPad) return [[0, all.slice()]];
  return [[0, all.slice(0, lowPad[0])], [lowPad[1], all.slice(lowPad[1])]];
}

function restore(copy) {
  const all = new Uint8Array(wasmMemory.buffer);
  for (const [at, bytes] of copy) all.set(bytes, at);
}

function peakNeed(vm, step, before) {
  // Largest filler with which the step still succeeds (null when it fails without one).
  const saved = snapshot();
  if (piece(vm, step.code, step.label).result !== "ok") {
    restore(saved);
    return null;
  }
  let lo = 0; // known good (the step succeeded without a filler)
  let hi = before.largest; // known bad
  while (hi - lo > 64) {
    const mid = Math.floor((lo + hi) / 2 / 16) * 16;
    restore(saved);
    const fill = piece(vm, `_hwc_fill = bytearray(${Math.max(0, mid - 16)})`, "filler");
    let ok = false;
    if (fill.result === "ok") ok = piece(vm, step.code, step.label).result === "ok";
    if (ok) lo = mid;
    else hi = mid;
  }
  restore(saved);
  return before.largest - lo;
}

async function main() {
  const job = JSON.parse(readFileSync(0, "utf8"));
  const t0 = Date.now();
  const { vm, target, heapBytes, flashBytes } = await bootCalibrated(job);
  const start = heap(vm);
  // What a piece costs by itself (compiling its own wrapper): taken off every step's peak.
  const pieceNeed = peakNeed(vm, { label: "empty piece", code: "pass" }, start);
  console.log(JSON.stringify({ boot: { heap_bytes: heapBytes, flash_bytes: flashBytes, plain: target, start,
                                       piece_need: pieceNeed, ms: Date.now() - t0 } }));
  let previous = start;
  for (const step of job.steps) {
    let peak = null;
    if (step.peak) peak = peakNeed(vm, step, previous);
    let r = piece(vm, step.code, step.label);
    let now = heap(vm);
    let low = null;
    if (step.tick && r.result === "ok") {
      // The event loop, one wake-up per piece (collected after each), until the guest says
      // the time is up; the least free heap and largest block seen between wake-ups.
      low = { free: now.free, largest: now.largest, ticks: 0 };
      const texts = [r.text];
      for (let i = 0; i < step.max_ticks; i++) {
        r = piece(vm, step.tick, step.label);
        now = heap(vm);
        low.ticks++;
        low.free = Math.min(low.free, now.free);
        low.largest = Math.min(low.largest, now.largest);
        const done = r.text.includes("RUN-DONE");
        const text = r.text.replace(/^RUN-DONE$/m, "").trim();
        if (text) texts.push(text);
        if (r.result !== "ok" || done) break;
      }
      r = { result: r.result, text: texts.join("\n").slice(-20000) };
    }
    console.log(JSON.stringify({ label: step.label, ok: r.result === "ok", error: r.result === "ok" ? "" : r.result,
                                 text: r.text, ...now, peak_need: peak, low }));
    previous = now;
    if (r.result !== "ok" && step.stop_on_error !== false) break;
  }
}

await main();
