import type { X86Options } from './options.ts';
import type { FunctionSpec, PlacedFunction, TextLayout } from './spec.ts';
import { functionPaddingBytes } from './x86-config.ts';
import {
  DEFAULT_ARITY,
  DEFAULT_KCFI_HASH,
  X86_DEFAULT_BODY,
  X86_ENDBR64,
  X86_NOP,
  kcfiPreamble,
  x86Filler,
} from './x86-encodings.ts';

/**
 * Lay x86 functions out as gcc/clang + gas would with -fpatchable-function-entry=PB,PB and
 * -falign-functions=A (spec real-layouts.md), PB = CONFIG_FUNCTION_PADDING_BYTES and
 * A = CONFIG_FUNCTION_ALIGNMENT: alignment applies to the start of the block
 * before the entry (the kCFI mov when present), the gap before it is multi-byte NOP filler.
 *
 * Padded, no CFI:  [filler][tail][90 x PB] | entry
 * Padded, kCFI:    [filler][tail][B8 hash][90 x PB] | entry
 * Padded, CFI_CLANG but no __cfi_ preamble (a static whose address is never taken):
 *                  [filler][tail][90 x (16 - PB mod 16) mod 16][90 x PB] | entry
 * Unpadded:        [filler][tail] | entry   (top-level asm: no padding, no kCFI)
 */
export function layoutX86(o: X86Options, fns: readonly FunctionSpec[], textBase: number): TextLayout {
  const align = o.functionAlignment;
  const pb = functionPaddingBytes(o);
  // something for the first function's filler to follow
  const out: number[] = [...X86_DEFAULT_BODY];
  const placed: PlacedFunction[] = [];
  for (const f of fns) {
    const tail = f.tail ?? [];
    out.push(...x86Filler(mod(-(out.length + tail.length), align)), ...tail);
    const blockStart = textBase + out.length;
    const cfi = o.cfiClang && f.padded && f.cfi !== false;
    if (f.padded) {
      // clang pads in front of the mov until NOPs + 5 + PB fill whole 16-byte units; the kernel's
      // FUNCTION_PADDING_CFI is alignment - 5, so that is never a byte (the model keeps the general rule)
      if (cfi)
        out.push(...kcfiPreamble(f.kcfiHash ?? DEFAULT_KCFI_HASH, o.fineibtBhi ? (f.arity ?? DEFAULT_ARITY) : 0));
      // no preamble under kCFI: only enough NOPs before the PB that the block starts 16-aligned
      // (real-layouts.md rule 10: 16 NOPs for PB 11, 32 for PB 27)
      else if (o.cfiClang) out.push(...new Array<number>(mod(-pb, 16)).fill(X86_NOP));
      out.push(...new Array<number>(pb).fill(X86_NOP));
    }
    placed.push({ name: f.name, ip: textBase + out.length, padded: f.padded, blockStart, cfi });
    // X86_KERNEL_IBT (which FINEIBT needs) compiles with -fcf-protection=branch: an indirectly
    // callable function (the same ones that get a __cfi_ preamble) starts with ENDBR64
    const endbr = o.fineibt && f.cfi !== false ? X86_ENDBR64 : [];
    out.push(...(f.body ?? [...endbr, ...X86_DEFAULT_BODY]));
  }
  out.push(...x86Filler(mod(-out.length, 64)));
  return { bytes: Uint8Array.from(out), functions: placed };
}

function mod(a: number, m: number): number {
  return ((a % m) + m) % m;
}
