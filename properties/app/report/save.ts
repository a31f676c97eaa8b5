import { counterexamplePath, encodeDecisions, saveCounterexample } from '../../engine/core/counterexample.ts';
import type { ConcSearchResult } from '../../engine/concurrent/search.ts';
import type { PropertyResult } from '../../engine/sequential/property.ts';
import { formatCounterexample } from './counterexample.ts';
import { formatConcReport } from './timeline.ts';
import { againstLabel, concurrentNote } from './against.ts';
import type { AgainstNote } from './against.ts';
import type { CounterexampleFile } from '../../engine/core/counterexample.ts';

/** A saved file with, for a differential one, the reference and its outcome (replay reads it back). */
type Saved = CounterexampleFile & { readonly against?: AgainstNote };

// typed wider than saveCounterexample's parameter, so that the literal may carry `against`
function save(data: Saved): void {
  saveCounterexample(data);
}

/**
 * The one save path for counterexamples, both modes: the file (core/counterexample.ts format)
 * with its printed report. Returns the file written, or null when there is nothing to save.
 */
export function saveSequentialResult(
  dir: string,
  impl: string,
  r: PropertyResult,
  against?: AgainstNote,
): string | null {
  const ex = r.counterexample;
  if (!ex?.violation) return null;
  const file = counterexamplePath(dir, impl, r.config, againstLabel(r.suite, against));
  const finding = r.finding?.id ?? null;
  const note = against ? { against } : {};
  save({
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
    report: formatCounterexample(ex, { impl, finding, seed: r.seed, path: r.path, file, ...note }),
    ...note,
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
  const against = concurrentNote(r.against);
  const note = against ? { against } : {};
  const file = counterexamplePath(dir, impl, r.config, againstLabel(`concurrent-${label}`, against));
  save({
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
    report: formatConcReport(run, { impl, strategy: r.strategy, seed: r.seed, path: r.path, file, ...note }),
    ...note,
  });
  return file;
}
