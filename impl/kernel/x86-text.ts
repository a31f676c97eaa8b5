import type { X86Options } from './options.ts';
import type { FunctionSpec, PlacedFunction, TextLayout } from './spec.ts';
import { functionPaddingBytes, kcfiLeadingNops } from './x86-config.ts';
import { DEFAULT_KCFI_HASH, X86_DEFAULT_BODY, X86_NOP, kcfiPreamble, x86Filler } from './x86-encodings.ts';

/**
 * Lay x86 functions out as gcc/clang + gas would with -fpatchable-function-entry=PB,PB and
 * -falign-functions=A (spec real-layouts.md): alignment applies to the start of the block
 * before the entry (the kCFI mov when present), the gap before it is multi-byte NOP filler.
 *
 * Padded, no CFI:  [filler][tail][90 x PB] | entry
 * Padded, kCFI:    [filler][tail][90 x lead][B8 hash][90 x PB] | entry
 * Unpadded:        [filler][tail] | entry   (top-level asm: no padding, no kCFI)
 */
export function layoutX86(o: X86Options, fns: readonly FunctionSpec[], textBase: number): TextLayout {
  const align = o.functionAlignment;
  const pb = functionPaddingBytes(o);
  const lead = o.cfiClang ? kcfiLeadingNops(pb) : 0;
  // something for the first function's filler to follow
  const out: number[] = [...X86_DEFAULT_BODY];
  const placed: PlacedFunction[] = [];
  for (const f of fns) {
    const tail = f.tail ?? [];
    out.push(...x86Filler(mod(-(out.length + tail.length), align)), ...tail);
    const blockStart = textBase + out.length;
    if (f.padded) {
      if (o.cfiClang) out.push(...new Array<number>(lead).fill(X86_NOP), ...kcfiPreamble(f.kcfiHash ?? DEFAULT_KCFI_HASH));
      out.push(...new Array<number>(pb).fill(X86_NOP));
    }
    placed.push({ name: f.name, ip: textBase + out.length, padded: f.padded, blockStart });
    out.push(...(f.body ?? X86_DEFAULT_BODY));
  }
  out.push(...x86Filler(mod(-out.length, 64)));
  return { bytes: Uint8Array.from(out), functions: placed };
}

function mod(a: number, m: number): number {
  return ((a % m) + m) % m;
}
