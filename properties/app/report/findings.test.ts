import { describe, expect, it } from 'vitest';
import { v4 } from '../../../impl/v4/store.ts';
import { configurationByName } from '../../../model/config/index.ts';
import { labelOf } from '../../engine/concurrent/classify.ts';
import { FINDINGS } from '../../engine/core/findings.ts';
import { cpuCount, opCount } from '../../engine/core/scenario.ts';
import type { StrategyName } from '../../engine/core/scenario.ts';
import { explore } from '../../engine/concurrent/explore.ts';
import type { ConcurrentScenario } from '../../engine/core/scenario.ts';
import { searchConcurrent } from '../../engine/concurrent/search.ts';
import type { ConcSearchResult } from '../../engine/concurrent/search.ts';
import { simulate } from '../../engine/concurrent/simulate.ts';
import { FINDING_TARGETS, findingTarget } from '../../engine/concurrent/targets.ts';
import { formatConcReport } from './timeline.ts';
import { must } from '../../engine/core/must.ts';

// The concurrent findings as the report shows them: every v4 finding found, shrunk and replayed
// to the same report, and the timelines saying what happened (moved from engine/concurrent: it
// reads formatConcReport, which the engine may not import).
const STRATEGIES: readonly StrategyName[] = ['random', 'pct', 'exhaustive'];

/** One search per (finding, strategy), shared by the tests below. */
const searches = new Map<string, ConcSearchResult>();
function found(id: string, strategy: StrategyName): ConcSearchResult {
  const key = `${id}/${strategy}`;
  let r = searches.get(key);
  if (!r) {
    const t = findingTarget(id);
    // exhaustive: every schedule with at most one preemption, and the first 500 of the rest, per generated program
    r = searchConcurrent(v4, {
      gen: t.gen,
      strategy,
      seed: 1,
      numRuns: strategy === 'exhaustive' ? 500 : 1_000_000,
      maxExecutions: 500,
      timeLimitMs: 60_000,
      accept: t.accept,
    });
    searches.set(key, r);
  }
  return r;
}

// every v4 finding, by every strategy, from the generic checks: found fast, shrunk small, replayable
describe.each(FINDING_TARGETS.map((t) => t.id))('v4 %s', (id) => {
  it.each(STRATEGIES)('is found by %s within 60 s and shrinks to ≤ 3 CPUs, ≤ 6 operations', (strategy) => {
    const r = found(id, strategy);
    expect(r.holds).toBe(false);
    expect(r.finding?.id).toBe(id);
    expect(r.timeToFindMs).toBeLessThan(60_000);
    const run = must(r.run, 'a failing run');
    expect(cpuCount(run.scenario)).toBeLessThanOrEqual(3);
    expect(opCount(run.scenario)).toBeLessThanOrEqual(6);
    // the saved scenario alone reproduces the same run, step for step
    const again = simulate(run.scenario, v4, { record: true });
    expect(again.decisions).toEqual(run.decisions);
    expect(formatConcReport(again, { impl: 'v4', strategy })).toBe(formatConcReport(run, { impl: 'v4', strategy }));
  });
});

describe('the timelines say what happened', () => {
  const report = (id: string): string =>
    formatConcReport(must(found(id, 'pct').run, `a ${id} run`), { impl: 'v4', strategy: 'pct' });

  it('D7 under ascending order: the high byte is still 0x90, the bound check WARNs', () => {
    const text = report('D7-warn');
    expect(text).toMatch(/D7-warn: no WARN_ON_ONCE fires/);
    expect(text).toMatch(/WARN find-bound after reading f\d's window mid-poke as b8 .. .. .. 90/);
    expect(text).toMatch(/│ cpu0 +│ cpu1/);
    expect(text).toMatch(/st8 f\d-16 ← b8 .*│ f\d: b8 90 90 90 90/);
  });

  it('D7 with the low byte written first: a small wrong index, silently', () => {
    const text = report('D7-index');
    expect(text).toMatch(/mid-poke as b8 90 00 00 00 = index 144 \(< count 256\)/);
    expect(text).toMatch(/x86 poke byte order 1,2,3,4,0/);
  });

  it('D1 with reuse: the slot the reader indexed now belongs to another function', () => {
    const scenario: ConcurrentScenario = {
      ...findingTarget('D1').gen,
      config: 'x86-A16',
      functions: [
        { name: 'f0', padded: true },
        { name: 'f1', padded: true },
      ],
      programs: [
        [
          { op: 'locked_get', fn: 'f0' },
          { op: 'put', fn: 'f0' },
          { op: 'locked_get', fn: 'f1' },
        ],
        [{ op: 'tramp', fn: 'f0', rcu: true }],
      ],
      schedule: { kind: 'segments', segments: [] },
    };
    const r = explore(scenario, v4, {
      accept: (run) => /func f1 \(another function\) and users 1/.test(run.violation?.message ?? ''),
    });
    expect(labelOf(must(r.found, 'a schedule found').violation)).toBe('D1');
    // the writer is interrupted once (after get(f0)), the reader once (between its index and its md loads)
    expect(must(r.found, 'a schedule found').preemptions).toBe(2);
  });

  it('D2: the reader sees the new index before md->func is written', () => {
    expect(report('D2')).toMatch(/was publishing it meanwhile \(instruction first, md->func after\)/);
  });

  it('NORCU: the reader without rcu_read_lock loads from the array growth freed', () => {
    const text = report('NORCU');
    expect(text).toMatch(/free_pages\(A0/);
    expect(text).toMatch(/load\d+ from freed/);
  });
});

describe('without a target, what the checks find on v4 is always in the table', () => {
  it.each(['x86-A16', 'x86-B-kcfi', 'arm64-callops-6,4'])('%s', (config) => {
    const labels = new Set<string>();
    for (const strategy of ['random', 'pct'] as const) {
      for (const seed of [1, 2, 3]) {
        const r = searchConcurrent(v4, {
          gen: { ...findingTarget('D1').gen, readers: 'both', config: configurationByName(config) },
          strategy,
          seed,
          numRuns: 300,
        });
        if (r.run) labels.add(labelOf(r.run.violation));
      }
    }
    expect(labels.size).toBeGreaterThan(0);
    const concurrentFindings = FINDINGS.filter((f) => f.modes.includes('concurrent')).map((f) => f.id);
    for (const l of labels) expect(concurrentFindings).toContain(l);
  });
});
