import { arm64Alignment, arm64PatchableEntry } from './arm64-config.ts';
import { A64_ADD, A64_BTI_C, A64_NOP, A64_RET } from './arm64-encodings.ts';
import { u32le } from './le.ts';
import type { Arm64Options } from './options.ts';
import type { FunctionSpec, PlacedFunction, TextLayout } from './spec.ts';
import { DEFAULT_KCFI_HASH } from './x86-encodings.ts';

/**
 * Lay arm64 functions out for -fpatchable-function-entry=N,M with -falign-functions=A:
 * M NOP words before the entry, N-M at it (after `bti c`). Alignment applies to the first
 * pre-entry word (the kCFI hash word when there is one). notrace functions
 * (patchable_function_entry(0,0)) get no words at all, so the previous function's last word
 * sits right before their entry. The N-M words at the entry are the ftrace call site that
 * ftrace_call_adjust() locates (impl/arch/arm64-ftrace.ts, D13, §5) from the address
 * __patchable_function_entries records (PlacedFunction.patchableEntry).
 *
 * Padded:   [filler NOPs][tail][hash?][NOP x M] | [bti c?][NOP x (N-M)] body
 * Unpadded: [filler NOPs][tail][hash?] | [bti c?] body
 */
export function layoutArm64(o: Arm64Options, fns: readonly FunctionSpec[], textBase: number): TextLayout {
  const align = arm64Alignment(o);
  const { total, before } = arm64PatchableEntry(o);
  const out: number[] = [...u32le(A64_ADD)];
  const placed: PlacedFunction[] = [];
  const words = (w: number, n: number): number[] => Array.from({ length: n }, () => u32le(w)).flat();
  for (const f of fns) {
    const tail = f.tail ?? u32le(A64_RET);
    const body = f.body ?? u32le(A64_ADD);
    if (tail.length % 4 !== 0 || body.length % 4 !== 0) {
      throw new Error(`arm64 function ${f.name}: tail and body must be whole 4-byte words`);
    }
    // Stryker disable next-line UnaryOperator,ArithmeticOperator: lengths are whole words and align is 4 or 8, so mod(x, align) === mod(-x, align), and 2 * tail.length is 0 mod align (equivalent)
    const gap = mod(-(out.length + tail.length), align);
    out.push(...words(A64_NOP, gap / 4), ...tail);
    const blockStart = textBase + out.length;
    // clang emits the kCFI hash as a raw word ahead of the pre-entry NOPs
    if (o.cfiClang) out.push(...u32le(f.kcfiHash ?? DEFAULT_KCFI_HASH));
    if (f.padded) out.push(...words(A64_NOP, before));
    const ip = textBase + out.length;
    // the patch area starts at the first of the M pre-entry NOPs; with M = 0 the compiler puts
    // `bti c` first and the area (and the record) begins after it
    const rec = f.padded && total > 0 ? (before > 0 ? ip - 4 * before : ip + (o.bti ? 4 : 0)) : undefined;
    placed.push({
      name: f.name,
      ip,
      padded: f.padded,
      blockStart,
      cfi: false,
      ...(rec !== undefined ? { patchableEntry: rec } : {}),
    });
    if (o.bti) out.push(...u32le(A64_BTI_C));
    if (f.padded) out.push(...words(A64_NOP, total - before));
    out.push(...body);
  }
  out.push(...u32le(A64_RET));
  out.push(...words(A64_NOP, mod(-out.length, 64) / 4));
  return { bytes: Uint8Array.from(out), functions: placed };
}

function mod(a: number, m: number): number {
  return ((a % m) + m) % m;
}
