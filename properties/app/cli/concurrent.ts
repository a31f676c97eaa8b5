import pc from 'picocolors';
import type { Configuration } from '../../../model/config/index.ts';
import { declarationsOf } from '../../../impl/contract/index.ts';
import type { Implementation } from '../../../impl/contract/index.ts';
import { propertySeed } from '../../engine/core/defaults.ts';
import { renderTable } from './table.ts';
import type { CliIo } from './io.ts';
import { EXIT_USAGE, EXIT_VIOLATION } from './errors.ts';
import { SIGNAL_EXIT, interruptedLine, watchInterrupts, yieldToSignals } from './interrupt.ts';
import { concurrentVerdicts } from '../report/html/index.ts';
import { reportUnsaved, saveOrNote, writeHtml } from './run-end.ts';
import { DEFAULT_GEN } from '../../engine/concurrent/arbitraries.ts';
import type { ConcGenOptions } from '../../engine/concurrent/arbitraries.ts';
import { DEFAULT_MAX_EXECUTIONS, DEFAULT_PREEMPTION_BOUND } from '../../engine/concurrent/explore.ts';
import { labelOf } from '../../engine/concurrent/classify.ts';
import { cpuCount, opCount } from '../../engine/core/scenario.ts';
import { searchConcurrent } from '../../engine/concurrent/search.ts';
import type { ConcSearchResult } from '../../engine/concurrent/search.ts';
import type { ConcRun } from '../../engine/concurrent/simulate.ts';
import { saveConcurrentResult } from '../report/save.ts';
import { formatConcReport } from '../report/timeline.ts';
import { concurrentNote } from '../report/against.ts';
import type { AgainstNote } from '../report/against.ts';
import type { ConcurrentSettings } from './find-all.ts';

/** Concurrent-mode settings of `kfmd check --schedule …` (already parsed). */
export interface ConcurrentCheck extends ConcurrentSettings {
  readonly impl: Implementation;
  readonly configs: readonly Configuration[];
  readonly json: boolean;
  readonly out: string;
  /** --html FILE, already checked writable */
  readonly html?: string;
  /** --against: only the failures this implementation does not share on the same run */
  readonly reference: Implementation | null;
}

// scenarios per property when --runs is not given (engine/core/defaults.ts, beside the sequential DEFAULT_RUNS)
export { DEFAULT_CONCURRENT_RUNS } from '../../engine/core/defaults.ts';
export { DEFAULT_MAX_EXECUTIONS as DEFAULT_MAX_EXECUTIONS_CLI, DEFAULT_PREEMPTION_BOUND };

/**
 * One search per configuration, each counterexample saved as soon as its search ends; a
 * SIGINT/SIGTERM stops before the next configuration, prints what was searched, exits 130/143.
 */
export async function runConcurrentCheck(c: ConcurrentCheck, io: CliIo): Promise<number> {
  const stop = watchInterrupts();
  try {
    const results: { config: Configuration; r: ConcSearchResult; file: string | null }[] = [];
    const unsaved: string[] = [];
    for (const config of c.configs) {
      if (stop.signal) break;
      const gen: ConcGenOptions = {
        ...DEFAULT_GEN,
        config,
        pokeByteOrder: c.pokeByteOrder,
        entriesPerPage: c.entriesPerPage,
        readers: c.readers,
      };
      // each configuration its own stream, derived from the run's seed as the sequential suites do
      const seed = propertySeed(c.seed, config.name, `concurrent-${c.strategy}`);
      const r = searchConcurrent(c.impl, {
        gen,
        strategy: c.strategy,
        seed,
        numRuns: c.runs,
        preemptionBound: c.preemptionBound,
        maxExecutions: c.maxExecutions,
        ...(c.reference ? { reference: c.reference } : {}),
      });
      const file = saveOrNote(unsaved, config.name, () => saveConcurrentResult(c.out, c.impl.name, r));
      results.push({ config, r, file });
      await yieldToSignals();
    }
    const signal = stop.signal;
    if (c.json)
      io.out(`${JSON.stringify({ ...jsonReport(c, results), ...(signal ? { interrupted: signal } : {}) }, null, 2)}\n`);
    else io.out(textReport(c, results));
    const saved = results.filter((x) => x.file !== null).length;
    if (signal) io.out(`${interruptedLine(signal, results.length, c.configs.length, 'configurations', saved)}\n`);
    if (c.html !== undefined)
      writeHtml(io, c.html, c.json, {
        title: `kfmd check --schedule ${c.strategy} — implementation ${c.impl.name}`,
        table: concurrentVerdicts(c.impl.name, c.strategy, results),
        files: results.flatMap((x) => (x.file ? [x.file] : [])),
        implementations: [c.impl, ...(c.reference ? [c.reference] : [])],
      });
    if (reportUnsaved(io, c.out, unsaved)) return EXIT_USAGE;
    if (signal) return SIGNAL_EXIT[signal];
    return results.some((x) => failedRun(x.r) !== null) ? EXIT_VIOLATION : 0;
  } finally {
    stop.dispose();
  }
}

