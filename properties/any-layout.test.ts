import { describe, expect, it } from 'vitest';
import { hooksFor } from '../impl/arch/select.ts';
import { CONTRACT_VERSION } from '../impl/contract/index.ts';
import type { EntryLayout, Implementation } from '../impl/contract/index.ts';
import { LockedStore, locked } from '../impl/locked/store.ts';
import { V4_LAYOUT } from '../impl/v4/store.ts';
import { checkConcurrent, checkSequential } from './index.ts';

// struct kfunc_md { u64 pad; void *func; u64 pad2[2]; int users; int pad3; }: 40 bytes, func before users
const WIDE: EntryLayout = { size: 40, users: 32, func: 8 };

const wide: Implementation = {
  name: 'locked-40',
  description: 'the locked design with 40-byte entries, func at 8 and users at 32',
  contract: CONTRACT_VERSION,
  declares: locked.declares,
  create: (kernel) => new LockedStore(kernel, hooksFor(kernel), WIDE),
};

/** The same 40-byte store, but inspect() claims v4's 16-byte layout: a harness that reads the layout must notice. */
const lying: Implementation = {
  ...wide,
  name: 'locked-40-misreported',
  create: (kernel) => {
    const store = new LockedStore(kernel, hooksFor(kernel), WIDE);
    const inspect = store.inspect.bind(store);
    store.inspect = () => ({ ...inspect(), layout: V4_LAYOUT });
    return store;
  },
};

const CONFIGS = [
  'x86-A16',
  'x86-B-kcfi',
  'x86-C-kcfi-intent-fineibt-built-thunks',
  'arm64-md-1,1',
  'arm64-callops-6,4',
];

describe('the harness assumes no entry layout', () => {
  it('40-byte entries, fields in another order: every suite locked passes holds, sequentially', () => {
    const r = checkSequential(wide, {
      configs: CONFIGS,
      suites: ['contract', 'alloc-failure', 'double-put', 'stale-md', 'foreign-bytes', 'unpadded'],
      runs: 40,
    });
    expect(r.properties).toBe(CONFIGS.length * 6);
    expect(r.failures.map((f) => `${f.config}/${f.suite}: ${f.check}: ${f.message}`)).toEqual([]);
    // locked offers no ftrace_call_adjust hook, so the arm64 ftrace-site check cannot run on it
    expect(r.notApplicable.map((n) => n.split(':')[0])).toEqual(['check I10']);
  });

  it('40-byte entries: the concurrent checks hold on simulated CPUs (pct and random)', () => {
    for (const strategy of ['pct', 'random'] as const) {
      const r = checkConcurrent(wide, { configs: ['x86-A16', 'arm64-md-1,1'], strategy, runs: 60 });
      expect(r.failures.map((f) => `${f.config}: ${f.check}: ${f.message}`)).toEqual([]);
    }
  });

  it('a store that misreports its layout fails: the harness reads it, it does not assume it', () => {
    const r = checkSequential(lying, { configs: ['x86-A16'], suites: ['contract'], runs: 40 });
    expect(r.failures.length).toBe(1);
    expect(r.failures[0]?.check).toBe('result');
  });
});
