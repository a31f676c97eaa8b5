import { arm64PatchableEntry } from './arm64-config.ts';
import type { KernelOptions } from './options.ts';
import type { ImageFunction, PlacedFunction, TextImage, TextLayout } from './spec.ts';

/**
 * A text that exists already (KernelSpec.image: a real kernel's .text, a compiler fixture's
 * section) as the TextLayout the boot code takes: the bytes copied as they are (the caller's array
 * is never written), byte 0 at `textBase`, and the functions placed in address order. The
 * compiler-rule layout is skipped; the boot-time rewrites (boot.ts) still follow, as for a
 * laid-out text. `cfi` follows FunctionSpec.cfi (default true) under x86 CONFIG_CFI_CLANG, as the
 * compiler-rule layout does; an arm64 function without a given patchableEntry gets the one
 * arm64-text.ts would record.
 */
export function layoutImage(o: KernelOptions, image: TextImage, textBase: number): TextLayout {
  const size = image.bytes.length;
  const names = new Set<string>();
  const ips = new Set<number>();
  for (const f of image.functions) {
    if (names.has(f.name)) throw new Error(`image: duplicate function name ${f.name}`);
    names.add(f.name);
    if (ips.has(f.ip)) throw new Error(`image: two functions at offset 0x${f.ip.toString(16)}`);
    ips.add(f.ip);
    const bad = !Number.isInteger(f.ip) || !Number.isInteger(f.blockStart);
    if (bad || f.blockStart < 0 || f.blockStart > f.ip || f.ip >= size) {
      throw new Error(
        `image: function ${f.name}: block 0x${f.blockStart.toString(16)}, entry 0x${f.ip.toString(16)} not inside the ${size}-byte text`,
      );
    }
    if (!f.padded && f.blockStart !== f.ip) throw new Error(`image: unpadded function ${f.name} has a pre-entry block`);
  }
  const functions = [...image.functions].sort((a, b) => a.ip - b.ip).map((f) => place(o, f, textBase));
  return { bytes: image.bytes.slice(), functions };
}

/** The image's functions in the order layoutImage placed them: the FunctionSpec list the boot code reads beside them. */
export function imageFunctionsInOrder(image: TextImage): ImageFunction[] {
  return [...image.functions].sort((a, b) => a.ip - b.ip);
}

function place(o: KernelOptions, f: ImageFunction, textBase: number): PlacedFunction {
  const ip = textBase + f.ip;
  const placed = {
    name: f.name,
    ip,
    padded: f.padded,
    blockStart: textBase + f.blockStart,
    cfi: o.arch === 'x86' && o.cfiClang && f.padded && f.cfi !== false,
  };
  if (o.arch !== 'arm64' || !f.padded) return placed;
  const { total, before } = arm64PatchableEntry(o);
  if (f.patchableEntry !== undefined) return { ...placed, patchableEntry: textBase + f.patchableEntry };
  if (total === 0) return placed;
  return { ...placed, patchableEntry: before > 0 ? ip - 4 * before : ip + (o.bti ? 4 : 0) };
}
