import { describe, expect, it } from 'vitest';
import { configurationByName } from '../../../model/config/index.ts';
import { DEFAULT_GEN } from '../../engine/concurrent/arbitraries.ts';
import { searchConcurrent } from '../../engine/concurrent/search.ts';
import { formatConcReport } from './timeline.ts';
import { must } from '../../engine/core/must.ts';
import { blindReaders } from '../../../impl/testing/blind-readers.ts';

// the blind readers (impl/testing/blind-readers.ts): no safety check can object, only the model can
describe('a linearizability counterexample in the report', () => {
  it('the search finds it and the report lists the history, each operation with its call and return times', () => {
    const r = searchConcurrent(blindReaders, {
      gen: { ...DEFAULT_GEN, config: configurationByName('x86-A16'), pokeByteOrder: [0, 1, 2, 3, 4] },
      strategy: 'pct',
      seed: 1,
      numRuns: 200,
    });
    expect(r.run?.violation?.check).toBe('linearizability');
    expect(r.finding).toBeNull();
    expect(formatConcReport(must(r.run, 'a failing run'), { impl: 'blind', strategy: 'pct' })).toMatch(
      /\n {2}history: cpu\d kfunc_md_lock\(\); md_(f\d) = kfunc_md_get\(\1\); kfunc_md_unlock\(\); \[\d+, \d+\]/,
    );
  });
});
