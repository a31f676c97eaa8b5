/**
 * Writing a file so that a reader never sees half of it and a symlink at the name is replaced, not
 * followed: a temporary file in the same directory (created exclusively), then rename(2).
 */
import { renameSync, rmSync, writeFileSync } from 'node:fs';
import { basename, dirname, join } from 'node:path';

/** `text` at `file`; the temporary file is removed if anything fails, and the error rethrown. */
export function writeFileAtomic(file: string, text: string): void {
  const tmp = join(dirname(file), `.${basename(file)}.${process.pid}.${Date.now().toString(36)}.tmp`);
  try {
    writeFileSync(tmp, text, { flag: 'wx' });
    renameSync(tmp, file);
  } catch (err) {
    rmSync(tmp, { force: true });
    throw err;
  }
}
