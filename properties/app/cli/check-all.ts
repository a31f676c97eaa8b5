/**
 * `kfmd check --impl all`: every built-in design (registry DESIGNS, not the mutants) in both
 * modes — the sequential suites and every concurrent finding (find-all.ts) — on each
 * configuration, as one table.
 */
import { declarationsOf } from '../../../impl/contract/index.ts';
import type { Implementation } from '../../../impl/contract/index.ts';
import type { Configuration } from '../../../model/config/index.ts';
import { labelOf } from '../../engine/concurrent/classify.ts';
import { inapplicableChecks } from '../../engine/core/checks.ts';
import type { Mode } from '../../engine/core/checks.ts';
import type { Suite } from '../../engine/sequential/suites.ts';
import { summaryLine } from '../report/counterexample.ts';
import { matrixJson, matrixText } from '../report/matrix.ts';
import type { Matrix, MatrixCell } from '../report/matrix.ts';
import { saveConcurrentResult } from '../report/save.ts';
import { EXIT_INTERNAL, EXIT_USAGE, EXIT_VIOLATION } from './errors.ts';
import { SIGNAL_EXIT, interruptedLine, watchInterrupts, yieldToSignals } from './interrupt.ts';
import type { Interruption } from './interrupt.ts';
import { findAll } from './find-all.ts';
import type { AllFound, ConcurrentSettings } from './find-all.ts';
import type { CliIo } from './io.ts';
import { runSequentialSaving } from './sequential.ts';
import { matrixVerdicts } from '../report/html/index.ts';
import { reportUnsaved, saveOrNote, writeHtml } from './run-end.ts';

/**
 * Without --runs, the concurrent half searches this many times the plain check's scenarios
 * per round: a table is read as "which races does this design have here", and at the plain
 * default the rarer races (D1, NORCU) show on some configurations only, by chance.
 */
export const ALL_CONCURRENT_FACTOR = 5;

export interface AllCheck {
  readonly designs: readonly Implementation[];
  readonly reference: Implementation | null;
  readonly configs: readonly Configuration[];
  readonly suites: readonly Suite[];
  readonly seed: number;
  readonly runs: number;
  readonly concurrent: ConcurrentSettings;
  readonly json: boolean;
  readonly out: string;
  /** --html FILE, already checked writable */
  readonly html?: string;
}

/** The checks (of both modes) that do not judge `impl` on `config`, one line per reason. */
function checksNotApplicable(impl: Implementation, config: Configuration): string[] {
  const declares = declarationsOf(impl, config.options);
  const byWhy = new Map<string, Set<string>>();
  for (const mode of ['sequential', 'concurrent'] as const satisfies readonly Mode[]) {
    for (const { check, why } of inapplicableChecks(mode, declares, [config.options.arch])) {
      byWhy.set(why, (byWhy.get(why) ?? new Set()).add(check));
    }
  }
  return [...byWhy].map(([why, checks]) => `check${checks.size > 1 ? 's' : ''} ${[...checks].join(', ')}: ${why}`);
}

/**
 * Design by design: the sequential suites, then the concurrent search configuration by
 * configuration, every counterexample saved as found. A SIGINT/SIGTERM stops at the next property
 * or configuration; the cells finished so far are printed (the rest "not run"), exit 130/143.
 */
export async function runAllCheck(a: AllCheck, io: CliIo): Promise<number> {
  const stop = watchInterrupts();
  try {
    return await allUntilStopped(a, io, stop);
  } finally {
    stop.dispose();
  }
}

