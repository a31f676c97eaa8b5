import { afterAll, describe, expect, it } from 'vitest';
import { allConfigurations, configurationByName } from '../../../model/config/index.ts';
import { DEFAULT_RUNS, DEFAULT_SEED } from '../../engine/core/defaults.ts';
import type { Op } from '../../../impl/kernel/types.ts';
import type { Implementation } from '../../../impl/contract/index.ts';
import { V4Store, v4 } from '../../../impl/v4/store.ts';
import { checksOf } from '../../engine/core/checks.ts';
import type { CheckName } from '../../engine/core/checks.ts';
import { execute } from '../../engine/sequential/executor.ts';
import { SUITE_GEOMETRY } from '../../engine/core/scenario.ts';
import type { SequentialScenario } from '../../engine/core/scenario.ts';
import { suiteByName } from '../../engine/sequential/suites.ts';
import { Hunter } from './hunt.ts';
import type { HuntResult } from './hunt.ts';
import { MUTANTS } from './index.ts';
import { KNOWN_ESCAPES, suitesFor } from './plan.ts';

/**
 * Each mutant must be caught by the default run (seed, runs as `kfmd check`) on a pair where v4
 * holds. Escapes are listed in plan.ts with the reason; they must keep escaping until a
 * generator change catches them, at which point this test says to move them out.
 */
const hunter = new Hunter(v4, { seed: DEFAULT_SEED, numRuns: DEFAULT_RUNS });
const configs = allConfigurations();
const results: HuntResult[] = [];

afterAll(() => {
  const rows = results.map((r) => {
    const c = r.caught;
    return c
      ? [r.mutant, `${c.config}/${c.suite}`, c.check, String(c.shrunk), c.how, String(r.tried)]
      : [r.mutant, `ESCAPED (${r.tried} pairs tried)`, '-', '-', '-', String(r.tried)];
  });
  // a plain table (the CLI's renderTable, app/cli/table.ts, is a layer above impls/)
  const table = [['mutant', 'caught on', 'check', 'shrunk cmds', 'told apart by', 'pairs run'], ...rows];
  const widths = table[0].map((_, i) => Math.max(...table.map((row) => row[i].length)));
  const text = table
    .map((row) =>
      row
        .map((cell, i) => cell.padEnd(widths[i]))
        .join('  ')
        .trimEnd(),
    )
    .join('\n');
  console.log(`mutants: seed ${DEFAULT_SEED}, ${DEFAULT_RUNS} runs per pair\n${text}\n`);
});

describe('the hunt procedure', () => {
  it('does not flag v4 itself on x86-A16/contract (the property holds)', () => {
    const r = hunter.hunt(v4, [configurationByName('x86-A16')], [suiteByName('contract')]);
    expect(r.tried).toBe(1);
    expect(r.caught).toBeNull();
  });
});

describe('every mutant is told apart from v4 by the default run', () => {
  it.each(MUTANTS.map((m) => [m.name, m] as const))('%s', (name, m) => {
    const r = hunter.hunt(m, configs, suitesFor(name).map(suiteByName));
    results.push(r);
    const escape = KNOWN_ESCAPES[name];
    if (escape) {
      expect(r.caught, `${name} is now caught: remove it from KNOWN_ESCAPES in plan.ts`).toBeNull();
      return;
    }
    expect(r.caught, `${name} escaped every pair where v4 holds`).not.toBeNull();
  });
});

/**
 * Every check must be able to fail: between them, the mutants and v4's own findings must make
 * each check the first to fire somewhere. A check no bug reaches first is untested power.
 */
describe('every check is the first to catch some bug', () => {
  // v4's findings (default-run.test.ts asserts them): D10 is the model's contract check, D12 is I7;
  // D13 is I10 (engine/core/ftrace-sites.test.ts asserts it on the three arm64 BTI configurations)
  const byV4Findings: readonly CheckName[] = ['contract', 'I7', 'I10'];
  // checks shown firing by the tests in this block
  const firedElsewhere = new Set<CheckName>();

  it('a store that throws is reported as a crash, in one line', () => {
    // the slip a TypeScript plugin can make: reading a field of undefined
    class Throwing extends V4Store {
      override *get(): Op<number> {
        const nothing: { md: number } | undefined = undefined;
        return (nothing as unknown as { md: number }).md;
      }
    }
    const throwing: Implementation = { ...v4, name: 'throwing', create: (kernel) => new Throwing(kernel) };
    const scenario: SequentialScenario = {
      config: 'x86-A16',
      suite: 'contract',
      ...SUITE_GEOMETRY,
      functions: [{ name: 'f0', padded: true }],
      commands: [{ op: 'lock' }, { op: 'get', fn: 'f0' }],
    };
    const v = execute(scenario, throwing).violation;
    expect(v?.check).toBe('crash');
    expect(v?.message).toMatch(/^the implementation threw .*undefined.* in `md_f0 = kfunc_md_get\(f0\);`$/);
    expect(v?.message).not.toContain('\n');
    firedElsewhere.add('crash');
  });

  it('every sequential check fires first for some mutant, v4 finding or the throwing store', () => {
    const firedByMutants = results.flatMap((r) => (r.caught ? [r.caught.check] : []));
    const covered = new Set<CheckName>([...firedByMutants, ...byV4Findings, ...firedElsewhere]);
    const missing = checksOf('sequential').filter((c) => !covered.has(c));
    expect(missing, 'checks no known bug makes fire first').toEqual([]);
  });
});
