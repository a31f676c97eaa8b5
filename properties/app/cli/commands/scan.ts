/** `kfmd scan FILE`: a real kernel image's ftrace sites and padding, the configurations it can be, metadata attached and verified. */
import { readFileSync, statSync } from 'node:fs';
import type { Command } from 'commander';
import cliProgress from 'cli-progress';
import { configurationByName } from '../../../../model/config/index.ts';
import { ScanNothing, renderScan, scanFile } from '../../scan/scan.ts';
import { EXIT_VIOLATION, ExitStatus, UsageError } from '../errors.ts';
import type { CliIo } from '../io.ts';
import { decimalIn } from '../values.ts';
import { resolveImplementation } from '../plugin.ts';

interface ScanCliOptions {
  readonly impl: string;
  readonly config?: string;
  readonly limit?: string;
  readonly json?: boolean;
}

/** The file's bytes, or one clear line about why there are none. */
function readImage(file: string): Uint8Array {
  let size: number;
  try {
    const st = statSync(file);
    if (st.isDirectory()) throw new UsageError(`${file} is a directory, not a kernel image`);
    if (!st.isFile()) throw new UsageError(`${file} is not a regular file`);
    size = st.size;
  } catch (err) {
    if (err instanceof UsageError) throw err;
    const code = (err as NodeJS.ErrnoException).code;
    throw new UsageError(code === 'ENOENT' ? `${file}: no such file` : `cannot read ${file}: ${code ?? String(err)}`);
  }
  if (size === 0) throw new UsageError(`${file} is empty, not a kernel image`);
  try {
    return readFileSync(file);
  } catch (err) {
    throw new UsageError(`cannot read ${file}: ${(err as NodeJS.ErrnoException).code ?? String(err)}`);
  }
}

/** A progress bar on stderr for a person at a terminal; none in CI or when stderr is not a TTY. */
function progressBar(json: boolean): { update(done: number, total: number): void; stop(): void } | null {
  if (json || !process.stderr.isTTY || process.env['CI'] === 'true') return null;
  const bar = new cliProgress.SingleBar(
    { format: 'attaching {bar} {value}/{total} {eta_formatted}', stream: process.stderr, clearOnComplete: true },
    cliProgress.Presets.shades_classic,
  );
  let started = false;
  return {
    update(done, total) {
      if (!started) bar.start(total, 0);
      started = true;
      bar.update(done);
    },
    stop() {
      if (started) bar.stop();
    },
  };
}

export function registerScan(program: Command, io: CliIo): void {
  const cmd = program
    .command('scan')
    .description(
      'read a real kernel image (vmlinux, bzImage/vmlinuz, arm64 Image or Image.gz), find its ftrace sites and padding, ' +
        'name the configurations it can be, then attach metadata to every padded function in the simulation and verify every window',
    )
    .argument('<file>', 'the kernel image')
    .option(
      '--impl <name|file>',
      'the implementation that attaches (a built-in name or a module file, as for check)',
      'v4',
    )
    .option(
      '--config <name>',
      'use this configuration (it must match the image bytes) instead of the first possible one',
    )
    .option('--limit <n>', 'attach only the first N padded functions in address order (0: scan only)')
    .option('--json', 'print the summary as JSON');
  cmd.action(async (file: string) => {
    const opts = cmd.opts<ScanCliOptions>();
    // every option is checked before the image is read
    const limit =
      opts.limit === undefined
        ? undefined
        : decimalIn(opts.limit, '--limit', { min: 0, max: 10_000_000, why: 'functions; a kernel has about 70,000' });
    if (opts.config !== undefined) configurationByName(opts.config);
    if (opts.impl === 'all') throw new UsageError('--impl takes one implementation for scan, not all');
    const impl = await resolveImplementation(opts.impl);
    const bytes = readImage(file);
    const json = opts.json === true;
    const bar = progressBar(json);
    const stage = (s: string): void => {
      if (bar) process.stderr.write(`kfmd: ${s}\n`);
    };
    let summary;
    try {
      summary = await scanFile(bytes, {
        impl,
        ...(opts.config !== undefined ? { config: opts.config } : {}),
        ...(limit !== undefined ? { limit } : {}),
        onStage: stage,
        ...(bar ? { onProgress: (d: number, t: number) => bar.update(d, t) } : {}),
      });
    } catch (err) {
      if (err instanceof ScanNothing) throw new UsageError(err.message);
      throw err;
    } finally {
      bar?.stop();
    }
    io.out(json ? `${JSON.stringify({ file, ...summary }, null, 2)}\n` : renderScan(file, summary));
    if (summary.attach && !summary.attach.verified) throw new ExitStatus(EXIT_VIOLATION);
  });
}
