/**
 * Attach metadata to every padded function of a real image in the byte-level simulation, and
 * verify the text afterwards. The image's text is loaded as it is (KernelSpec.image) and booted
 * for the configuration (FineIBT, thunks, CALL_OPS literals as that configuration writes them);
 * then, per function in address order, kfunc_md_lock(); kfunc_md_get(ip); kfunc_md_unlock(), as
 * the engine's callers do. Verification: every attached window decodes (the model's decoder) to
 * the slot index of the md its get returned, that slot's func is the function and users 1, and
 * every other byte of the text is what boot left.
 */
import { declarationsOf } from '../../../impl/contract/index.ts';
import type { Implementation } from '../../../impl/contract/index.ts';
import { createKernel } from '../../../impl/kernel/kernel.ts';
import { runSequential } from '../../../impl/kernel/run.ts';
import type { ImageFunction } from '../../../impl/kernel/spec.ts';
import type { Op } from '../../../impl/kernel/types.ts';
import type { Configuration } from '../../../model/config/index.ts';
import { decodeWindow } from '../../../model/index.ts';
import { insnOffsetOf } from '../../engine/core/world.ts';

export interface AttachInput {
  readonly config: Configuration;
  readonly impl: Implementation;
  /** the text, byte 0 first (copied by the kernel, never written) */
  readonly text: Uint8Array;
  /** entry offsets in `text`, one per padded function, and their names */
  readonly functions: readonly { readonly name: string; readonly ip: number }[];
  /** called every so often with how many gets are done */
  readonly onProgress?: (done: number, total: number) => void;
  /** PAGE_SIZE (default 4096) */
  readonly pageSize?: number;
}

export interface AttachResult {
  readonly attached: number;
  /** gets that returned NULL, or hung (their names, the first few) */
  readonly failed: number;
  readonly failedNames: readonly string[];
  /** wall-clock milliseconds of the attach loop and of the verification */
  readonly attachMs: number;
  readonly verifyMs: number;
  /** the md windows that decoded to the index their get returned */
  readonly windowsOk: number;
  /** what went wrong in verification (the first few lines), empty when everything held */
  readonly problems: readonly string[];
  /** bytes of the text that differ from boot outside the windows (0 when it holds) */
  readonly strayBytes: number;
  /** bytes inside the windows that changed */
  readonly windowBytes: number;
  /** bytes boot rewrote in the image (thunks, FineIBT, CALL_OPS literals) */
  readonly bootBytes: number;
  /** the array at the end: capacity, used, page order */
  readonly array: { readonly count: number; readonly used: number; readonly order: number };
  /** where the index lives: only 'padding-insn' designs write windows */
  readonly index: string;
}

const MAX_LISTED = 5;

function* lockedGet(store: { lock(): Op<void>; unlock(): Op<void>; get(ip: number): Op<number> }, ip: number) {
  yield* store.lock();
  const md = yield* store.get(ip);
  yield* store.unlock();
  return md;
}

export function attachAll(input: AttachInput): AttachResult {
  const { config, impl } = input;
  const functions: ImageFunction[] = input.functions.map((f) => ({
    name: f.name,
    ip: f.ip,
    padded: true,
    blockStart: f.ip - config.paddingBytes,
  }));
  const kernel = createKernel({
    options: config.options,
    functions: [],
    image: { bytes: input.text, functions },
    pageSize: input.pageSize ?? 4096,
  });
  let bootBytes = 0;
  for (let i = 0; i < input.text.length; i++) if (kernel.initialText[i] !== input.text[i]) bootBytes++;
  const declares = declarationsOf(impl, config.options);
  const store = impl.create(kernel);
  const size = store.inspect().layout.size;
  const placed = kernel.functions;
  const total = placed.length;
  // the slot of each get, from the array it was handed out of (an array design moves on growth)
  const slotOf = new Map<string, number>();
  const failedNames: string[] = [];
  let failed = 0;
  let base = 0;
  let count = 0;
  const step = Math.max(1, Math.floor(total / 200));
  const t0 = performance.now();
  placed.forEach((f, i) => {
    const r = runSequential(kernel, lockedGet(store, f.ip));
    if (!r.ok || r.value === 0) {
      failed++;
      if (failedNames.length < MAX_LISTED) failedNames.push(`${f.name}${r.ok ? '' : ` (${r.deadlock})`}`);
    } else {
      const md = r.value;
      if (md < base || md >= base + count * size) {
        const view = store.inspect();
        base = view.arrayBase;
        count = view.count;
      }
      if (declares.index !== 'none') slotOf.set(f.name, (md - base) / size);
    }
    if (input.onProgress && (i % step === 0 || i === total - 1)) input.onProgress(i + 1, total);
  });
  const attachMs = performance.now() - t0;

  const t1 = performance.now();
  const problems: string[] = [];
  const problem = (line: string): void => {
    if (problems.length < MAX_LISTED) problems.push(line);
  };
  const view = store.inspect();
  const offset = insnOffsetOf(config, declares);
  const inWindow = new Uint8Array(kernel.textSize);
  const writesWindows = declares.index === 'padding-insn';
  let windowsOk = 0;
  for (const f of placed) {
    const slot = slotOf.get(f.name);
    if (slot === undefined) continue;
    const entry = view.entries[slot];
    if (!Number.isInteger(slot) || !entry || entry.func !== f.ip || entry.users !== 1) {
      problem(`${f.name}: slot ${slot} holds func 0x${(entry?.func ?? 0).toString(16)} users ${entry?.users ?? '-'}`);
    }
    if (!writesWindows) continue;
    const at = f.ip - offset - kernel.textBase;
    inWindow.fill(1, at, at + config.insnSize);
    const decoded = decodeWindow(config.arch, [...kernel.mem.peekBytes(f.ip - offset, config.insnSize)]);
    if (decoded.kind === 'insn' && decoded.index === slot) windowsOk++;
    else
      problem(
        `${f.name}: window at ip-${offset} reads ${decoded.kind}${decoded.kind === 'insn' ? ` ${decoded.index}` : ''}, the get gave slot ${slot}`,
      );
  }
  const now = kernel.mem.peekBytes(kernel.textBase, kernel.textSize);
  let strayBytes = 0;
  let windowBytes = 0;
  for (let i = 0; i < now.length; i++) {
    if (now[i] === kernel.initialText[i]) continue;
    if (inWindow[i]) windowBytes++;
    else {
      strayBytes++;
      if (strayBytes === 1) problem(`text byte at offset 0x${i.toString(16)} changed outside every md window`);
    }
  }
  for (const w of kernel.textWrites) {
    const i = w.addr - kernel.textBase;
    if (!inWindow[i] && w.before !== w.after) {
      problem(`a text write at offset 0x${i.toString(16)} lies outside every md window`);
      break;
    }
  }
  if (view.used !== slotOf.size && declares.index !== 'none') {
    problem(`kfunc_md_used is ${view.used}, ${slotOf.size} functions hold an md`);
  }
  for (const w of kernel.warnings) problem(`WARN ${w.site}: ${w.message}`);
  const verifyMs = performance.now() - t1;
  return {
    attached: total - failed,
    failed,
    failedNames,
    attachMs,
    verifyMs,
    windowsOk,
    problems,
    strayBytes,
    windowBytes,
    bootBytes,
    array: { count: view.count, used: view.used, order: view.order },
    index: declares.index,
  };
}