async function allUntilStopped(a: AllCheck, io: CliIo, stop: Interruption): Promise<number> {
  const started = performance.now();
  const cells: MatrixCell[] = [];
  const figures: string[] = [];
  const files: string[] = [];
  const unsaved: string[] = [];
  for (const impl of a.designs) {
    if (stop.signal) break;
    const t0 = performance.now();
    const seq = await runSequentialSaving({ ...a, impl, json: a.json }, stop);
    files.push(...seq.files.values());
    unsaved.push(...seq.unsaved);
    const t1 = performance.now();
    for (const config of a.configs) {
      if (stop.signal) break;
      const results = seq.campaign.results.filter((r) => r.config === config.name);
      // an interrupted sequential half: this configuration's suites did not all run
      if (results.length < a.suites.length) break;
      const conc = findAllOrError(impl, a.reference, config, a.concurrent);
      for (const r of conc.found) {
        const label = `${a.concurrent.strategy}-${labelOf(r.run?.violation ?? null)}`;
        const file = saveOrNote(unsaved, `${impl.name}/${config.name}`, () =>
          saveConcurrentResult(a.out, impl.name, r, label),
        );
        if (file) files.push(file);
      }
      const na = results.filter((r) => r.status === 'not-applicable');
      cells.push({
        impl: impl.name,
        config: config.name,
        sequential: results.filter((r) => r.status === 'violated').map(summaryLine),
        concurrent: conc.found.map((r) => labelOf(r.run?.violation ?? null)),
        notApplicable: [
          ...na.map((r) => `suite ${r.suite}: ${r.notApplicable ?? ''}`),
          ...(conc.notApplicable !== null ? [`concurrent: ${conc.notApplicable}`] : []),
          ...checksNotApplicable(impl, config),
        ],
        allNotApplicable: na.length === results.length && conc.notApplicable !== null,
        errors: conc.error === null ? [] : [`concurrent: ${conc.error}`],
      });
      await yieldToSignals();
    }
    const seconds = (ms: number): string => `${(ms / 1000).toFixed(1)} s`;
    figures.push(`${impl.name}: sequential ${seconds(t1 - t0)}, concurrent ${seconds(performance.now() - t1)}`);
  }
  figures.push(`total ${((performance.now() - started) / 1000).toFixed(1)} s`);
  const m = matrix(a, cells, figures);
  const signal = stop.signal;
  io.out(
    a.json
      ? `${JSON.stringify({ ...matrixJson(m), ...(signal ? { interrupted: signal } : {}) }, null, 2)}\n`
      : matrixText(m),
  );
  const total = a.designs.length * a.configs.length;
  if (signal) io.out(`${interruptedLine(signal, cells.length, total, 'cells', files.length)}\n`);
  if (a.html !== undefined)
    writeHtml(io, a.html, a.json, {
      title: m.title,
      lines: m.legend,
      table: matrixVerdicts(m),
      files,
      implementations: [...a.designs, ...(a.reference ? [a.reference] : [])],
    });
  if (reportUnsaved(io, a.out, unsaved)) return EXIT_USAGE;
  if (signal) return SIGNAL_EXIT[signal];
  if (cells.some((c) => c.sequential.length + c.concurrent.length > 0)) return EXIT_VIOLATION;
  return cells.some((c) => c.errors.length > 0) ? EXIT_INTERNAL : 0;
}

/** One cell's failure to finish must not cost the whole table: it is reported in the cell. */
function findAllOrError(
  impl: Implementation,
  reference: Implementation | null,
  config: Configuration,
  s: ConcurrentSettings,
): AllFound & { readonly error: string | null } {
  try {
    return { ...findAll(impl, reference, config, s), error: null };
  } catch (err) {
    return { found: [], notApplicable: null, error: err instanceof Error ? err.message : String(err) };
  }
}

function matrix(a: AllCheck, cells: MatrixCell[], figures: string[]): Matrix {
  const c = a.concurrent;
  const against = a.reference ? ` against ${a.reference.name}` : '';
  return {
    title: `kfmd check --impl all${against} — ${a.designs.length} designs × ${a.configs.length} configurations, both modes, seed ${a.seed}`,
    legend: [
      `  each cell: the findings of the sequential suites (${a.suites.length} suite(s) × ${a.runs} runs) and every finding of the concurrent search`,
      `  (${c.strategy}, ${c.runs} scenarios per round, searched again for a new finding until a round finds none), or holds;`,
      `  n/a: nothing applies there; [n]: what did not apply, below`,
      ...(a.reference
        ? [
            `  differential: a failure counts only if ${a.reference.name} does not fail the same check with the same finding on the same input`,
          ]
        : []),
    ],
    designs: a.designs.map((d) => d.name),
    configs: a.configs.map((x) => x.name),
    cells,
    figures,
  };
}
