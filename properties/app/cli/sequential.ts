/** `kfmd check` without --schedule: the sequential suites, plain or differential (--against). */
import cliProgress from 'cli-progress';
import type { Implementation } from '../../../impl/contract/index.ts';
import { configurationByName } from '../../../model/config/index.ts';
import type { Configuration } from '../../../model/config/index.ts';
import { runCampaign } from '../../engine/sequential/campaign.ts';
import type { Campaign } from '../../engine/sequential/campaign.ts';
import type { PropertyResult } from '../../engine/sequential/property.ts';
import { suiteByName } from '../../engine/sequential/suites.ts';
import type { Suite } from '../../engine/sequential/suites.ts';
import type { AgainstNote } from '../report/against.ts';
import { campaignJson } from '../report/campaign.ts';
import { saveSequentialResult } from '../report/save.ts';
import { textReport } from '../report/sequential-text.ts';
import { differsFrom, referenceInapplicable, referenceNote } from './differential.ts';
import { EXIT_VIOLATION } from './errors.ts';
import type { CliIo } from './io.ts';

export interface SequentialCheck {
  readonly impl: Implementation;
  /** --against: only the failures the reference does not share on the same commands */
  readonly reference: Implementation | null;
  readonly configs: readonly Configuration[];
  readonly suites: readonly Suite[];
  readonly seed: number;
  readonly runs: number;
  readonly json: boolean;
  readonly out: string;
}

/** A campaign and, when differential, what the reference did on each counterexample (by "config/suite"). */
export interface Checked {
  readonly campaign: Campaign;
  readonly notes: ReadonlyMap<string, AgainstNote>;
}

export function runSequential(s: SequentialCheck, onProgress?: (done: number, last: PropertyResult) => void): Checked {
  const ref = s.reference;
  const campaign = runCampaign(s.impl, s.configs, s.suites, {
    seed: s.seed,
    numRuns: s.runs,
    ...(onProgress
      ? { onProgress: (done: number, _total: number, last: PropertyResult) => onProgress(done, last) }
      : {}),
    ...(ref ? { accept: differsFrom(ref) } : {}),
  });
  if (!ref) return { campaign, notes: new Map() };
  const results = campaign.results.map((r) => comparable(r, ref));
  const notes = new Map<string, AgainstNote>();
  for (const r of results)
    if (r.status === 'violated' && r.counterexample)
      notes.set(`${r.config}/${r.suite}`, referenceNote(r.counterexample, ref));
  return { campaign: { ...campaign, results }, notes };
}

/** A suite that does not apply to the reference has nothing to be compared with: not applicable. */
function comparable(r: PropertyResult, reference: Implementation): PropertyResult {
  if (r.status === 'not-applicable') return r;
  const why = referenceInapplicable(suiteByName(r.suite), configurationByName(r.config), reference);
  if (why === null) return r;
  return {
    ...r,
    status: 'not-applicable',
    holds: false,
    notApplicable: why,
    counterexample: null,
    finding: null,
    path: null,
    runsUntilFailure: null,
    shrinks: null,
  };
}

export function runSequentialCheck(s: SequentialCheck, io: CliIo): number {
  // a progress bar only for a person at a terminal; it draws on stderr so stdout stays clean
  const bar =
    !s.json && process.stdout.isTTY && process.stderr.isTTY
      ? new cliProgress.SingleBar(
          { format: 'checking {bar} {value}/{total} {last}', stream: process.stderr, clearOnComplete: true },
          cliProgress.Presets.shades_classic,
        )
      : null;
  bar?.start(s.configs.length * s.suites.length, 0, { last: '' });
  const { campaign, notes } = runSequential(s, (done, last) =>
    bar?.update(done, { last: `${last.config}/${last.suite}` }),
  );
  bar?.stop();
  const files = saveAll(campaign, notes, s.out);
  const reference = s.reference?.name ?? null;
  if (s.json) io.out(`${JSON.stringify(campaignJson(campaign, files, { reference, notes }), null, 2)}\n`);
  else io.out(textReport(campaign, s.configs, s.suites, files, notes, reference));
  return campaign.results.some((r) => r.status === 'violated') ? EXIT_VIOLATION : 0;
}

export function saveAll(c: Campaign, notes: ReadonlyMap<string, AgainstNote>, dir: string): Map<string, string> {
  const files = new Map<string, string>();
  for (const r of c.results) {
    const key = `${r.config}/${r.suite}`;
    const file = saveSequentialResult(dir, c.impl, r, notes.get(key));
    if (file) files.set(key, file);
  }
  return files;
}
