/** `kfmd check`: the property suites against an implementation, with a verdict table and counterexamples. */
import { Option } from 'commander';
import type { Command } from 'commander';
import cliProgress from 'cli-progress';
import pc from 'picocolors';
import { allConfigurations, configurationByName } from '../../../model/config/index.ts';
import type { Configuration } from '../../../model/config/index.ts';
import { runCampaign } from '../../harness/campaign.ts';
import type { Campaign } from '../../harness/campaign.ts';
import { SUITES, suiteByName } from '../../harness/suites.ts';
import type { Suite } from '../../harness/suites.ts';
import { implementationByName, implementations } from '../../impls/registry.ts';
import { formatCounterexample, summaryLine } from '../../report/counterexample.ts';
import { COUNTEREXAMPLE_DIR, counterexamplePath, saveCounterexample } from '../../report/file.ts';
import { ExitStatus, EXIT_VIOLATION, UsageError } from '../errors.ts';
import type { CliIo } from '../io.ts';
import { renderTable } from '../table.ts';
import { campaignJson, coverageLines } from '../../report/campaign.ts';

export const DEFAULT_SEED = 42;
export const DEFAULT_RUNS = 50;

interface CheckOptions {
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
  program
    .command('check')
    .description('run the property suites: model vs implementation, every configuration of both arches')
    .option('--impl <name>', `implementation to check (${implementations().map((i) => i.name).join(', ')})`, 'v4')
    .addOption(new Option('--arch <arch>', 'architecture').choices(['x86', 'arm64', 'all']).default('all'))
    .option('--config <name>', 'one configuration (see kfmd configs) or all', 'all')
    .option('--suite <name>', `one property suite (${SUITES.map((s) => s.name).join(', ')}) or all`, 'all')
    .option('--runs <n>', 'generated scenarios per (configuration, suite)', String(DEFAULT_RUNS))
    .option('--seed <n>', 'seed: the same seed gives the same run, byte for byte', String(DEFAULT_SEED))
    .option('--no-faults', 'only the contract suite: no fault commands, no lock misuse')
    .option('--json', 'machine-readable output for CI')
    .option('--out <dir>', 'where counterexamples are saved', COUNTEREXAMPLE_DIR)
    .action((opts: CheckOptions) => {
      const status = check(opts, io);
      if (status !== 0) throw new ExitStatus(status);
    });
}

function check(opts: CheckOptions, io: CliIo): number {
  const impl = implementationByName(opts.impl);
  if (!impl) throw new UsageError(`unknown implementation "${opts.impl}" (known: ${implementations().map((i) => i.name).join(', ')})`);
  const runs = positiveInt(opts.runs, '--runs');
  const seed = integer(opts.seed, '--seed');
  const configs = selectConfigs(opts);
  const suites: Suite[] = !opts.faults ? [suiteByName('contract')] : opts.suite === 'all' ? [...SUITES] : [suiteOrUsage(opts.suite)];
  const bar = !opts.json && process.stderr.isTTY ? new cliProgress.SingleBar({ format: 'checking {bar} {value}/{total} {last}', stream: process.stderr, clearOnComplete: true }, cliProgress.Presets.shades_classic) : null;
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
  return campaign.results.every((r) => r.holds) ? 0 : EXIT_VIOLATION;
}

function saveAll(c: Campaign, dir: string): Map<string, string> {
  const files = new Map<string, string>();
  for (const r of c.results) {
    if (r.holds || !r.counterexample?.violation) continue;
    const file = counterexamplePath(dir, c.impl, r.config, r.suite);
    const minimal = { ...r.counterexample.scenario, commands: r.counterexample.executed };
    const meta = { impl: c.impl, finding: r.finding?.id ?? null, seed: r.seed, path: r.path, file };
    saveCounterexample(file, {
      kfmd: 'counterexample',
      version: 1,
      impl: c.impl,
      seed: r.seed,
      path: r.path,
      finding: r.finding?.id ?? null,
      check: r.counterexample.violation.check,
      message: r.counterexample.violation.message,
      scenario: minimal,
      file,
      report: formatCounterexample(r.counterexample, meta),
    });
    files.set(`${r.config}/${r.suite}`, file);
  }
  return files;
}

