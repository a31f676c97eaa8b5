/**
 * Running kfmd's suites on a user's own implementation, in a user's own vitest project:
 * `npm install --save-dev kfmd vitest`, then this file.
 */
import { describe, expect, it } from 'vitest';
// ──── kfmd library API: the one place to adapt if its names or options change ────
import { checkConcurrent, checkSequential } from 'kfmd';
// ─────────────────────────────────────────────────────────────────────────────────
import { myStore } from './my-store.js';

describe('my-store under kfmd', () => {
  it('holds the contract suite sequentially on x86 and arm64', () => {
    const seq = checkSequential(myStore, {
      configs: ['x86-A16', 'arm64-md-1,1'],
      suites: ['contract'],
      runs: 30,
      seed: 42,
    });
    // each failure: { config, suite, finding, check, message, report }; report is kfmd's counterexample text
    expect(seq.failures).toEqual([]);
    expect(seq.properties).toBe(2); // configuration × suite: nothing skipped
  }, 300_000);

  it('holds under concurrent schedules (PCT)', () => {
    const conc = checkConcurrent(myStore, { configs: ['x86-A16'], strategy: 'pct', runs: 50, seed: 42 });
    expect(conc.failures).toEqual([]);
    expect(conc.properties).toBe(1);
  }, 300_000);
});
