// Prints baseline.ts: v4's verdicts on the mutation run's configurations (npx tsx properties/mutation/generate-baseline.ts > properties/mutation/baseline.ts).
import { v4 } from '../../impl/v4/store.ts';
import { configurationByName } from '../../model/config/index.ts';
import { checkProperty } from '../../properties/harness/property.ts';
import { SUITES } from '../../properties/harness/suites.ts';
const configs = ['x86-A16', 'x86-A16-thunks', 'x86-B-kcfi', 'x86-C-kcfi-kconfig-thunks', 'x86-C-fineibt-kconfig', 'x86-C-fineibt-intent', 'arm64-md-1,1', 'arm64-args8-4,2-bti', 'arm64-callops-6,4'];
const out: Record<string, Record<string, string>> = {};
// the same nine configurations and settings the mutation test uses
for (const c of configs) {
  const row: Record<string, string> = {};
  for (const s of SUITES) {
    const r = checkProperty(configurationByName(c), s, v4, { seed: 42, numRuns: 30 });
    row[s.name] = r.holds ? 'holds' : (r.finding?.id ?? r.counterexample?.violation?.check ?? 'violated');
  }
  out[c] = row;
}
console.log(`/** v4's verdicts (seed 42, 30 runs) on the configurations the mutation run uses; regenerate if the suites change. */\nexport const BASELINE: Readonly<Record<string, Readonly<Record<string, string>>>> = ${JSON.stringify(out, null, 2)};`);
