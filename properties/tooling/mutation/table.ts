// Prints the mutation score per folder of impl/ from the groups' JSON reports (reports/mutation/<group>.json):
//   npx tsx properties/tooling/mutation/table.ts
import { existsSync, readFileSync, statSync } from 'node:fs';
import { resolve } from 'node:path';
import { GROUPS } from './groups.ts';

const ROOT = resolve(import.meta.dirname, '../../..');

interface MutantReport {
  readonly status: string;
}
interface StrykerReport {
  readonly files: Readonly<Record<string, { readonly mutants: readonly MutantReport[] }>>;
}
interface StrykerConfig {
  readonly mutate: readonly string[];
  readonly jsonReporter: { readonly fileName: string };
}

export interface FolderScore {
  readonly folder: string;
  readonly group: string;
  readonly killed: number;
  readonly timeout: number;
  readonly survived: number;
  readonly noCoverage: number;
  /** when the groups' reports were written */
  readonly date: string;
}

/** Stryker's score: detected (killed + timeout) over valid mutants (detected + survived + no coverage). */
export function score(f: FolderScore): number {
  const detected = f.killed + f.timeout;
  const valid = detected + f.survived + f.noCoverage;
  return valid === 0 ? 100 : (100 * detected) / valid;
}

/** impl/<folder> of a path from the repository root (reports use either separator). */
function folderOf(file: string): string | undefined {
  const m = /^impl[\\/]([^\\/]+)[\\/]/.exec(file);
  return m?.[1];
}

/** A Stryker mutate glob (`**`, `*`) as a regular expression over forward-slash paths. */
function globRegExp(glob: string): RegExp {
  const body = glob
    .split(/(\*\*\/|\*)/)
    .map((part) => (part === '**/' ? '(?:.*/)?' : part === '*' ? '[^/]*' : part.replace(/[.+?^${}()|[\]\\]/g, '\\$&')))
    .join('');
  return new RegExp(`^${body}$`);
}

/** Whether a group mutates `file`: only its own files count from its report (an older report may hold more). */
function mutates(config: StrykerConfig, file: string): boolean {
  const path = file.replaceAll('\\', '/');
  const hit = (g: string): boolean => globRegExp(g).test(path);
  const include = config.mutate.filter((g) => !g.startsWith('!'));
  const exclude = config.mutate.filter((g) => g.startsWith('!')).map((g) => g.slice(1));
  return include.some(hit) && !exclude.some(hit);
}

/** One row per folder of impl/, summed over the groups that mutate its files (impl/kernel has two). */
export function folderScores(): FolderScore[] {
  const rows = new Map<string, { counts: Record<string, number>; groups: string[]; dates: string[] }>();
  for (const group of GROUPS) {
    const config = JSON.parse(
      readFileSync(resolve(ROOT, `properties/tooling/mutation/${group}.stryker.json`), 'utf8'),
    ) as StrykerConfig;
    const reportPath = resolve(ROOT, config.jsonReporter.fileName);
    if (!existsSync(reportPath)) continue;
    const report = JSON.parse(readFileSync(reportPath, 'utf8')) as StrykerReport;
    const date = statSync(reportPath).mtime.toISOString().slice(0, 16).replace('T', ' ');
    for (const [file, { mutants }] of Object.entries(report.files)) {
      const folder = folderOf(file);
      if (folder === undefined || !mutates(config, file)) continue;
      const row = rows.get(folder) ?? { counts: {}, groups: [], dates: [] };
      for (const m of mutants) row.counts[m.status] = (row.counts[m.status] ?? 0) + 1;
      if (!row.groups.includes(group)) {
        row.groups.push(group);
        row.dates.push(date);
      }
      rows.set(folder, row);
    }
  }
  return [...rows]
    .sort(([a], [b]) => a.localeCompare(b))
    .map(([folder, { counts: c, groups, dates }]) => ({
      folder: `impl/${folder}`,
      group: groups.join(' + '),
      killed: c['Killed'] ?? 0,
      timeout: c['Timeout'] ?? 0,
      survived: c['Survived'] ?? 0,
      noCoverage: c['NoCoverage'] ?? 0,
      date: dates.join(' / '),
    }));
}

export function markdownTable(rows: readonly FolderScore[]): string {
  const lines = [
    '| folder | group | killed | timeout | survived | no coverage | score | report |',
    '| --- | --- | ---: | ---: | ---: | ---: | ---: | --- |',
  ];
  for (const r of rows) {
    lines.push(
      `| ${r.folder} | ${r.group} | ${r.killed} | ${r.timeout} | ${r.survived} | ${r.noCoverage} | ${score(r).toFixed(1)} % | ${r.date} |`,
    );
  }
  return lines.join('\n');
}

if (process.argv[1] !== undefined && resolve(process.argv[1]) === resolve(import.meta.filename)) {
  console.log(markdownTable(folderScores()));
}
