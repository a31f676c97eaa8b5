import { describe, expect, it } from 'vitest';
import { createKernel } from '../../../impl/kernel/kernel.ts';
import { X86_ENDBR64, X86_POISONED_ENDBR, allConfigurations } from '../../../model/config/index.ts';
import type { Configuration } from '../../../model/config/index.ts';
import { hex } from '../../../model/index.ts';

// ip+0..ip+3 (spec §4.1): with X86_KERNEL_IBT an indirectly callable function starts with ENDBR64,
// and FineIBT mode poisons it at boot. The model's byte map of every shape says what the booted
// simulation holds there; no design's window reaches it (I6 would name a write there).

const X86 = allConfigurations().filter((c) => c.arch === 'x86');

describe('the entry bytes after boot, model against simulation', () => {
  it.each(X86.map((c) => [c.name, c] as const))('%s: every shape', (_name, config) => {
    for (const shape of config.shapes) {
      const kernel = createKernel({
        options: config.options,
        functions: [{ name: 'f', padded: true, cfi: shape.facts.cfi, directCallDest: shape.facts.directCallDest }],
      });
      const ip = kernel.fn('f').ip;
      const entry = [...kernel.mem.peekBytes(ip, 4)];
      const o = config.options;
      if (o.arch !== 'x86') throw new Error('x86 only');
      const want = o.fineibt && shape.facts.cfi ? (o.cfiMode === 'fineibt' ? X86_POISONED_ENDBR : X86_ENDBR64) : null;
      expect(shape.entryAtBoot?.bytes ?? null, `${shape.name}: the model`).toEqual(want);
      if (want) expect(hex([...entry]), `${shape.name}: the simulation`).toBe(hex([...want]));
      else expect(hex([...entry]), shape.name).not.toMatch(/^(f3 0f 1e fa|0f 1f 40 d6)$/);
    }
  });

  it('FineIBT mode poisons, kCFI mode with FineIBT built keeps ENDBR64, the no-preamble static has neither', () => {
    const byName = (n: string): Configuration | undefined => X86.find((c) => c.name === n);
    expect(byName('x86-C-fineibt-kconfig')?.shapes.map((s) => s.entryAtBoot?.what ?? null)).toEqual([
      'poisoned endbr (nopl -42(%rax))',
      null,
    ]);
    expect(byName('x86-C-kcfi-kconfig-fineibt-built')?.shapes.map((s) => s.entryAtBoot?.what ?? null)).toEqual([
      'endbr64',
      null,
    ]);
    expect(byName('x86-A16')?.shapes.map((s) => s.entryAtBoot)).toEqual([null]);
  });
});
