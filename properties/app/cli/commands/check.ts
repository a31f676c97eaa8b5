/** `kfmd check`: the property suites against an implementation, with a verdict table and counterexamples. */
import { Option } from 'commander';
import type { Command } from 'commander';
import cliProgress from 'cli-progress';
import pc from 'picocolors';
import { allConfigurations, configurationByName } from '../../../../model/config/index.ts';
import type { Configuration } from '../../../../model/config/index.ts';
import { runCampaign } from '../../../engine/sequential/campaign.ts';
import type { Campaign } from '../../../engine/sequential/campaign.ts';
import type { PropertyResult } from '../../../engine/sequential/property.ts';
import type { Execution } from '../../../engine/sequential/executor.ts';
import { SUITES, suiteByName } from '../../../engine/sequential/suites.ts';
import type { Suite } from '../../../engine/sequential/suites.ts';
import type { Implementation } from '../../../../impl/contract/index.ts';
import { IMPLEMENTATIONS } from '../../../impls/registry.ts';
import { addImplCmdOptions, implementationOf } from '../impl-cmd.ts';
import { runHunt } from '../hunt.ts';
import { formatCounterexample, summaryLine } from '../../report/counterexample.ts';
import { COUNTEREXAMPLE_DIR } from '../../../engine/core/counterexample.ts';
import { DEFAULT_RUNS, DEFAULT_SEED } from '../../../engine/core/defaults.ts';
import { saveSequentialResult } from '../../report/save.ts';
import { inapplicableChecks } from '../../../engine/core/checks.ts';
import { ExitStatus, EXIT_VIOLATION, UsageError } from '../errors.ts';
import type { CliIo } from '../io.ts';
import { renderTable } from '../table.ts';
import { DEFAULT_GEN } from '../../../engine/concurrent/arbitraries.ts';
import {
  DEFAULT_CONCURRENT_RUNS,
  DEFAULT_MAX_EXECUTIONS_CLI,
  DEFAULT_PREEMPTION_BOUND,
  parseByteOrder,
  runConcurrentCheck,
} from '../concurrent.ts';
import type { StrategyName } from '../../../engine/core/scenario.ts';
import { campaignJson, coverageLines } from '../../report/campaign.ts';

export { DEFAULT_RUNS, DEFAULT_SEED };

interface CheckOptions {
  readonly schedule?: StrategyName;
  readonly byteOrder: string;
  readonly entriesPerPage: string;
  readonly readers: 'rcu' | 'norcu' | 'both';
  readonly preemptions: string;
  readonly maxSchedules: string;
  readonly hunt?: boolean;
  readonly timeLimit: string;
  readonly impl: string;
  readonly arch: 'x86' | 'arm64' | 'all';
  readonly config: string;
  readonly suite: string;
  readonly runs: string;
  readonly seed: string;
  readonly faults: boolean;
  readonly json?: boolean;
  readonly out: string;
}

