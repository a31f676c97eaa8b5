import { describe, expect, it } from 'vitest';
import { kfmd } from '../impl/kfmd/store.ts';
import { locked } from '../impl/locked/store.ts';
import { v4 } from '../impl/v4/store.ts';
import { allConfigurations, configFtraceCallSite } from '../model/config/index.ts';
import { checkSequential } from './index.ts';

// I10 (spec §5, D13) through the sequential driver, as `kfmd check` runs it: a boot check of the
// contract suite (the one without faults), so the fault suites' findings stay what they were.

const BTI_FTRACE = allConfigurations()
  .filter((c) => c.arch === 'arm64' && configFtraceCallSite(c) !== null && c.name.endsWith('-bti'))
  .map((c) => c.name);

describe('I10 in the sequential driver', () => {
  it('the contract suite reports D13 (check I10, at boot) for v4 on the BTI configurations, and nothing for kfmd', () => {
    const configs = ['arm64-args-3,1', ...BTI_FTRACE, 'arm64-md-1,1-bti'];
    const r = checkSequential(v4, { configs, suites: ['contract'], runs: 3 });
    expect(r.failures.map((f) => [f.config, f.finding, f.check])).toEqual(BTI_FTRACE.map((c) => [c, 'D13', 'I10']));
    expect(r.failures[0]?.message).toMatch(
      /returns ip\+4; the BL site is ip\+8, the second NOP after `bti c` at ip\+0/,
    );
    expect(checkSequential(kfmd, { configs, suites: ['contract'], runs: 3 }).failures).toEqual([]);
    expect(checkSequential(locked, { configs, suites: ['contract'], runs: 3 }).notApplicable).toContain(
      'check I10: the implementation offers no ftrace_call_adjust (the optional arm64 arch hook, Declarations.ftraceCallAdjust)',
    );
  });

  it('the fault suites do not check it, so it hides nothing they find', () => {
    const r = checkSequential(v4, { configs: ['arm64-args-3,1-bti'], suites: ['unpadded', 'double-put'], runs: 20 });
    expect(r.failures.filter((f) => f.check === 'I10')).toEqual([]);
  });
});
