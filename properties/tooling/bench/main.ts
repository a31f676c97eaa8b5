/** `npm run bench`: throughput figures and ratios (never asserted in tests). */
import { benchConcurrent } from './concurrent.ts';
import { benchSequential } from './sequential.ts';

const seq = benchSequential();
const f = (n: number) => Math.round(n).toLocaleString('en-US');
console.log('sequential (contract suite, x86-A16 + x86-B-kcfi + arm64-callops-6,4)');
console.log(`  scenarios ${seq.scenarios}, commands ${seq.commands}`);
console.log(
  `  model-checked commands/s   ${f(seq.checkedPerSecond)}   (model step + impl op + all byte and invariant checks)`,
);
console.log(`  implementation alone/s     ${f(seq.implOnlyPerSecond)}`);
console.log(`  ratio checked : alone      ${seq.ratio.toFixed(2)}x`);

const conc = benchConcurrent();
console.log('\nconcurrent (simulated CPUs, every step checked)');
console.log(`  scheduling decisions/s     ${f(conc.decisionsPerSecond)}   (runs/s ${f(conc.runsPerSecond)})`);
for (const e of conc.exhaustive) {
  console.log(
    `  exhaustive 2 writers × 2 readers × 2 ops (${e.impl}, ≤${e.preemptionBound} preemptions): ${f(e.schedules)} schedules, ${f(e.pruned)} cut by the state cache, ${f(e.states)} states, ${(e.ms / 1000).toFixed(1)} s${e.exhausted ? '' : ' (budget hit)'}`,
  );
}
console.log('  median time to find each v4 finding (ms; found/seeds):');
const strategies = [...new Set(conc.timeToFind.map((t) => t.strategy))];
const findings = [...new Set(conc.timeToFind.map((t) => t.finding))];
console.log(`    ${'finding'.padEnd(10)}${strategies.map((s) => s.padStart(16)).join('')}`);
for (const finding of findings) {
  const cells = strategies.map((s) => {
    const t = conc.timeToFind.find((x) => x.finding === finding && x.strategy === s);
    return (
      t && t.medianMs !== null ? `${f(t.medianMs)} (${t.found}/${t.seeds})` : `– (${t?.found ?? 0}/${t?.seeds ?? 0})`
    ).padStart(16);
  });
  console.log(`    ${finding.padEnd(10)}${cells.join('')}`);
}
