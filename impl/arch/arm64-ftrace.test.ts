import { describe, expect, it } from 'vitest';
import { A64_BTI_C, A64_NOP } from '../kernel/arm64-encodings.ts';
import { createKernel } from '../kernel/kernel.ts';
import type { Kernel } from '../kernel/kernel.ts';
import type { Arm64Options } from '../kernel/options.ts';
import type { Addr, Op } from '../kernel/types.ts';
import { arm64, run } from '../testing/fixtures.ts';
import { aarch64InsnIsBti, ftraceCallAdjustMainline, ftraceCallAdjustV4 } from './arm64-ftrace.ts';
import { arm64Hooks } from './arm64.ts';

// arm64 ftrace_call_adjust (spec §5, D13): mainline's is right for mainline's patchable entry,
// v4's is wrong on every BTI kernel. The expected site is read off the simulated text here (the
// second NOP after the entry, after `bti c`): impl/ never imports the model.

const FUNCTIONS = [
  { name: 'a', padded: true },
  { name: 'b', padded: true },
  { name: 'notrace', padded: false },
  { name: 'c', padded: true },
];

/** The second NOP word after the entry, skipping a `bti c` at ip+0 (the simulated compiler's layout). */
function blSite(k: Kernel, ip: Addr): Addr {
  const first = k.mem.peek32(ip) === A64_BTI_C ? ip + 4 : ip;
  expect([k.mem.peek32(first), k.mem.peek32(first + 4)]).toEqual([A64_NOP, A64_NOP]);
  return first + 4;
}

/** Runs an op and records the addresses it loads. */
function traced(k: Kernel, op: Op<Addr>): { value: Addr; loads: Addr[] } {
  const loads: Addr[] = [];
  function* spy(): Op<Addr> {
    let r = op.next();
    while (!r.done) {
      if (r.value.kind === 'load32' && r.value.addr !== undefined) loads.push(r.value.addr);
      const step = yield r.value;
      r = op.next(step);
    }
    return r.value;
  }
  return { value: run(k, spy()), loads };
}

const kernelOf = (o: Arm64Options): Kernel => createKernel({ options: o, functions: FUNCTIONS });

describe('aarch64_insn_is_bti', () => {
  it('is true for bti, bti c, bti j and bti jc, false for paciasp, NOP and code', () => {
    expect([0xd503241f, 0xd503245f, 0xd503249f, 0xd50324df].map(aarch64InsnIsBti)).toEqual([true, true, true, true]);
    // paciasp (HINT #25) is a landing pad, but not a BTI instruction; HINT #33 is no BTI either
    expect([0xd503233f, A64_NOP, 0xd503243f, 0x0b010000, 0xd65f03c0].map(aarch64InsnIsBti)).toEqual([
      false,
      false,
      false,
      false,
      false,
    ]);
  });
});