function textReport(c: Campaign, configs: readonly Configuration[], suites: readonly Suite[], files: Map<string, string>): string {
  const out: string[] = [];
  out.push(pc.bold(`kfmd check — implementation ${c.impl}, ${configs.length} configuration(s) × ${suites.length} suite(s), ${c.numRuns} runs each, seed ${c.seed}`));
  out.push('');
  const byKey = new Map(c.results.map((r) => [`${r.config}/${r.suite}`, r]));
  const rows = configs.map((cfg) => [cfg.name, ...suites.map((s) => cell(summaryLine(byKey.get(`${cfg.name}/${s.name}`)!)))]);
  out.push(renderTable(['configuration', ...suites.map((s) => s.name)], rows));
  out.push('');
  // one full counterexample per distinct finding: the shortest; the others by file
  const groups = new Map<string, typeof c.results>();
  for (const r of c.results) {
    if (r.holds) continue;
    const key = summaryLine(r);
    groups.set(key, [...(groups.get(key) ?? []), r]);
  }
  for (const [key, rs] of groups) {
    const shortest = [...rs].sort((a, b) => a.counterexample!.executed.length - b.counterexample!.executed.length)[0]!;
    const title = shortest.finding ? `${key} — ${shortest.finding.title}` : `${key} — unclassified violation`;
    out.push(pc.red(pc.bold(title)) + pc.dim(`  (${rs.length} propert${rs.length === 1 ? 'y' : 'ies'})`));
    const file = files.get(`${shortest.config}/${shortest.suite}`);
    out.push(formatCounterexample(shortest.counterexample!, { impl: c.impl, finding: shortest.finding?.id ?? null, seed: shortest.seed, path: shortest.path, ...(file ? { file } : {}) }));
    const others = rs.filter((r) => r !== shortest).map((r) => `${r.config}/${r.suite} (${r.counterexample!.executed.length} cmds)`);
    const shown = others.slice(0, 6).join(', ');
    if (others.length) out.push(pc.dim(`  also: ${shown}${others.length > 6 ? `, and ${others.length - 6} more (all saved in the counterexample directory)` : ''}`));
    out.push('');
  }
  out.push(...coverageLines(c.coverage));
  out.push('');
  const violated = c.results.filter((r) => !r.holds).length;
  const findings = [...groups.entries()].map(([k, rs]) => `${k} ×${rs.length}`).join(', ');
  out.push(`${c.results.length} properties: ${c.results.length - violated} hold, ${violated} violated${findings ? ` (${findings})` : ''}`);
  return `${out.join('\n')}\n`;
}

function cell(s: string): string {
  return s === 'holds' ? pc.green(s) : pc.red(s);
}

function selectConfigs(opts: CheckOptions): Configuration[] {
  const all = allConfigurations().filter((c) => opts.arch === 'all' || c.arch === opts.arch);
  if (opts.config === 'all') return [...all];
  const one = configurationByName(opts.config);
  if (opts.arch !== 'all' && one.arch !== opts.arch) throw new UsageError(`configuration ${one.name} is ${one.arch}, not ${opts.arch}`);
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
  if (!/^\d+$/.test(s) || !Number.isSafeInteger(n) || n < 1) throw new UsageError(`${flag} must be a positive integer, got "${s}"`);
  return n;
}

function integer(s: string, flag: string): number {
  const n = Number(s);
  if (!/^-?\d+$/.test(s) || !Number.isSafeInteger(n) || Math.abs(n) > 2 ** 31 - 1) throw new UsageError(`${flag} must be a 32-bit integer, got "${s}"`);
  return n;
}
