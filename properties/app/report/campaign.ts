import type { Campaign } from '../../engine/sequential/campaign.ts';

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

export function campaignJson(c: Campaign, files: ReadonlyMap<string, string>): unknown {
  return {
    impl: c.impl,
    seed: c.seed,
    runs: c.numRuns,
    results: c.results.map((r) => ({
      config: r.config,
      suite: r.suite,
      verdict: r.holds ? 'holds' : 'violated',
      finding: r.finding?.id ?? null,
      check: r.counterexample?.violation?.check ?? null,
      message: r.counterexample?.violation?.message ?? null,
      commands: r.counterexample?.executed ?? null,
      seed: r.seed,
      path: r.path,
      file: files.get(`${r.config}/${r.suite}`) ?? null,
    })),
    coverage: Object.fromEntries(c.coverage),
    summary: {
      properties: c.results.length,
      holds: c.results.filter((r) => r.holds).length,
      violated: c.results.filter((r) => !r.holds).length,
    },
  };
}