export function registerCheck(program: Command, io: CliIo): void {
  addImplCmdOptions(program.command('check'))
    .description(
      'run the property suites: model vs implementation, every configuration of both arches; with --schedule, concurrently on simulated CPUs',
    )
    .option(
      '--impl <name|file>',
      `implementation to check: a built-in one (${IMPLEMENTATIONS.map((i) => i.name).join(', ')}) or a module file of yours (.ts or .js) exporting one`,
      'v4',
    )
    .addOption(new Option('--arch <arch>', 'architecture').choices(['x86', 'arm64', 'all']).default('all'))
    .option('--config <name>', 'one configuration (see kfmd configs) or all', 'all')
    .option('--suite <name>', `one property suite (${SUITES.map((s) => s.name).join(', ')}) or all`, 'all')
    .option(
      '--runs <n>',
      `generated scenarios per (configuration, suite); concurrent default: ${Object.entries(DEFAULT_CONCURRENT_RUNS)
        .map(([k, v]) => `${v} ${k}`)
        .join(', ')}`,
      String(DEFAULT_RUNS),
    )
    .option('--seed <n>', 'seed: the same seed gives the same run, byte for byte', String(DEFAULT_SEED))
    .option('--no-faults', 'only the contract suite: no fault commands, no lock misuse')
    .option('--json', 'machine-readable output for CI')
    .option('--out <dir>', 'where counterexamples are saved', COUNTEREXAMPLE_DIR)
    .addOption(
      new Option(
        '--schedule <strategy>',
        'concurrent mode: simulated CPUs interleaved by this strategy (without it: the sequential suites)',
      ).choices(['random', 'pct', 'exhaustive']),
    )
    .option(
      '--byte-order <order>',
      'concurrent: x86 text_poke byte order (ascending, descending, low-first, or e.g. 1,2,3,4,0)',
      'ascending',
    )
    .option(
      '--entries-per-page <n>',
      'concurrent: ENTRIES_PER_PAGE (256 = a real 4 KiB page)',
      String(DEFAULT_GEN.entriesPerPage),
    )
    .addOption(
      new Option('--readers <mode>', "concurrent: trampolines with rcu_read_lock, without (the author's), or both")
        .choices(['rcu', 'norcu', 'both'])
        .default('both'),
    )
    .option('--preemptions <n>', 'exhaustive: preemption bound', String(DEFAULT_PREEMPTION_BOUND))
    .option('--max-schedules <n>', 'exhaustive: schedules per generated scenario', String(DEFAULT_MAX_EXECUTIONS_CLI))
    .option(
      '--hunt',
      'concurrent: search for every known race (D1, D2, D6, D7, unprotected reader) under its own parameters',
    )
    .option('--time-limit <seconds>', 'concurrent --hunt: search time per race', '60')
    .action(async (opts: CheckOptions, cmd: Command) => {
      const impl = await implementationOf(cmd);
      const status = opts.schedule
        ? concurrent(impl, opts, opts.schedule, cmd.getOptionValueSource('runs') === 'default', io)
        : check(impl, opts, io);
      if (status !== 0) throw new ExitStatus(status);
    });
}

function concurrent(
  impl: Implementation,
  opts: CheckOptions,
  strategy: StrategyName,
  defaultRuns: boolean,
  io: CliIo,
): number {
  if (opts.hunt) {
    const runs = defaultRuns ? null : positiveInt(opts.runs, '--runs');
    const timeLimitMs = positiveInt(opts.timeLimit, '--time-limit') * 1000;
    return runHunt(
      {
        impl,
        strategy,
        seed: integer(opts.seed, '--seed'),
        runs,
        timeLimitMs,
        json: opts.json === true,
        out: opts.out,
      },
      io,
    );
  }
  const pokeByteOrder = parseByteOrder(opts.byteOrder);
  if (!pokeByteOrder)
    throw new UsageError(
      `--byte-order must be ascending, descending, low-first or a permutation of 0,1,2,3,4, got "${opts.byteOrder}"`,
    );
  const entriesPerPage = positiveInt(opts.entriesPerPage, '--entries-per-page');
  if ((entriesPerPage & (entriesPerPage - 1)) !== 0)
    throw new UsageError(`--entries-per-page must be a power of two, got ${entriesPerPage}`);
  const offered = impl.declares.readers;
  const wanted = opts.readers === 'both' ? (['rcu', 'norcu'] as const) : [opts.readers];
  const missing = wanted.filter((r) => !offered[r]);
  if (missing.length > 0)
    throw new UsageError(
      `--readers ${opts.readers}: ${impl.name} offers no trampoline reader ${missing.map((r) => (r === 'rcu' ? 'with' : 'without')).join(' or ')} rcu_read_lock`,
    );
  return runConcurrentCheck(
    {
      impl,
      configs: selectConfigs(opts),
      strategy,
      runs: defaultRuns ? DEFAULT_CONCURRENT_RUNS[strategy] : positiveInt(opts.runs, '--runs'),
      seed: integer(opts.seed, '--seed'),
      pokeByteOrder,
      entriesPerPage,
      readers: opts.readers,
      preemptionBound: nonNegativeInt(opts.preemptions, '--preemptions'),
      maxExecutions: positiveInt(opts.maxSchedules, '--max-schedules'),
      json: opts.json === true,
      out: opts.out,
    },
    io,
  );
}

