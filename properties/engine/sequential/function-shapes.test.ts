import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { v4 } from '../../../impl/v4/store.ts';
import { allConfigurations, configurationByName } from '../../../model/config/index.ts';
import { INDIRECT_FUNCTION, NO_ARGS_FUNCTION, ONE_ARG_FUNCTION, STATIC_FUNCTION } from '../core/function-shapes.ts';
import { SUITE_GEOMETRY } from '../core/scenario.ts';
import type { SequentialScenario } from '../core/scenario.ts';
import { classify } from '../core/findings.ts';
import { scenarioArbitrary } from './arbitraries.ts';
import { execute } from './executor.ts';
import { SUITES, suiteByName } from './suites.ts';
import { bootWorld, implWindow } from '../core/world.ts';

// Function shapes in the suites (spec §4.4 X5): a static whose address is never taken has no kCFI
// preamble, so FineIBT never rewrites it and the case-C Kconfig-reading window is free there; a
// function never called directly has no call-depth thunk. D12 is "-EBUSY for every function with a
// kCFI preamble", not for every function.

const configs = allConfigurations();
const d12 = configs.filter((c) => c.overlaps.length > 0);

function scenario(config: string, commands: SequentialScenario['commands']): SequentialScenario {
  return {
    config,
    suite: 'contract',
    ...SUITE_GEOMETRY,
    functions: [
      { name: 'f0', padded: true },
      { name: STATIC_FUNCTION, padded: true, cfi: false },
    ],
    commands,
  };
}

describe('function shapes in the sequential suites', () => {
  it('every generated scenario boots a no-preamble static under CFI_CLANG and a no-thunk function where thunks are active', () => {
    for (const config of configs) {
      const o = config.options;
      for (const suite of SUITES) {
        const [s] = fc.sample(scenarioArbitrary(config, suite), { seed: 1, numRuns: 1 });
        const names = s?.functions.map((f) => f.name) ?? [];
        expect(names.includes(STATIC_FUNCTION), `${config.name} ${suite.name}`).toBe(o.cfiClang);
        expect(names.includes(INDIRECT_FUNCTION), `${config.name} ${suite.name}`).toBe(
          o.arch === 'x86' && o.thunksActive,
        );
        const bhi = o.arch === 'x86' && o.fineibtBhi;
        expect(names.includes(NO_ARGS_FUNCTION) && names.includes(ONE_ARG_FUNCTION), config.name).toBe(bhi);
      }
    }
  });

  it.each(d12.map((c) => c.name))(
    '%s: get succeeds on the static (model and v4 agree), then fails with -EBUSY on f0: D12 (I7)',
    (name) => {
      const ex = execute(
        scenario(name, [{ op: 'lock' }, { op: 'get', fn: STATIC_FUNCTION }, { op: 'get', fn: 'f0' }]),
        v4,
      );
      expect(ex.steps[1]?.expected).toBe('md #0 (installed-first)');
      expect(ex.steps[1]?.actual).toBe('md #0');
      expect(ex.steps[1]?.window?.after).toBe('b8 00 00 00 00');
      expect(ex.violation?.check).toBe('I7');
      expect(ex.violation?.at).toBe(2);
      expect(ex.violation?.message).toMatch(
        /overlaps fineibt \[-16,(0|-7)\)\), so get fails on every function of its shape \(kcfi(\+arity2\+)?\)/,
      );
      const finding = classify(ex.violation, {
        mode: 'sequential',
        suite: 'contract',
        fnAt: 'f0',
        unpadded: new Set(),
        impl: 'v4',
      });
      expect(finding?.id).toBe('D12');
    },
  );

  it('on a D12 layout the static alone holds: get, put, get again, with no finding', () => {
    const ex = execute(
      scenario('x86-C-fineibt-kconfig', [
        { op: 'lock' },
        { op: 'get', fn: STATIC_FUNCTION },
        { op: 'unlock' },
        { op: 'put', fn: STATIC_FUNCTION },
        { op: 'lock' },
        { op: 'get', fn: STATIC_FUNCTION },
        { op: 'unlock' },
      ]),
      v4,
    );
    expect(ex.violation).toBeNull();
  });

  it('FINEIBT_BHI: the booted preamble tails of noargs0, onearg0 and f0 differ by arity, as the model says', () => {
    const config = configurationByName('x86-C-fineibt-bhi-intent');
    const w = bootWorld(
      {
        config: config.name,
        ...SUITE_GEOMETRY,
        functions: [
          { name: 'f0', padded: true },
          { name: NO_ARGS_FUNCTION, padded: true, arity: 0 },
          { name: ONE_ARG_FUNCTION, padded: true, arity: 1 },
        ],
      },
      v4,
    );
    const tail = (fn: string): number[] => [...w.kernel.mem.peekBytes((w.ip.get(fn) ?? 0) - 7, 3)];
    expect(tail('f0')).toEqual([0x2e, 0x2e, 0xe8]);
    expect(tail(NO_ARGS_FUNCTION)).toEqual([0x67, 0x0f, 0x1f]);
    expect(tail(ONE_ARG_FUNCTION)).toEqual([0x2e, 0x49, 0x0f]);
  });

  it('the booted windows: the static has NOPs where FineIBT sits on f0; indirect0 has no thunk', () => {
    const w = bootWorld(scenario('x86-C-fineibt-kconfig', []), v4);
    expect(implWindow(w, 'f0')).toEqual([0x90, 0x90, 0x90, 0xf3, 0x0f]);
    expect(implWindow(w, STATIC_FUNCTION)).toEqual([0x90, 0x90, 0x90, 0x90, 0x90]);
    const config = configurationByName('x86-A16-thunks');
    const t = bootWorld(
      {
        config: config.name,
        ...SUITE_GEOMETRY,
        functions: [
          { name: 'f0', padded: true },
          { name: INDIRECT_FUNCTION, padded: true, directCallDest: false },
        ],
      },
      v4,
    );
    const tail = (fn: string): number[] => {
      const ip = t.ip.get(fn) ?? 0;
      return [...t.kernel.mem.peekBytes(ip - 9, 9)];
    };
    expect(tail('f0')[0]).toBe(0x65);
    expect(tail(INDIRECT_FUNCTION)).toEqual(new Array<number>(9).fill(0x90));
  });

  it('the suite still finds D12 on every D12 layout, and its counterexample names a function with a preamble', () => {
    for (const config of d12) {
      for (let seed = 1; seed <= 5; seed++) {
        const [s] = fc.sample(scenarioArbitrary(config, suiteByName('contract')), { seed, numRuns: 1 });
        if (!s) continue;
        const ex = execute(s, v4);
        if (ex.violation?.check !== 'I7') continue;
        expect(ex.violation.fn, config.name).not.toBe(STATIC_FUNCTION);
      }
    }
  });
});
