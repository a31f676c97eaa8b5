import { spawnSync } from 'node:child_process';
import { expect } from 'vitest';
import { must } from '../core/must.ts';

/** LLVM's llvm-mc (Debian's llvm-16, installed by .ci/run), or undefined when this machine has none. */
export const LLVM_MC = ['llvm-mc-16', 'llvm-mc'].find((bin) => spawnSync(bin, ['--version']).status === 0);

/**
 * The instructions llvm-mc decodes `bytes` into, one per line, whitespace squeezed and `# imm = …`
 * comments dropped (arm64 immediates, `#4660`, have no space after the hash). llvm-mc reports
 * undecodable bytes on stderr with exit status 0, so any stderr fails the test unless
 * `allowInvalid`; only its first 2000 characters are shown (all of them can be megabytes).
 */
export function disassemble(triple: string, bytes: readonly number[], allowInvalid = false): string[] {
  const input = bytes.map((b) => `0x${b.toString(16).padStart(2, '0')}`).join(' ');
  const r = spawnSync(must(LLVM_MC, 'llvm-mc'), ['--disassemble', `-triple=${triple}`], {
    input,
    encoding: 'utf8',
    maxBuffer: 64 * 1024 * 1024,
  });
  if (!allowInvalid) expect(r.stderr.trim().slice(0, 2000), 'llvm-mc could not decode the bytes').toBe('');
  return r.stdout
    .split('\n')
    .map((l) =>
      l
        .replace(/\s#\s.*$/, '')
        .replace(/\s+/g, ' ')
        .trim(),
    )
    .filter((l) => l && l !== '.text');
}