function nonNegativeInt(s: string, flag: string): number {
  return s === '0' ? 0 : positiveInt(s, flag);
}

function check(impl: Implementation, opts: CheckOptions, io: CliIo): number {
  const runs = positiveInt(opts.runs, '--runs');
  const seed = integer(opts.seed, '--seed');
  const configs = selectConfigs(opts);
  const suites: Suite[] = !opts.faults
    ? [suiteByName('contract')]
    : opts.suite === 'all'
      ? [...SUITES]
      : [suiteOrUsage(opts.suite)];
  // a progress bar only for a person at a terminal; it draws on stderr so stdout stays clean
  const bar =
    !opts.json && process.stdout.isTTY && process.stderr.isTTY
      ? new cliProgress.SingleBar(
          { format: 'checking {bar} {value}/{total} {last}', stream: process.stderr, clearOnComplete: true },
          cliProgress.Presets.shades_classic,
        )
      : null;
  bar?.start(configs.length * suites.length, 0, { last: '' });
  const campaign = runCampaign(impl, configs, suites, {
    seed,
    numRuns: runs,
    onProgress: (done, _total, last) => bar?.update(done, { last: `${last.config}/${last.suite}` }),
  });
  bar?.stop();
  const files = saveAll(campaign, opts.out);
  if (opts.json) io.out(`${JSON.stringify(campaignJson(campaign, files), null, 2)}\n`);
  else io.out(textReport(campaign, configs, suites, files));
  return campaign.results.some((r) => r.status === 'violated') ? EXIT_VIOLATION : 0;
}

function saveAll(c: Campaign, dir: string): Map<string, string> {
  const files = new Map<string, string>();
  for (const r of c.results) {
    const file = saveSequentialResult(dir, c.impl, r);
    if (file) files.set(`${r.config}/${r.suite}`, file);
  }
  return files;
}