/**
 * A configuration whose md window overlaps another occupant is a layout finding (D12), whatever the
 * interleaving, for a design that keeps its index at the configuration's offset (not a hash table,
 * nor may25's own offsets).
 */
function layoutNote(config: Configuration, impl: Implementation): string | null {
  const d = declarationsOf(impl, config.options);
  return config.overlaps.length > 0 && d.index === 'padding-insn' && d.insnOffset === undefined
    ? `D12 layout: ${config.overlaps.join('; ')} — every get of a function with a kCFI preamble fails with -EBUSY; only the static without one (static0) gets metadata`
    : null;
}

/** The counterexample's run of a property that does not hold (searchConcurrent records one whenever it fails). */
function failedRun(r: ConcSearchResult): ConcRun | null {
  return r.holds ? null : r.run;
}

function cellFor(x: { config: Configuration; r: ConcSearchResult }, impl: Implementation): string {
  const run = failedRun(x.r);
  if (run) return pc.red(labelOf(run.violation));
  if (x.r.notApplicable !== null) return pc.yellow('n/a');
  return layoutNote(x.config, impl) ? pc.yellow('holds (D12)') : pc.green('holds');
}

function textReport(
  c: ConcurrentCheck,
  results: readonly { config: Configuration; r: ConcSearchResult; file: string | null }[],
): string {
  const out: string[] = [];
  out.push(
    pc.bold(
      `kfmd check --schedule ${c.strategy} — implementation ${c.impl.name}${c.reference ? ` against ${c.reference.name}` : ''}, ${results.length} configuration(s), ${c.runs} scenarios each, seed ${c.seed}`,
    ),
  );
  if (c.reference) out.push(pc.dim(differentialNote(c.reference.name)));
  out.push(
    pc.dim(
      `  up to ${DEFAULT_GEN.maxCpus} CPUs × ${DEFAULT_GEN.maxOpsPerCpu} operations; ENTRIES_PER_PAGE ${c.entriesPerPage}; x86 poke byte order ${c.pokeByteOrder.join(',')}; readers ${c.readers}${c.strategy === 'exhaustive' ? `; at most ${c.preemptionBound} preemptions, ${c.maxExecutions} schedules per scenario` : ''}`,
    ),
  );
  out.push('');
  const header = [
    'configuration',
    c.strategy,
    'CPUs/ops',
    'preemptions',
    'found after',
    c.strategy === 'exhaustive' ? 'schedules explored' : 'lin unknown',
  ];
  const rows = results.map((x) => {
    const run = x.r.run;
    const size = run ? `${cpuCount(run.scenario)}/${opCount(run.scenario)}` : '';
    const found =
      x.r.timeToFindMs !== null ? `${x.r.runsUntilFailure} scenarios, ${Math.round(x.r.timeToFindMs)} ms` : '';
    const extra = x.r.explored ? String(x.r.explored.executions) : String(x.r.unknown);
    return [x.config.name, cellFor(x, c.impl), size, run ? String(run.preemptions) : '', found, extra];
  });
  out.push(renderTable(header, rows));
  const groups = new Map<string, ((typeof results)[number] & { run: ConcRun })[]>();
  for (const x of results) {
    const run = failedRun(x.r);
    if (!run) continue;
    const key = labelOf(run.violation);
    groups.set(key, [...(groups.get(key) ?? []), { ...x, run }]);
  }
  for (const [, xs] of groups) {
    const shortest = [...xs].sort(
      (a, b) => opCount(a.run.scenario) - opCount(b.run.scenario) || a.run.steps - b.run.steps,
    )[0];
    out.push(
      formatConcReport(shortest.run, {
        impl: c.impl.name,
        strategy: c.strategy,
        seed: shortest.r.seed,
        path: shortest.r.path,
        ...(shortest.file ? { file: shortest.file } : {}),
        ...againstOf(shortest.r),
      }),
    );
    const others = xs.filter((x) => x !== shortest).map((x) => x.config.name);
    if (others.length) out.push(pc.dim(`  also: ${others.join(', ')}`));
    out.push('');
  }
  const notes = [...new Set(results.map((x) => layoutNote(x.config, c.impl)).filter((n): n is string => n !== null))];
  for (const n of notes)
    out.push(
      pc.yellow(`note: ${n} (${results.filter((x) => layoutNote(x.config, c.impl) === n).length} configuration(s))`),
    );
  const violated = results.filter((x) => failedRun(x.r) !== null).length;
  const inapplicable = results.filter((x) => x.r.notApplicable !== null);
  const summary = [...groups.entries()].map(([k, xs]) => `${k} ×${xs.length}`).join(', ');
  const na = inapplicable.length > 0 ? `, ${inapplicable.length} not applicable` : '';
  out.push(
    `${results.length} properties: ${results.length - violated - inapplicable.length} hold, ${violated} violated${na}${summary ? ` (${summary})` : ''}`,
  );
  for (const why of new Set(inapplicable.map((x) => x.r.notApplicable))) out.push(pc.yellow(`not applicable — ${why}`));
  return `${out.join('\n')}\n`;
}

