import pc from 'picocolors';
import { EXIT_VIOLATION } from './errors.ts';
import type { CliIo } from './io.ts';
import { renderTable } from './table.ts';
import { propertySeed } from '../../engine/core/defaults.ts';
import type { Implementation } from '../../../impl/contract/index.ts';
import { saveConcurrentResult } from '../report/save.ts';
import { cpuCount, opCount } from '../../engine/core/scenario.ts';
import type { StrategyName } from '../../engine/core/scenario.ts';
import { searchConcurrent } from '../../engine/concurrent/search.ts';
import type { ConcSearchResult } from '../../engine/concurrent/search.ts';
import { FINDING_TARGETS } from '../../engine/concurrent/targets.ts';
import type { FindingTarget } from '../../engine/concurrent/targets.ts';
import { formatConcReport } from '../report/timeline.ts';

/**
 * `kfmd check --schedule S --hunt`: one search per known race, each under the
 * parameters a kernel would fix for it (byte order, page size, whether readers
 * take rcu_read_lock), each counting only its own finding, with a time limit.
 * A plain concurrent check stops at a configuration's first finding; a hunt
 * reports every race the implementation has.
 */
export interface HuntSettings {
  readonly impl: Implementation;
  readonly strategy: StrategyName;
  readonly seed: number;
  readonly runs: number | null;
  readonly timeLimitMs: number;
  readonly json: boolean;
  readonly out: string;
}

interface Hunted {
  readonly target: FindingTarget;
  readonly r: ConcSearchResult;
  readonly file: string | null;
}

export function runHunt(h: HuntSettings, io: CliIo): number {
  const hunted: Hunted[] = FINDING_TARGETS.map((target) => {
    const r = searchConcurrent(h.impl, {
      gen: target.gen,
      strategy: h.strategy,
      seed: propertySeed(h.seed, target.id, `hunt-${h.strategy}`),
      numRuns: h.runs ?? (h.strategy === 'exhaustive' ? 500 : 100_000),
      maxExecutions: 500,
      timeLimitMs: h.timeLimitMs,
      accept: target.accept,
    });
    return {
      target,
      r,
      file: saveConcurrentResult(h.out, h.impl.name, r, `${h.strategy}-${target.id}`),
    };
  });
  if (h.json) io.out(`${JSON.stringify(hunted.map(json), null, 2)}\n`);
  else io.out(text(h, hunted));
  return hunted.some((x) => x.r.run?.violation) ? EXIT_VIOLATION : 0;
}

function parameters(t: FindingTarget): string {
  return `${t.gen.config.name}, byte order ${t.gen.pokeByteOrder.join(',')}, ENTRIES_PER_PAGE ${t.gen.entriesPerPage}, readers ${t.gen.readers}`;
}

function text(h: HuntSettings, hunted: readonly Hunted[]): string {
  const out = [
    pc.bold(
      `kfmd check --schedule ${h.strategy} --hunt — implementation ${h.impl.name}, seed ${h.seed}, at most ${Math.round(h.timeLimitMs / 1000)} s per race`,
    ),
    '',
  ];
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
      }),
      '',
    );
  }
  const found = hunted.filter((x) => x.r.run?.violation).map((x) => x.target.id);
  out.push(`${hunted.length} races hunted: ${found.length} found${found.length ? ` (${found.join(', ')})` : ''}`);
  return `${out.join('\n')}\n`;
}

function json(x: Hunted): unknown {
  const run = x.r.run;
  return {
    race: x.target.id,
    found: Boolean(x.r.run?.violation),
    notApplicable: x.r.notApplicable,
    parameters: parameters(x.target),
    cpus: run ? cpuCount(run.scenario) : null,
    ops: run ? opCount(run.scenario) : null,
    preemptions: run?.preemptions ?? null,
    timeToFindMs: x.r.timeToFindMs === null ? null : Math.round(x.r.timeToFindMs),
    message: run?.violation?.message ?? null,
    file: x.file,
  };
}