function textReport(
  c: Campaign,
  configs: readonly Configuration[],
  suites: readonly Suite[],
  files: Map<string, string>,
): string {
  const out: string[] = [];
  out.push(
    pc.bold(
      `kfmd check — implementation ${c.impl}, ${configs.length} configuration(s) × ${suites.length} suite(s), ${c.numRuns} runs each, seed ${c.seed}`,
    ),
  );
  out.push('');
  const byKey = new Map(c.results.map((r) => [`${r.config}/${r.suite}`, r]));
  const resultFor = (key: string): PropertyResult => {
    const r = byKey.get(key);
    // runCampaign checks every suite on every configuration
    if (!r) throw new Error(`no result for ${key}`);
    return r;
  };
  const rows = configs.map((cfg) => [
    cfg.name,
    ...suites.map((s) => cell(summaryLine(resultFor(`${cfg.name}/${s.name}`)))),
  ]);
  out.push(renderTable(['configuration', ...suites.map((s) => s.name)], rows));
  out.push('');
  // one full counterexample per distinct finding: the shortest; the others by file
  const groups = new Map<string, Violated[]>();
  for (const r of c.results) {
    if (!isViolated(r)) continue;
    const key = summaryLine(r);
    groups.set(key, [...(groups.get(key) ?? []), r]);
  }
  for (const [key, rs] of groups) {
    const shortest = [...rs].sort((a, b) => a.counterexample.executed.length - b.counterexample.executed.length)[0];
    const title = shortest.finding ? `${key} — ${shortest.finding.title}` : `${key} — unclassified violation`;
    out.push(pc.red(pc.bold(title)) + pc.dim(`  (${rs.length} propert${rs.length === 1 ? 'y' : 'ies'})`));
    const file = files.get(`${shortest.config}/${shortest.suite}`);
    out.push(
      formatCounterexample(shortest.counterexample, {
        impl: c.impl,
        finding: shortest.finding?.id ?? null,
        seed: shortest.seed,
        path: shortest.path,
        ...(file ? { file } : {}),
      }),
    );
    const others = rs
      .filter((r) => r !== shortest)
      .map((r) => `${r.config}/${r.suite} (${r.counterexample.executed.length} cmds)`);
    const shown = others.slice(0, 6).join(', ');
    if (others.length)
      out.push(
        pc.dim(
          `  also: ${shown}${others.length > 6 ? `, and ${others.length - 6} more (all saved in the counterexample directory)` : ''}`,
        ),
      );
    out.push('');
  }
  out.push(...coverageLines(c.coverage));
  out.push('');
  const violated = c.results.filter((r) => r.status === 'violated').length;
  const inapplicable = c.results.filter((r) => r.status === 'not-applicable');
  const findings = [...groups.entries()].map(([k, rs]) => `${k} ×${rs.length}`).join(', ');
  const na = inapplicable.length > 0 ? `, ${inapplicable.length} not applicable` : '';
  out.push(
    `${c.results.length} properties: ${c.results.length - violated - inapplicable.length} hold, ${violated} violated${na}${findings ? ` (${findings})` : ''}`,
  );
  for (const why of new Set(inapplicable.map((r) => `${r.suite}: ${r.notApplicable ?? ''}`))) {
    out.push(pc.yellow(`not applicable — ${why}`));
  }
  for (const { check, why } of inapplicableChecks('sequential', c.declares)) {
    out.push(pc.yellow(`check ${check} not applicable — ${why}`));
  }
  const known = [...new Set(c.results.flatMap((r) => (r.finding ? [r.finding.id] : [])))].sort();
  const unnamed = c.results.filter((r) => r.status === 'violated' && !r.finding).length;
  if (violated > 0) {
    out.push(
      `known defects found (spec §7): ${known.join(', ') || 'none'}; violations no known defect explains: ${unnamed}`,
    );
  }
  return `${out.join('\n')}\n`;
}

/** A violated property with its counterexample (checkProperty always re-runs the shrunk case for one). */
type Violated = PropertyResult & { readonly counterexample: Execution };

function isViolated(r: PropertyResult): r is Violated {
  return r.status === 'violated' && r.counterexample !== null;
}

function cell(s: string): string {
  if (s === 'n/a') return pc.yellow(s);
  return s === 'holds' ? pc.green(s) : pc.red(s);
}

function selectConfigs(opts: CheckOptions): Configuration[] {
  const all = allConfigurations().filter((c) => opts.arch === 'all' || c.arch === opts.arch);
  if (opts.config === 'all') return [...all];
  const one = configurationByName(opts.config);
  if (opts.arch !== 'all' && one.arch !== opts.arch)
    throw new UsageError(`configuration ${one.name} is ${one.arch}, not ${opts.arch}`);
  return [one];
}

function suiteOrUsage(name: string): Suite {
  try {
    return suiteByName(name);
  } catch (err) {
    throw new UsageError((err as Error).message);
  }
}

function positiveInt(s: string, flag: string): number {
  const n = Number(s);
  if (!/^\d+$/.test(s) || !Number.isSafeInteger(n) || n < 1)
    throw new UsageError(`${flag} must be a positive integer, got "${s}"`);
  return n;
}

function integer(s: string, flag: string): number {
  const n = Number(s);
  if (!/^-?\d+$/.test(s) || !Number.isSafeInteger(n) || Math.abs(n) > 2 ** 31 - 1)
    throw new UsageError(`${flag} must be a 32-bit integer, got "${s}"`);
  return n;
}
