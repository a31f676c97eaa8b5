import pc from 'picocolors';
import { EXIT_USAGE, EXIT_VIOLATION } from './errors.ts';
import { SIGNAL_EXIT, interruptedLine, watchInterrupts, yieldToSignals } from './interrupt.ts';
import { filesVerdicts } from '../report/html/index.ts';
import { loadCounterexample } from '../../engine/core/counterexample.ts';
import { reportUnsaved, saveOrNote, writeHtml } from './run-end.ts';
import type { CliIo } from './io.ts';
import { renderTable } from './table.ts';
import { differentialNote, againstOf } from './concurrent.ts';
import { propertySeed } from '../../engine/core/defaults.ts';
import type { Implementation } from '../../../impl/contract/index.ts';
import type { Configuration } from '../../../model/config/index.ts';
import { saveConcurrentResult } from '../report/save.ts';
import { concurrentNote } from '../report/against.ts';
import { cpuCount, opCount } from '../../engine/core/scenario.ts';
import type { StrategyName } from '../../engine/core/scenario.ts';
import { searchConcurrent } from '../../engine/concurrent/search.ts';
import type { ConcSearchResult } from '../../engine/concurrent/search.ts';
import { FINDING_TARGETS, absentRaces, otherTarget, targetsFor } from '../../engine/concurrent/targets.ts';
import type { FindingTarget } from '../../engine/concurrent/targets.ts';
import { formatConcReport } from '../report/timeline.ts';

/**
 * `kfmd check --schedule S --hunt`: one search per known race, each under the
 * parameters a kernel would fix for it (byte order, page size, whether readers
 * take rcu_read_lock), each counting only its own finding, with a time limit.
 * A plain concurrent check stops at a configuration's first finding; a hunt
 * reports every race the implementation has. The races are those each
 * configuration can show (targets.ts); with --against the hunt is differential and
 * adds, per configuration, a catch-all for failures none of the races names.
 */
export interface HuntSettings {
  readonly impl: Implementation;
  readonly strategy: StrategyName;
  readonly seed: number;
  readonly runs: number | null;
  readonly timeLimitMs: number;
  readonly json: boolean;
  readonly out: string;
  /** --html FILE, already checked writable */
  readonly html?: string;
  /** the configurations --config/--arch chose; null: the default hunt, each race once (FINDING_TARGETS) */
  readonly configs: readonly Configuration[] | null;
  readonly reference: Implementation | null;
}

interface Hunted {
  readonly target: FindingTarget;
  readonly r: ConcSearchResult;
  readonly file: string | null;
}

/** The searches of a hunt, in order: configuration by configuration, its races, then the catch-all. */
export function huntTargets(h: Pick<HuntSettings, 'configs' | 'reference'>): FindingTarget[] {
  const named = h.configs === null ? [...FINDING_TARGETS] : h.configs.flatMap(targetsFor);
  if (h.reference === null) return named;
  const configs = [...new Map(named.map((t) => [t.gen.config.name, t.gen.config])).values()];
  return configs.flatMap((c) => [...named.filter((t) => t.gen.config === c), otherTarget(c)]);
}

/** One search per race; each counterexample saved when its search ends; SIGINT/SIGTERM stops before the next race. */
export async function runHunt(h: HuntSettings, io: CliIo): Promise<number> {
  const stop = watchInterrupts();
  try {
    const targets = huntTargets(h);
    const hunted: Hunted[] = [];
    const unsaved: string[] = [];
    for (const target of targets) {
      if (stop.signal) break;
      // the default hunt keeps the seeds it always had; a configuration's own hunt gets its own stream
      const stream = h.configs === null ? target.id : `${target.gen.config.name}/${target.id}`;
      const r = searchConcurrent(h.impl, {
        gen: target.gen,
        strategy: h.strategy,
        seed: propertySeed(h.seed, stream, `hunt-${h.strategy}`),
        numRuns: h.runs ?? (h.strategy === 'exhaustive' ? 500 : 100_000),
        maxExecutions: 500,
        timeLimitMs: h.timeLimitMs,
        accept: target.accept,
        ...(h.reference ? { reference: h.reference } : {}),
      });
      const label = `${h.strategy}-${target.id}`;
      const file = saveOrNote(unsaved, target.id, () => saveConcurrentResult(h.out, h.impl.name, r, label));
      hunted.push({ target, r, file });
      await yieldToSignals();
    }
    if (h.json)
      io.out(
        `${JSON.stringify(
          hunted.map((x) => json(x, h)),
          null,
          2,
        )}\n`,
      );
    else io.out(text(h, hunted));
    const signal = stop.signal;
    const saved = hunted.filter((x) => x.file !== null).length;
    if (signal) io.out(`${interruptedLine(signal, hunted.length, targets.length, 'races', saved)}\n`);
    if (h.html !== undefined) {
      const files = hunted.flatMap((x) => (x.file ? [x.file] : []));
      writeHtml(io, h.html, h.json, {
        title: `kfmd check --schedule ${h.strategy} --hunt — implementation ${h.impl.name}`,
        table: filesVerdicts(files.map((path) => ({ path, saved: loadCounterexample(path) }))),
        files,
        implementations: [h.impl, ...(h.reference ? [h.reference] : [])],
      });
    }
    if (reportUnsaved(io, h.out, unsaved)) return EXIT_USAGE;
    if (signal) return SIGNAL_EXIT[signal];
    return hunted.some((x) => x.r.run?.violation) ? EXIT_VIOLATION : 0;
  } finally {
    stop.dispose();
  }
}

