import { describe, expect, it } from 'vitest';
import { ftraceCallAdjustMainline } from '../../../impl/arch/arm64-ftrace.ts';
import type { Implementation } from '../../../impl/contract/index.ts';
import { jul25 } from '../../../impl/jul25/store.ts';
import { kfmdFtraceCallAdjust } from '../../../impl/kfmd/ftrace.ts';
import { KfmdStore, kfmd } from '../../../impl/kfmd/store.ts';
import { createKernel } from '../../../impl/kernel/kernel.ts';
import type { Kernel } from '../../../impl/kernel/kernel.ts';
import type { Addr, Op } from '../../../impl/kernel/types.ts';
import { locked } from '../../../impl/locked/store.ts';
import { may25 } from '../../../impl/may25/store.ts';
import { rht } from '../../../impl/rht/store.ts';
import { v4 } from '../../../impl/v4/store.ts';
import { allConfigurations, configFtraceCallSite } from '../../../model/config/index.ts';
import type { Configuration } from '../../../model/config/index.ts';
import { inapplicable } from './checks.ts';
import { classify } from './findings.ts';
import { checkFtraceSites, ftraceSites } from './ftrace-sites.ts';

// I10 (spec §5, §11): on every arm64 configuration, the implementation's ftrace_call_adjust of
// every padded function's __patchable_function_entries record is the model's BL site.

const FUNCTIONS = [
  { name: 'f0', padded: true },
  { name: 'f1', padded: true },
  { name: 'nt', padded: false },
  { name: 'f2', padded: true },
];

const ARM64 = allConfigurations().filter((c) => c.arch === 'arm64');
const FTRACE = ARM64.filter((c) => configFtraceCallSite(c) !== null).map((c) => c.name);
const BTI_FTRACE = FTRACE.filter((n) => n.endsWith('-bti'));

function boot(config: Configuration, impl: Implementation) {
  const kernel = createKernel({ options: config.options, functions: FUNCTIONS });
  return { config, kernel, store: impl.create(kernel) };
}

function byName(name: string): Configuration {
  const c = ARM64.find((x) => x.name === name);
  if (!c) throw new Error(`no configuration ${name}`);
  return c;
}

const i10 = (config: Configuration, impl: Implementation) => checkFtraceSites(boot(config, impl));

describe('the model: the BL site is the second NOP after the entry', () => {
  it('ip+4, or ip+8 behind `bti c`, on the configurations with two ftrace NOPs at the entry; none elsewhere', () => {
    expect(Object.fromEntries(ARM64.map((c) => [c.name, configFtraceCallSite(c)]))).toEqual({
      'arm64-md-1,1': null,
      'arm64-md-1,1-bti': null,
      'arm64-md8-2,2': null,
      'arm64-md8-2,2-bti': null,
      'arm64-args-3,1': 4,
      'arm64-args-3,1-bti': 8,
      'arm64-args8-4,2': 4,
      'arm64-args8-4,2-bti': 8,
      'arm64-callops-6,4': 4,
      'arm64-callops-6,4-bti': 8,
    });
    expect(allConfigurations().filter((c) => c.arch === 'x86' && configFtraceCallSite(c) !== null)).toEqual([]);
  });
});

describe('I10 at boot on every arm64 configuration', () => {
  it('v4 fails it exactly on the BTI configurations with ftrace NOPs, named D13', () => {
    const failing = ARM64.flatMap((c) => {
      const v = i10(c, v4);
      return v
        ? [
            {
              config: c.name,
              check: v.check,
              finding: classify(v, { mode: 'sequential', fnAt: null, unpadded: new Set() })?.id,
            },
          ]
        : [];
    });
    expect(failing).toEqual(BTI_FTRACE.map((config) => ({ config, check: 'I10', finding: 'D13' })));
    expect(BTI_FTRACE).toEqual(['arm64-args-3,1-bti', 'arm64-args8-4,2-bti', 'arm64-callops-6,4-bti']);
  });

  it("v4's wrong site is ip+4 for every padded function there: the first ftrace NOP, with `bti c` before it", () => {
    for (const name of BTI_FTRACE) {
      const w = boot(byName(name), v4);
      const sites = ftraceSites(w);
      expect(sites.map((s) => s.fn)).toEqual(['f0', 'f1', 'f2']);
      expect(sites.map((s) => [s.computed - s.ip, s.expected - s.ip])).toEqual([
        [4, 8],
        [4, 8],
        [4, 8],
      ]);
      expect(sites.map((s) => w.kernel.mem.peek32(s.ip))).toEqual([0xd503245f, 0xd503245f, 0xd503245f]);
    }
  });

  it('kfmd holds it on every arm64 configuration, for every padded function', () => {
    expect(ARM64.map((c) => i10(c, kfmd))).toEqual(ARM64.map(() => null));
    const compared = ARM64.flatMap((c) => ftraceSites(boot(c, kfmd)));
    expect(compared).toHaveLength(FTRACE.length * 3);
    expect(compared.every((s) => s.computed === s.expected)).toBe(true);
  });

  it('does not apply to a design without the hook; x86 has nothing to compare', () => {
    expect(inapplicable('I10', v4.declares)).toBeNull();
    expect(inapplicable('I10', kfmd.declares)).toBeNull();
    for (const impl of [locked, may25, jul25, rht])
      expect(inapplicable('I10', impl.declares), impl.name).toMatch(/ftrace_call_adjust/);
    const x86 = allConfigurations().filter((c) => c.arch === 'x86');
    expect(x86.flatMap((c) => ftraceSites(boot(c, v4)))).toEqual([]);
    expect(x86.map((c) => i10(c, v4))).toEqual(x86.map(() => null));
  });

  it('catches a broken kfmd: mainline arithmetic (no metadata skip), or the skip after the probe', () => {
    const broken = (name: string, adjust: (k: Kernel, a: Addr) => Op<Addr>): Implementation => ({
      ...kfmd,
      name,
      create: (kernel) => {
        const store = new KfmdStore(kernel);
        return Object.assign(store, { ftraceCallAdjust: (a: Addr) => adjust(kernel, a) });
      },
    });
    const arm = (k: Kernel) => {
      if (k.options.arch !== 'arm64') throw new Error('arm64 only');
      return k.options;
    };
    const mainline = broken('kfmd-mainline', (k, a) => ftraceCallAdjustMainline(k, arm(k), a));
    // v4's order: probe first, skip the metadata words last
    const lateSkip = broken('kfmd-late-skip', function* (k, a) {
      const o = arm(k);
      const words = o.alignment8b || o.callOps ? 2 : 1;
      return (yield* ftraceCallAdjustMainline(k, o, a)) + 4 * words;
    });
    const offByOne = broken('kfmd-no-bti-skip', function* (k, a) {
      const o = arm(k);
      return yield* kfmdFtraceCallAdjust(k, { ...o, bti: false }, a);
    });
    expect(FTRACE.filter((n) => i10(byName(n), mainline) !== null)).toEqual(FTRACE);
    expect(FTRACE.filter((n) => i10(byName(n), lateSkip) !== null)).toEqual(BTI_FTRACE);
    expect(FTRACE.filter((n) => i10(byName(n), offByOne) !== null)).toEqual(BTI_FTRACE);
  });
});
