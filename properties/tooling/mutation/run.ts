// npm run mutation [-- <group>...] [-- <stryker options>]: runs the groups' Stryker configs in
// sequence (all of them when none is named), each writing reports/mutation/<group>.json, then
// prints the per-folder table. Options other than group names go to every `stryker run`
// (e.g. --force to ignore the incremental files, --concurrency 2).
import { spawnSync } from 'node:child_process';
import { resolve } from 'node:path';
import { GROUPS } from './groups.ts';
import type { Group } from './groups.ts';
import { folderScores, markdownTable } from './table.ts';

const ROOT = resolve(import.meta.dirname, '../../..');
const args = process.argv.slice(2);
const isGroup = (a: string): a is Group => (GROUPS as readonly string[]).includes(a);
const named = args.filter(isGroup);
const passThrough = args.filter((a) => !isGroup(a));
const groups = named.length > 0 ? named : GROUPS;

let failed = false;
for (const group of groups) {
  const started = Date.now();
  const r = spawnSync('npx', ['stryker', 'run', `properties/tooling/mutation/${group}.stryker.json`, ...passThrough], {
    cwd: ROOT,
    stdio: 'inherit',
  });
  const minutes = ((Date.now() - started) / 60_000).toFixed(1);
  console.log(`mutation: ${group} ${r.status === 0 ? 'done' : 'FAILED'} in ${minutes} min`);
  failed ||= r.status !== 0;
}
console.log(markdownTable(folderScores()));
process.exit(failed ? 1 : 0);