function parameters(t: FindingTarget): string {
  return `${t.gen.config.name}, byte order ${t.gen.pokeByteOrder.join(',')}, ENTRIES_PER_PAGE ${t.gen.entriesPerPage}, readers ${t.gen.readers}`;
}

function text(h: HuntSettings, hunted: readonly Hunted[]): string {
  const against = h.reference ? ` against ${h.reference.name}` : '';
  const out = [
    pc.bold(
      `kfmd check --schedule ${h.strategy} --hunt — implementation ${h.impl.name}${against}, seed ${h.seed}, at most ${Math.round(h.timeLimitMs / 1000)} s per race`,
    ),
  ];
  if (h.reference) out.push(pc.dim(differentialNote(h.reference.name)));
  out.push('');
  const rows = hunted.map(({ target, r }) => {
    const run = r.run;
    return [
      target.id,
      r.notApplicable !== null ? pc.yellow('n/a') : r.holds ? pc.green('not found') : pc.red('found'),
      run ? `${cpuCount(run.scenario)}/${opCount(run.scenario)}` : '',
      run ? String(run.preemptions) : '',
      r.timeToFindMs === null
        ? `${(r.totalMs / 1000).toFixed(1)} s searched`
        : `${(r.timeToFindMs / 1000).toFixed(2)} s`,
      parameters(target),
    ];
  });
  out.push(renderTable(['race', 'verdict', 'CPUs/ops', 'preemptions', 'time to find', 'parameters'], rows), '');
  for (const x of hunted) {
    if (!x.r.run?.violation) continue;
    out.push(
      formatConcReport(x.r.run, {
        impl: h.impl.name,
        strategy: h.strategy,
        seed: x.r.seed,
        path: x.r.path,
        ...(x.file ? { file: x.file } : {}),
        ...againstOf(x.r),
      }),
      '',
    );
  }
  for (const why of new Set(hunted.flatMap((x) => (x.r.notApplicable ? [x.r.notApplicable] : []))))
    out.push(pc.yellow(`not applicable — ${why}`));
  out.push(...absentNotes(h.configs ?? []));
  out.push(summary(hunted));
  return `${out.join('\n')}\n`;
}

/** The races left out of a configuration's hunt, grouped by reason. */
function absentNotes(configs: readonly Configuration[]): string[] {
  const byWhy = new Map<string, { ids: Set<string>; configs: Set<string> }>();
  for (const c of configs)
    for (const a of absentRaces(c)) {
      const e = byWhy.get(a.why) ?? { ids: new Set<string>(), configs: new Set<string>() };
      e.ids.add(a.id);
      e.configs.add(c.name);
      byWhy.set(a.why, e);
    }
  return [...byWhy].map(
    ([why, e]) => `not searched: ${[...e.ids].join(', ')} on ${e.configs.size} configuration(s) — ${why}`,
  );
}

function summary(hunted: readonly Hunted[]): string {
  const found = hunted.filter((x) => x.r.run?.violation);
  const configs = new Set(hunted.map((x) => x.target.gen.config.name));
  const ids = (xs: readonly Hunted[]): string => xs.map((x) => x.target.id).join(', ');
  // one configuration per race (the default hunt): the ids say it all; else each configuration's
  const where =
    configs.size === 1 || new Set(hunted.map((x) => x.target.id)).size === hunted.length
      ? ids(found)
      : [...configs]
          .map((c) => [c, found.filter((x) => x.target.gen.config.name === c)] as const)
          .filter(([, xs]) => xs.length > 0)
          .map(([c, xs]) => `${ids(xs)} on ${c}`)
          .join('; ');
  return `${hunted.length} races hunted: ${found.length} found${found.length ? ` (${where})` : ''}`;
}

function json(x: Hunted, h: HuntSettings): unknown {
  const run = x.r.run;
  return {
    race: x.target.id,
    config: x.target.gen.config.name,
    against: h.reference?.name ?? null,
    found: Boolean(x.r.run?.violation),
    notApplicable: x.r.notApplicable,
    parameters: parameters(x.target),
    cpus: run ? cpuCount(run.scenario) : null,
    ops: run ? opCount(run.scenario) : null,
    preemptions: run?.preemptions ?? null,
    timeToFindMs: x.r.timeToFindMs === null ? null : Math.round(x.r.timeToFindMs),
    message: run?.violation?.message ?? null,
    reference: concurrentNote(x.r.against)?.outcome ?? null,
    file: x.file,
  };
}
