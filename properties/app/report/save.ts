import { counterexamplePath, encodeDecisions, saveCounterexample } from '../../engine/core/counterexample.ts';
import type { ConcSearchResult } from '../../engine/concurrent/search.ts';
import type { PropertyResult } from '../../engine/sequential/property.ts';
import { formatCounterexample } from './counterexample.ts';
import { formatConcReport } from './timeline.ts';

/**
 * The one save path for counterexamples, both modes: the file (core/counterexample.ts format)
 * with its printed report. Returns the file written, or null when there is nothing to save.
 */
export function saveSequentialResult(dir: string, impl: string, r: PropertyResult): string | null {
  const ex = r.counterexample;
  if (!ex?.violation) return null;
  const file = counterexamplePath(dir, impl, r.config, r.suite);
  const finding = r.finding?.id ?? null;
  saveCounterexample({
    kfmd: 'counterexample',
    version: 2,
    kind: 'sequential',
    impl,
    seed: r.seed,
    path: r.path,
    finding,
    check: ex.violation.check,
    message: ex.violation.message,
    // the commands that ran: skipped ones are not part of the counterexample
    scenario: { ...ex.scenario, commands: ex.executed },
    file,
    report: formatCounterexample(ex, { impl, finding, seed: r.seed, path: r.path, file }),
  });
  return file;
}

/** `label` names the file: the strategy, or strategy and race for a hunt. */
export function saveConcurrentResult(
  dir: string,
  impl: string,
  r: ConcSearchResult,
  label: string = r.strategy,
): string | null {
  const run = r.run;
  if (!run?.violation) return null;
  const file = counterexamplePath(dir, impl, r.config, `concurrent-${label}`);
  saveCounterexample({
    kfmd: 'counterexample',
    version: 2,
    kind: 'concurrent',
    impl,
    strategy: r.strategy,
    seed: r.seed,
    path: r.path,
    finding: r.finding?.id ?? null,
    check: run.violation.check,
    message: run.violation.message,
    scenario: run.scenario,
    decisions: encodeDecisions(run.decisions),
    file,
    report: formatConcReport(run, { impl, strategy: r.strategy, seed: r.seed, path: r.path, file }),
  });
  return file;
}
