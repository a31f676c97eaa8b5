import { concCounterexamplePath, encodeDecisions, saveConcCounterexample } from '../../engine/concurrent/file.ts';
import type { ConcSearchResult } from '../../engine/concurrent/search.ts';
import { formatConcReport } from './timeline.ts';

/**
 * Save a concurrent search's shrunk counterexample with its report; returns the file.
 * `label` names the file: the strategy, or strategy and race for a hunt.
 */
export function saveSearchResult(dir: string, impl: string, r: ConcSearchResult, label: string = r.strategy): string {
  const run = r.run!;
  const file = concCounterexamplePath(dir, impl, r.config, label);
  saveConcCounterexample({
    kfmd: 'counterexample',
    version: 1,
    kind: 'concurrent',
    impl,
    strategy: r.strategy,
    seed: r.seed,
    path: r.path,
    finding: r.finding?.id ?? null,
    check: run.violation!.check,
    message: run.violation!.message,
    scenario: run.scenario,
    decisions: encodeDecisions(run.decisions),
    file,
    report: formatConcReport(run, { impl, strategy: r.strategy, seed: r.seed, path: r.path, file }),
  });
  return file;
}
