import { describe, expect, it } from 'vitest';
import type { Implementation } from '../impl/contract/index.ts';
import { locked } from '../impl/locked/store.ts';
import { configurationByName } from '../model/config/index.ts';
import { runCampaign } from './engine/sequential/campaign.ts';
import { SUITES } from './engine/sequential/suites.ts';
import { DEFAULT_GEN } from './engine/concurrent/arbitraries.ts';
import { searchConcurrent } from './engine/concurrent/search.ts';
import { ASCENDING } from './engine/core/scenario.ts';
import { checkSequential } from './index.ts';

// locked's store behind other declarations: what the harness does with a check that does not apply
const hashed: Implementation = { ...locked, name: 'no-text', declares: { ...locked.declares, index: 'none' } };
const ownLocks: Implementation = {
  ...locked,
  name: 'caller-locks-put',
  declares: { ...locked.declares, locking: { get: 'caller-holds', put: 'caller-holds', put_by_ip: 'caller-holds' } },
};

describe('checks and suites that do not apply are reported, never passed in silence', () => {
  it('an index kept outside the text: the text suites are not applicable, the text checks are named', () => {
    const c = runCampaign(hashed, [configurationByName('x86-A16')], SUITES, { seed: 1, numRuns: 20 });
    const status = Object.fromEntries(c.results.map((r) => [r.suite, r.status]));
    expect(status).toMatchObject({
      'foreign-bytes': 'not-applicable',
      'forged-insn': 'not-applicable',
      'double-put': 'not-applicable',
    });
    // the contract suite is judged (by the hash model: locked's array, past MAX_PAGE_ORDER, may fail it)
    expect(status['contract']).not.toBe('not-applicable');
    expect(c.results.filter((r) => r.status === 'not-applicable').every((r) => !r.holds)).toBe(true);
    const r = checkSequential(hashed, { configs: ['x86-A16'], suites: ['contract', 'foreign-bytes'], runs: 20 });
    expect(r.notApplicable.some((l) => l.startsWith('suite foreign-bytes:'))).toBe(true);
    for (const check of ['I7', 'window', 'I6', 'pokes', 'I3']) {
      expect(r.notApplicable.some((l) => l.startsWith(`check ${check}:`))).toBe(true);
    }
  });

  it('a lock rule per verb is what the suites judge by: put-under-lock does not apply, and a put that locks itself deadlocks', () => {
    const c = runCampaign(ownLocks, [configurationByName('arm64-md-1,1')], SUITES, { seed: 1, numRuns: 20 });
    const bySuite = new Map(c.results.map((r) => [r.suite, r]));
    expect(bySuite.get('put-under-lock')?.status).toBe('not-applicable');
    expect(bySuite.get('put-under-lock')?.notApplicable).toMatch(/called with kfunc_md_mutex held by contract/);
    // locked's put takes kfunc_md_mutex itself: under the lock a careful caller of this declaration holds, it deadlocks
    const contract = bySuite.get('contract');
    expect(contract?.status).toBe('violated');
    expect(contract?.counterexample?.violation?.check).toBe('deadlock');
  });

  it('a reader the implementation does not offer: that search is not applicable, "both" narrows to what it offers', () => {
    const rcuOnly: Implementation = {
      ...locked,
      name: 'rcu-only',
      declares: { ...locked.declares, readers: { rcu: true, norcu: false } },
    };
    const gen = { ...DEFAULT_GEN, config: configurationByName('x86-A16'), pokeByteOrder: ASCENDING };
    const norcu = searchConcurrent(rcuOnly, {
      gen: { ...gen, readers: 'norcu' },
      strategy: 'pct',
      seed: 1,
      numRuns: 5,
    });
    expect(norcu.holds).toBe(false);
    expect(norcu.run).toBeNull();
    expect(norcu.notApplicable).toMatch(/no such trampoline reader/);
    const both = searchConcurrent(rcuOnly, { gen: { ...gen, readers: 'both' }, strategy: 'pct', seed: 1, numRuns: 30 });
    expect(both.holds).toBe(true);
    expect(both.notApplicable).toBeNull();
  });
});