describe('mainline ftrace_call_adjust on mainline layouts (CFI_CLANG: no kfunc_md)', () => {
  for (const bti of [false, true]) {
    it(`WITH_ARGS (=2): rec->ip is the first NOP${bti ? ' after bti c' : ''}, the result the second`, () => {
      const o = arm64({ cfiClang: true, withArgs: true, bti });
      const k = kernelOf(o);
      for (const f of k.functions.filter((x) => x.padded)) {
        const rec = f.patchableEntry ?? 0;
        expect(rec, f.name).toBe(f.ip + (bti ? 4 : 0));
        expect(run(k, ftraceCallAdjustMainline(k, o, rec)), f.name).toBe(blSite(k, f.ip));
      }
      expect(k.fn('notrace').patchableEntry).toBeUndefined();
    });

    it(`CALL_OPS (=4,2): rec->ip is the ops literal, the probe reads the entry${bti ? ' and skips bti c' : ''}`, () => {
      // mainline's =4,2 is [literal lo][literal hi] | [bti c?][NOP][NOP]: exactly the last 8 bytes
      // before and the words at the entry of v4's =6,4, so rec->ip = ip-8 there is mainline's record
      const o = arm64({ withArgs: true, callOps: true, alignment8b: true, bti });
      const k = kernelOf(o);
      for (const f of k.functions.filter((x) => x.padded)) {
        expect((f.ip - 8) % 8, f.name).toBe(0);
        const t = traced(k, ftraceCallAdjustMainline(k, o, f.ip - 8));
        expect(t.value, f.name).toBe(blSite(k, f.ip));
        expect(t.loads, f.name).toEqual(bti ? [f.ip] : []);
      }
      expect(k.warnings).toEqual([]);
    });
  }

  it('CALL_OPS with the kCFI word in front (mainline forbids CALL_OPS with CFI_CLANG): misaligned, WARN and 0', () => {
    const o = arm64({ cfiClang: true, withArgs: true, callOps: true, alignment8b: true });
    const k = kernelOf(o);
    const f = k.fn('a');
    const rec = f.patchableEntry ?? 0;
    expect([rec - f.ip, rec % 8]).toEqual([-8, 4]);
    expect(run(k, ftraceCallAdjustMainline(k, o, rec))).toBe(0);
    expect(k.warnings.map((w) => w.site)).toEqual(['ftrace-misaligned']);
  });

  it('without WITH_ARGS (mcount) the address is returned as it is', () => {
    const o = arm64({ cfiClang: true });
    const k = kernelOf(o);
    expect(run(k, ftraceCallAdjustMainline(k, o, 0x1234))).toBe(0x1234);
  });
});

/** The arm64 configurations with ftrace NOPs at the entry (v4's, FUNCTION_METADATA built). */
const FTRACE_V4 = [
  { name: 'args-3,1', o: { withArgs: true }, rec: -4, probe: null },
  { name: 'args8-4,2', o: { withArgs: true, alignment8b: true }, rec: -8, probe: null },
  { name: 'callops-6,4', o: { withArgs: true, callOps: true, alignment8b: true }, rec: -16, probe: -8 },
] as const;

describe("v4's ftrace_call_adjust (4/4): the metadata words are skipped after the BTI probe (D13)", () => {
  for (const c of FTRACE_V4) {
    for (const bti of [false, true]) {
      it(`${c.name}${bti ? '-bti' : ''}: ${bti ? 'ip+4, the first ftrace NOP, where the BL site is ip+8' : 'ip+4, right'}`, () => {
        const o = arm64({ ...c.o, bti });
        const k = kernelOf(o);
        const hooks = arm64Hooks(k, o);
        for (const f of k.functions.filter((x) => x.padded)) {
          const rec = f.patchableEntry ?? 0;
          expect(rec - f.ip, f.name).toBe(c.rec);
          const t = traced(k, ftraceCallAdjustV4(k, o, rec));
          expect(t.value - f.ip, f.name).toBe(4);
          expect(t.value === blSite(k, f.ip), f.name).toBe(!bti);
          // with CALL_OPS the probe reads ip-8 (the ops literal), never the entry
          expect(
            t.loads.map((a) => a - f.ip),
            f.name,
          ).toEqual(bti && c.probe !== null ? [c.probe] : []);
          // the arch hooks v4 builds are this computation
          expect(run(k, (hooks.ftraceCallAdjust ?? ftraceCallAdjustMainline.bind(null, k, o))(rec))).toBe(t.value);
        }
      });
    }
  }

  it("mainline's computation on v4's layout lands in the padding: the metadata words are not skipped", () => {
    const o = arm64({ withArgs: true, bti: true });
    const k = kernelOf(o);
    const f = k.fn('a');
    expect(run(k, ftraceCallAdjustMainline(k, o, f.patchableEntry ?? 0)) - f.ip).toBe(0);
  });

  it('metadata only (no WITH_ARGS): no patchable ftrace site, the address is returned as it is', () => {
    const o = arm64({ bti: true });
    const k = kernelOf(o);
    const f = k.fn('a');
    expect(f.patchableEntry).toBe(f.ip - 4);
    expect(run(k, ftraceCallAdjustV4(k, o, f.ip - 4))).toBe(f.ip - 4);
  });
});
