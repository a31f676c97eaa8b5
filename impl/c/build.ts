import { execFileSync } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';

/** impl/c/: kfmd.h, the runtime and the implementations written against it. */
export const C_DIR = fileURLToPath(new URL('.', import.meta.url));

/** the runtime every implementation links with */
export const RUNTIME = ['kfmd_runtime.c', 'kfmd_json.c'];
export const CFLAGS = ['-O2', '-Wall', '-Wextra', '-Werror', '-std=gnu11'];

export interface BuildOptions {
  /** the implementation's sources, relative to impl/c/ (default: v4.c) */
  readonly sources?: readonly string[];
  /** -D flags without the -D: an injected bug, another protocol version */
  readonly defines?: readonly string[];
}

const built = new Map<string, string>();
const dirs: string[] = [];
process.on('exit', () => {
  for (const d of dirs) rmSync(d, { recursive: true, force: true });
});

/**
 * Compiles an implementation with the runtime using gcc, into a temporary directory removed at
 * exit; the same sources and flags are compiled once per process. Returns the executable's path;
 * throws with gcc's diagnostics when it does not compile.
 */
export function buildC(opts: BuildOptions = {}): string {
  const sources = [...RUNTIME, ...(opts.sources ?? ['v4.c'])];
  const defines = (opts.defines ?? []).map((d) => `-D${d}`);
  const key = [...sources, ...defines].join(' ');
  const cached = built.get(key);
  if (cached) return cached;
  const dir = mkdtempSync(join(tmpdir(), 'kfmd-c-'));
  dirs.push(dir);
  const out = join(dir, 'impl');
  try {
    execFileSync('gcc', [...CFLAGS, ...defines, '-I', C_DIR, ...sources.map((s) => join(C_DIR, s)), '-o', out], {
      stdio: ['ignore', 'pipe', 'pipe'],
    });
  } catch (err) {
    const stderr = (err as { stderr?: Buffer }).stderr?.toString() ?? '';
    throw new Error(`gcc failed on ${key}:\n${stderr}`);
  }
  built.set(key, out);
  return out;
}
