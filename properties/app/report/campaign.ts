import type { Campaign } from '../../engine/sequential/campaign.ts';
import type { AgainstNote } from './against.ts';

/** Model transition coverage: every transition of the machine with how often the run took it. */
export function coverageLines(coverage: ReadonlyMap<string, number>): string[] {
  const entries = [...coverage.entries()];
  const untaken = entries.filter(([, n]) => n === 0);
  const width = Math.max(...entries.map(([e]) => e.length));
  const lines = [
    `model transitions taken: ${entries.length - untaken.length}/${entries.length}${untaken.length ? ` — NOT TAKEN: ${untaken.map(([e]) => e).join('; ')}` : ''}`,
  ];
  for (const [edge, n] of entries) lines.push(`  ${edge.padEnd(width)}  ${String(n).padStart(8)}`);
  return lines;
}

/** A differential campaign's reference, and what it did on each counterexample (by "config/suite"). */
export interface Differential {
  readonly reference: string | null;
  readonly notes: ReadonlyMap<string, AgainstNote>;
}

export function campaignJson(
  c: Campaign,
  files: ReadonlyMap<string, string>,
  d: Differential = { reference: null, notes: new Map() },
): Record<string, unknown> {
  return {
    impl: c.impl,
    against: d.reference,
    seed: c.seed,
    runs: c.numRuns,
    results: c.results.map((r) => ({
      config: r.config,
      suite: r.suite,
      verdict: r.status === 'not-applicable' ? 'n/a' : r.holds ? 'holds' : 'violated',
      finding: r.finding?.id ?? null,
      check: r.counterexample?.violation?.check ?? null,
      message: r.counterexample?.violation?.message ?? null,
      commands: r.counterexample?.executed ?? null,
      seed: r.seed,
      path: r.path,
      reference: d.notes.get(`${r.config}/${r.suite}`)?.outcome ?? null,
      file: files.get(`${r.config}/${r.suite}`) ?? null,
    })),
    coverage: Object.fromEntries(c.coverage),
    summary: {
      properties: c.results.length,
      holds: c.results.filter((r) => r.holds).length,
      violated: c.results.filter((r) => r.status === 'violated').length,
      notApplicable: c.results.filter((r) => r.status === 'not-applicable').length,
    },
  };
}
