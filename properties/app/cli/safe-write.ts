/**
 * Writing an output file the user named: checked before any work is done (so a long run never
 * ends in "cannot write"), then written through a temporary file in the same directory and
 * renamed over the target, so a reader never sees half a file.
 */
import { accessSync, constants, lstatSync, statSync } from 'node:fs';
import { dirname, resolve } from 'node:path';
import { writeFileAtomic as writeAtomic } from '../../engine/core/atomic-file.ts';
import { UsageError } from './errors.ts';

function codeOf(err: unknown): string {
  return (err as NodeJS.ErrnoException).code ?? String(err);
}

/**
 * `path` can be written as a new or replaced regular file: its directory exists and is one we
 * may write in, and it is not a directory or a symbolic link. `flag` names the option in the
 * one-line error (e.g. "--html").
 */
export function checkWritableFile(path: string, flag: string): void {
  if (path.length === 0) throw new UsageError(`${flag} needs a file name`);
  let existing;
  try {
    existing = lstatSync(path);
  } catch (err) {
    // ENOTDIR: a parent is a file, which the directory check below names
    const code = codeOf(err);
    if (code !== 'ENOENT' && code !== 'ENOTDIR') throw new UsageError(`${flag} ${path}: cannot check it: ${code}`);
  }
  if (existing) {
    // a symlink could point anywhere; the rename would replace the link, not what it names
    if (existing.isSymbolicLink()) throw new UsageError(`${flag} ${path} is a symbolic link; name a regular file`);
    if (existing.isDirectory()) throw new UsageError(`${flag} ${path} is a directory; name a file in it`);
    if (!existing.isFile()) throw new UsageError(`${flag} ${path} exists and is not a regular file`);
  }
  const parent = dirname(resolve(path));
  let dir;
  try {
    dir = statSync(parent);
  } catch (err) {
    const code = codeOf(err);
    throw new UsageError(
      code === 'ENOENT' ? `${flag} ${path}: directory ${parent} does not exist` : `${flag} ${path}: ${parent}: ${code}`,
    );
  }
  if (!dir.isDirectory()) throw new UsageError(`${flag} ${path}: ${parent} is not a directory`);
  try {
    accessSync(parent, constants.W_OK);
  } catch {
    throw new UsageError(`${flag} ${path}: directory ${parent} is not writable`);
  }
}

/** Write `text` to `path` atomically (core/atomic-file.ts); a failure is one UsageError line. */
export function writeFileAtomic(path: string, text: string): void {
  try {
    writeAtomic(path, text);
  } catch (err) {
    throw new UsageError(`cannot write ${path}: ${codeOf(err)}`);
  }
}
