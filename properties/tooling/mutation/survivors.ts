// Lists the mutants a group's report left alive (survived, no coverage), for reading them:
//   npx tsx properties/tooling/mutation/survivors.ts <group> [path-substring]
import { readFileSync } from 'node:fs';
import { resolve } from 'node:path';

interface Mutant {
  readonly mutatorName: string;
  readonly status: string;
  readonly replacement?: string;
  readonly location: { readonly start: { readonly line: number; readonly column: number } };
}
interface Report {
  readonly files: Readonly<Record<string, { readonly source: string; readonly mutants: readonly Mutant[] }>>;
}

const [group, filter = ''] = process.argv.slice(2);
if (group === undefined) throw new Error('usage: survivors.ts <group> [path-substring]');
const root = resolve(import.meta.dirname, '../../..');
const report = JSON.parse(readFileSync(resolve(root, `reports/mutation/${group}.json`), 'utf8')) as Report;
for (const [file, { source, mutants }] of Object.entries(report.files)) {
  if (!file.includes(filter)) continue;
  const lines = source.split('\n');
  const alive = mutants
    .filter((m) => m.status === 'Survived' || m.status === 'NoCoverage')
    .sort((a, b) => a.location.start.line - b.location.start.line);
  for (const m of alive) {
    const { line, column } = m.location.start;
    const code = (lines[line - 1] ?? '').trim();
    console.log(`${file}:${line}:${column} ${m.status} ${m.mutatorName} -> ${m.replacement ?? '?'}\n    ${code}`);
  }
}
