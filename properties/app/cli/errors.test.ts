import { CommanderError } from 'commander';
import { describe, expect, it } from 'vitest';
import { ConfigError } from '../../../model/config/index.ts';
import { EXIT_INTERNAL, EXIT_OK, EXIT_USAGE, UsageError, reportError } from './errors.ts';
import type { CliIo } from './io.ts';

function capture(err: unknown): { code: number; stderr: string } {
  let stderr = '';
  const io: CliIo = { out: () => undefined, err: (s) => void (stderr += s) };
  return { code: reportError(err, io), stderr };
}

describe('reportError', () => {
  it('help and version are not errors', () => {
    expect(capture(new CommanderError(0, 'commander.helpDisplayed', '(outputHelp)'))).toEqual({
      code: EXIT_OK,
      stderr: '',
    });
  });

  it('commander errors become one usage line, suggestions included', () => {
    const r = capture(
      new CommanderError(1, 'commander.unknownOption', "error: unknown option '--jsn'\n(Did you mean --json?)"),
    );
    expect(r).toEqual({ code: EXIT_USAGE, stderr: "kfmd: error: unknown option '--jsn' (Did you mean --json?)\n" });
  });

  it('bad configuration input is a usage error', () => {
    expect(capture(new ConfigError('unknown configuration "x"')).code).toBe(EXIT_USAGE);
    expect(capture(new UsageError('no such thing')).stderr).toBe('kfmd: error: no such thing\n');
  });

  it('anything else is an internal error, still one line without a stack', () => {
    const r = capture(new TypeError('boom\n    at somewhere (file.ts:1:1)'));
    expect(r.code).toBe(EXIT_INTERNAL);
    expect(r.stderr.split('\n').filter(Boolean)).toHaveLength(1);
    expect(r.stderr).toBe('kfmd: internal error: TypeError: boom\n');
  });
});
