/**
 * `--out DIR`, made usable before any work starts: created if missing, and proven writable by
 * creating and removing a probe file there, so that a bad path is one exit-2 line at once, not a
 * failure after a long run. Files are later written by temporary file and rename
 * (core/counterexample.ts writeFileAtomic), never through a symlink at the target name.
 */
import { lstatSync, mkdirSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { dirname, join, resolve } from 'node:path';
import { UsageError } from './errors.ts';
import { shown } from './values.ts';

function code(err: unknown): string {
  return (err as NodeJS.ErrnoException).code ?? String(err);
}

/**
 * mkdir -p one level at a time: Node's mkdirSync(…, { recursive: true }) never returns for a path
 * under /proc (Node 22), so the missing levels are made here, the first failure thrown.
 */
function makeDirectories(dir: string): void {
  const missing: string[] = [];
  for (let d = dir; ; d = dirname(d)) {
    try {
      lstatSync(d);
      break;
    } catch {
      missing.push(d);
      if (dirname(d) === d) break;
    }
  }
  for (const d of missing.reverse()) mkdirSync(d);
}

/** Throws a UsageError naming `flag` and the problem, or leaves `dir` existing and writable. */
export function prepareOutDir(dir: string, flag = '--out'): void {
  if (dir.trim() === '') throw new UsageError(`${flag} must name a directory, got ""`);
  let exists = true;
  try {
    lstatSync(dir);
  } catch {
    exists = false;
  }
  if (exists) {
    // a symlink to a directory is the user's choice; follow it for this one check
    let isDir = false;
    try {
      isDir = statSync(dir).isDirectory();
    } catch (err) {
      throw new UsageError(`${flag} ${shown(dir)} cannot be used: ${code(err)}`);
    }
    if (!isDir) throw new UsageError(`${flag} ${shown(dir)} exists and is not a directory`);
  } else {
    try {
      makeDirectories(resolve(dir));
    } catch (err) {
      throw new UsageError(`${flag} ${shown(dir)} cannot be created: ${code(err)}`);
    }
  }
  const probe = join(dir, `.kfmd-probe-${process.pid}`);
  try {
    writeFileSync(probe, '', { flag: 'wx' });
  } catch (err) {
    throw new UsageError(`${flag} ${shown(dir)} is not writable: ${code(err)}`);
  } finally {
    rmSync(probe, { force: true });
  }
}
