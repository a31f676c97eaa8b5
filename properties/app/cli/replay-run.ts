/**
 * `kfmd replay`, once the file is loaded: run the counterexample again on the implementation
 * (and, for a differential one, on the reference) and print the same report.
 */
import type { Implementation } from '../../../impl/contract/index.ts';
import { encodeDecisions } from '../../engine/core/counterexample.ts';
import type { ConcurrentCounterexample, SequentialCounterexample } from '../../engine/core/counterexample.ts';
import { sameFailure as sameRun } from '../../engine/concurrent/differential.ts';
import { simulate } from '../../engine/concurrent/simulate.ts';
import { execute } from '../../engine/sequential/executor.ts';
import { classifyExecution } from '../../engine/sequential/property.ts';
import { concurrentNote } from '../report/against.ts';
import { formatCounterexample } from '../report/counterexample.ts';
import { formatConcReport } from '../report/timeline.ts';
import { referenceExecution, referenceNote, sameFailure } from './differential.ts';
import { EXIT_VIOLATION } from './errors.ts';
import type { CliIo } from './io.ts';

/** What to replay: the file, on which implementation, against which reference (null: not differential). */
export interface Replay<T> {
  readonly saved: T;
  readonly impl: Implementation;
  readonly reference: Implementation | null;
  /** the implementation and reference are the ones recorded: the report must match byte for byte */
  readonly recorded: boolean;
}

export function replaySequential(x: Replay<SequentialCounterexample>, io: CliIo): number {
  const { saved, impl, reference } = x;
  const ex = execute(saved.scenario, impl);
  const where = `${saved.scenario.config} / ${saved.scenario.suite}`;
  if (!ex.violation) {
    io.out(`${where}: the counterexample no longer fails on ${impl.name} (${ex.executed.length} commands ran)\n`);
    return 0;
  }
  if (reference && sameFailure(ex, referenceExecution(ex, reference))) {
    io.out(`${where}: ${impl.name} still fails, but ${reference.name} fails the same commands the same way\n`);
    return 0;
  }
  const report = formatCounterexample(ex, {
    impl: impl.name,
    finding: classifyExecution(ex)?.id ?? null,
    seed: saved.seed,
    path: saved.path,
    file: saved.file,
    ...(reference ? { against: referenceNote(ex, reference) } : {}),
  });
  io.out(`${report}\n`);
  if (x.recorded && report !== saved.report)
    io.out('note: the report differs from the one saved with the counterexample\n');
  return EXIT_VIOLATION;
}

/** The same scenario and schedule, the same timeline. */
export function replayConcurrent(x: Replay<ConcurrentCounterexample>, io: CliIo): number {
  const { saved, impl, reference } = x;
  const run = simulate(saved.scenario, impl, { record: true });
  const where = `${saved.scenario.config} / concurrent ${saved.strategy}`;
  if (!run.violation) {
    io.out(`${where}: the counterexample no longer fails on ${impl.name} (${run.steps} steps)\n`);
    return 0;
  }
  const onReference = reference ? simulate(saved.scenario, reference).violation : null;
  if (reference && sameRun(run.violation, onReference)) {
    io.out(`${where}: ${impl.name} still fails, but ${reference.name} fails the same run the same way\n`);
    return 0;
  }
  const note = reference ? concurrentNote({ name: reference.name, violation: onReference }) : undefined;
  const report = formatConcReport(run, {
    impl: impl.name,
    strategy: saved.strategy,
    seed: saved.seed,
    path: saved.path,
    file: saved.file,
    ...(note ? { against: note } : {}),
  });
  io.out(`${report}\n`);
  if (x.recorded && encodeDecisions(run.decisions) !== saved.decisions)
    io.out('note: the schedule took a different path than the one saved\n');
  if (x.recorded && report !== saved.report)
    io.out('note: the report differs from the one saved with the counterexample\n');
  return EXIT_VIOLATION;
}
