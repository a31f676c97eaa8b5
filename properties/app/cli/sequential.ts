/** `kfmd check` without --schedule: the sequential suites, plain or differential (--against). */
import cliProgress from 'cli-progress';
import type { Implementation } from '../../../impl/contract/index.ts';
import { configurationByName } from '../../../model/config/index.ts';
import type { Configuration } from '../../../model/config/index.ts';
import { campaignRunner, runCampaign } from '../../engine/sequential/campaign.ts';
import type { Campaign } from '../../engine/sequential/campaign.ts';
import type { PropertyResult } from '../../engine/sequential/property.ts';
import { suiteByName } from '../../engine/sequential/suites.ts';
import type { Suite } from '../../engine/sequential/suites.ts';
import type { AgainstNote } from '../report/against.ts';
import { campaignJson } from '../report/campaign.ts';
import { saveSequentialResult } from '../report/save.ts';
import { textReport } from '../report/sequential-text.ts';
import { differsFrom, referenceInapplicable, referenceNote } from './differential.ts';
import { EXIT_USAGE, EXIT_VIOLATION } from './errors.ts';
import { sequentialVerdicts } from '../report/html/index.ts';
import { reportUnsaved, saveOrNote, writeHtml } from './run-end.ts';
import { SIGNAL_EXIT, interruptedLine, watchInterrupts, yieldToSignals } from './interrupt.ts';
import type { Interruption } from './interrupt.ts';
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
  /** --html FILE, already checked writable */
  readonly html?: string;
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

/** What runSequentialSaving ran and saved. */
export interface SavedRun extends Checked {
  /** "config/suite" → the file its counterexample was saved to */
  readonly files: Map<string, string>;
  /** "config/suite: reason" of the counterexamples that could not be saved */
  readonly unsaved: readonly string[];
  /** how many properties the whole campaign has (more than were run when stopped) */
  readonly total: number;
}

/**
 * The properties one by one, each counterexample saved as soon as it is found, until the last one
 * or until `stop` says a signal came (checked between two properties, where the loop yields).
 */
export async function runSequentialSaving(
  s: SequentialCheck,
  stop: Interruption,
  onResult?: (done: number, key: string) => void,
): Promise<SavedRun> {
  const ref = s.reference;
  const runner = campaignRunner(s.impl, s.configs, s.suites, {
    seed: s.seed,
    numRuns: s.runs,
    ...(ref ? { accept: differsFrom(ref) } : {}),
  });
  const results: PropertyResult[] = [];
  const notes = new Map<string, AgainstNote>();
  const files = new Map<string, string>();
  const unsaved: string[] = [];
  for (let raw = runner.next(); raw !== null; raw = stop.signal ? null : runner.next()) {
    const r = ref ? comparable(raw, ref) : raw;
    const key = `${r.config}/${r.suite}`;
    if (ref && r.status === 'violated' && r.counterexample) notes.set(key, referenceNote(r.counterexample, ref));
    results.push(r);
    const file = saveOrNote(unsaved, key, () => saveSequentialResult(s.out, s.impl.name, r, notes.get(key)));
    if (file) files.set(key, file);
    onResult?.(results.length, key);
    await yieldToSignals();
  }
  return { campaign: { ...runner.campaign(), results }, notes, files, unsaved, total: runner.total };
}

/**
 * The command: properties one by one, each counterexample saved as soon as it is found, the report
 * printed when the last property ran or a SIGINT/SIGTERM stopped the run (then exit 130/143).
 * A counterexample that cannot be saved is still in the printed report; the run ends with exit 2.
 */
export async function runSequentialCheck(s: SequentialCheck, io: CliIo): Promise<number> {
  const stop = watchInterrupts();
  try {
    return await checkUntilStopped(s, io, stop);
  } finally {
    stop.dispose();
  }
}

async function checkUntilStopped(s: SequentialCheck, io: CliIo, stop: Interruption): Promise<number> {
  const ref = s.reference;
  // a progress bar only for a person at a terminal; it draws on stderr so stdout stays clean
  const bar =
    !s.json && process.stdout.isTTY && process.stderr.isTTY
      ? new cliProgress.SingleBar(
          { format: 'checking {bar} {value}/{total} {last}', stream: process.stderr, clearOnComplete: true },
          cliProgress.Presets.shades_classic,
        )
      : null;
  bar?.start(s.configs.length * s.suites.length, 0, { last: '' });
  const { campaign, notes, files, unsaved, total } = await runSequentialSaving(s, stop, (done, key) =>
    bar?.update(done, { last: key }),
  );
  bar?.stop();
  const results = campaign.results;
  const reference = ref?.name ?? null;
  const signal = stop.signal;
  if (s.json)
    io.out(
      `${JSON.stringify({ ...campaignJson(campaign, files, { reference, notes }), ...(signal ? { interrupted: signal } : {}) }, null, 2)}\n`,
    );
  else io.out(textReport(campaign, s.configs, s.suites, files, notes, reference));
  if (signal) io.out(`${interruptedLine(signal, results.length, total, 'properties', files.size)}\n`);
  if (s.html !== undefined)
    writeHtml(io, s.html, s.json, {
      title: `kfmd check — implementation ${s.impl.name}${reference ? ` against ${reference}` : ''}`,
      table: sequentialVerdicts(campaign, files),
      files: [...files.values()],
      implementations: [s.impl, ...(ref ? [ref] : [])],
    });
  if (reportUnsaved(io, s.out, unsaved)) return EXIT_USAGE;
  if (signal) return SIGNAL_EXIT[signal];
  return results.some((r) => r.status === 'violated') ? EXIT_VIOLATION : 0;
}
