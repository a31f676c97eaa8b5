import { describe, expect, it } from 'vitest';
import type { Implementation } from '../../../impl/contract/index.ts';
import { createKernel } from '../../../impl/kernel/kernel.ts';
import { runSequential } from '../../../impl/kernel/run.ts';
import type { Op } from '../../../impl/kernel/types.ts';
import { kfmd } from '../../../impl/kfmd/store.ts';
import { v4 } from '../../../impl/v4/store.ts';
import { DEFAULT_PADDING_PARAMS, allConfigurations } from '../../../model/config/index.ts';
import type { Configuration } from '../../../model/config/index.ts';
import { LLVM_MC, disassemble } from './llvm-mc.ts';

/**
 * Every md window the designs patch, read back by a real disassembler: each padding design
 * attaches metadata to 300 functions on every configuration where a get can succeed, and every
 * window (indices 0..299, so imm32 bytes above the first are exercised) goes through llvm-mc in
 * one batched call per arch. x86 windows must decode to exactly `movl $index, %eax`, arm64 words
 * to the raw index (`udf #index`); any stderr output is a failure.
 */
const FUNCTIONS = 300;
const DESIGNS: readonly Implementation[] = [v4, kfmd];

interface Window {
  readonly where: string;
  readonly bytes: readonly number[];
  readonly index: number;
}

function run<T>(kernel: ReturnType<typeof createKernel>, op: Op<T>): T {
  const r = runSequential(kernel, op, 0);
  if (!r.ok) throw new Error(r.deadlock);
  return r.value;
}

/** Attach every function with `impl` on `config` and read each function's window back. */
function patchedWindows(impl: Implementation, config: Configuration): Window[] {
  const { kcfiHash, thunkRel32 } = DEFAULT_PADDING_PARAMS;
  const kernel = createKernel({
    options: config.options,
    functions: Array.from({ length: FUNCTIONS }, (_, i) => ({ name: `f${i}`, padded: true, kcfiHash, thunkRel32 })),
  });
  const store = impl.create(kernel);
  const declared = impl.declaresOn?.(config.options) ?? impl.declares;
  const offset = declared.insnOffset ?? config.insnOffset;
  const windows: Window[] = [];
  for (const f of kernel.functions) {
    const md = run(
      kernel,
      (function* () {
        if (declared.locking.get !== 'takes') yield* store.lock();
        const got = yield* store.get(f.ip);
        if (declared.locking.get !== 'takes') yield* store.unlock();
        return got;
      })(),
    );
    expect(md, `${impl.name} ${config.name} ${f.name}: get`).not.toBe(0);
    const view = store.inspect();
    const index = (md - view.arrayBase) / view.layout.size;
    windows.push({
      where: `${impl.name} ${config.name} ${f.name}`,
      bytes: [...kernel.mem.peekBytes(f.ip - offset, config.insnSize)],
      index,
    });
  }
  return windows;
}

/** Configurations where the md window is free at boot (not the six D12 layouts, where every get is -EBUSY). */
const usable = (arch: 'x86' | 'arm64'): Configuration[] =>
  allConfigurations().filter((c) => c.arch === arch && c.overlaps.length === 0);

describe.skipIf(!LLVM_MC && process.env['CI'] !== 'true')('every patched window read back by llvm-mc', () => {
  for (const [arch, triple, expected] of [
    ['x86', 'x86_64', (i: number) => `movl $${i}, %eax`],
    ['arm64', 'aarch64', (i: number) => `udf #${i}`],
  ] as const) {
    it(`${arch}: ${DESIGNS.map((d) => d.name).join(' and ')} on every usable configuration, one llvm-mc call`, () => {
      const windows = usable(arch).flatMap((c) => DESIGNS.flatMap((d) => patchedWindows(d, c)));
      expect(windows.length).toBe(usable(arch).length * DESIGNS.length * FUNCTIONS);
      const lines = disassemble(
        triple,
        windows.flatMap((w) => w.bytes),
      );
      // one instruction per window: a torn or mis-sized window would shift every line after it
      expect(lines.length).toBe(windows.length);
      const wrong = windows.flatMap((w, i) => (lines[i] === expected(w.index) ? [] : [`${w.where}: ${lines[i]}`]));
      expect(wrong).toEqual([]);
      expect(new Set(windows.map((w) => w.index)).size).toBe(FUNCTIONS);
    });
  }
});