function jsonReport(
  c: ConcurrentCheck,
  results: readonly { config: Configuration; r: ConcSearchResult; file: string | null }[],
): Record<string, unknown> {
  return {
    impl: c.impl.name,
    against: c.reference?.name ?? null,
    strategy: c.strategy,
    seed: c.seed,
    runs: c.runs,
    results: results.map(({ config, r, file }) => ({
      config: config.name,
      holds: r.holds,
      finding: r.run ? labelOf(r.run.violation) : null,
      check: r.run?.violation?.check ?? null,
      message: r.run?.violation?.message ?? null,
      cpus: r.run ? cpuCount(r.run.scenario) : null,
      ops: r.run ? opCount(r.run.scenario) : null,
      preemptions: r.run?.preemptions ?? null,
      steps: r.run?.steps ?? null,
      runsUntilFailure: r.runsUntilFailure,
      timeToFindMs: r.timeToFindMs === null ? null : Math.round(r.timeToFindMs),
      schedulesExplored: r.explored?.executions ?? null,
      linUnknown: r.unknown,
      layout: layoutNote(config, c.impl),
      reference: concurrentNote(r.against)?.outcome ?? null,
      file,
    })),
  };
}

/** The header line of a differential concurrent report. */
export function differentialNote(reference: string): string {
  return `  differential: a failure counts only if ${reference}, on the same programs and schedule (exhaustive: the interleaving explored), does not fail the same check with the same finding`;
}

/** The report meta of a differential result (nothing for a plain one). */
export function againstOf(r: ConcSearchResult): { against?: AgainstNote } {
  const note = concurrentNote(r.against);
  return note ? { against: note } : {};
}
