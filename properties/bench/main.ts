/** `npm run bench`: throughput figures and ratios (never asserted in tests). */
import { benchSequential } from './sequential.ts';

const seq = benchSequential();
const f = (n: number) => Math.round(n).toLocaleString('en-US');
console.log('sequential (contract suite, x86-A16 + x86-B-kcfi + arm64-callops-6,4)');
console.log(`  scenarios ${seq.scenarios}, commands ${seq.commands}`);
console.log(`  model-checked commands/s   ${f(seq.checkedPerSecond)}   (model step + impl op + all byte and invariant checks)`);
console.log(`  implementation alone/s     ${f(seq.implOnlyPerSecond)}`);
console.log(`  ratio checked : alone      ${seq.ratio.toFixed(2)}x`);
