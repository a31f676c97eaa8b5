import { describe, expect, it } from 'vitest';
import { ftraceCallAdjustV4 } from '../arch/arm64-ftrace.ts';
import { A64_BTI_C, A64_NOP } from '../kernel/arm64-encodings.ts';
import { createKernel } from '../kernel/kernel.ts';
import type { Kernel } from '../kernel/kernel.ts';
import type { Addr } from '../kernel/types.ts';
import { arm64, padded, run, x86 } from '../testing/fixtures.ts';
import { kfmdFtraceCallAdjust } from './ftrace.ts';
import { KfmdStore } from './store.ts';

// kfmd's ftrace_call_adjust skips every pre-entry word first and probes the entry itself, so it
// lands on the BL site (the second NOP after the entry, after `bti c`) where v4's does not (D13).

function blSite(k: Kernel, ip: Addr): Addr {
  const first = k.mem.peek32(ip) === A64_BTI_C ? ip + 4 : ip;
  expect([k.mem.peek32(first), k.mem.peek32(first + 4)]).toEqual([A64_NOP, A64_NOP]);
  return first + 4;
}

const SHAPES = [
  { name: 'args-3,1', o: { withArgs: true } },
  { name: 'args8-4,2', o: { withArgs: true, alignment8b: true } },
  { name: 'callops-6,4', o: { withArgs: true, callOps: true, alignment8b: true } },
] as const;

describe("kfmd's ftrace_call_adjust", () => {
  for (const s of SHAPES) {
    for (const bti of [false, true]) {
      it(`${s.name}${bti ? '-bti' : ''}: the BL site of every padded function${bti ? ' (v4: ip+4, wrong)' : ''}`, () => {
        const o = arm64({ ...s.o, bti });
        const k = createKernel({ options: o, functions: [...padded(5), { name: 'nt', padded: false }] });
        const store = new KfmdStore(k);
        for (const f of k.functions.filter((x) => x.padded)) {
          const rec = f.patchableEntry ?? 0;
          const site = run(k, kfmdFtraceCallAdjust(k, o, rec));
          expect(site, f.name).toBe(blSite(k, f.ip));
          expect(site - f.ip).toBe(bti ? 8 : 4);
          expect(run(k, store.ftraceCallAdjust?.(rec) ?? kfmdFtraceCallAdjust(k, o, 0)), f.name).toBe(site);
          expect(run(k, ftraceCallAdjustV4(k, o, rec)) === site, f.name).toBe(!bti);
        }
      });
    }
  }

  it('metadata only (no WITH_ARGS): returned as it is; x86: the store offers no hook', () => {
    const o = arm64({ bti: true });
    const k = createKernel({ options: o, functions: padded(1) });
    expect(run(k, kfmdFtraceCallAdjust(k, o, 0x40))).toBe(0x40);
    expect(new KfmdStore(k).ftraceCallAdjust).toBeDefined();
    expect(new KfmdStore(createKernel({ options: x86(), functions: padded(1) })).ftraceCallAdjust).toBeUndefined();
  });

  it('a misaligned CALL_OPS literal: WARN and 0, as mainline', () => {
    const o = arm64({ withArgs: true, callOps: true, alignment8b: true });
    const k = createKernel({ options: o, functions: padded(1) });
    expect(run(k, kfmdFtraceCallAdjust(k, o, k.fn('f0').ip - 12))).toBe(0);
    expect(k.warnings.map((w) => w.site)).toEqual(['ftrace-misaligned']);
  });
});
