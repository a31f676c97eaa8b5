/**
 * Exit statuses and the one-line error report. Every failure is a single stderr line
 * starting with 'kfmd: ', never a stack trace.
 */
import { CommanderError } from 'commander';
import { ConfigError } from '../../../model/config/index.ts';
import type { CliIo } from './io.ts';

export const EXIT_OK = 0;
/** check/replay: a property is violated (a counterexample was found or reproduced). */
export const EXIT_VIOLATION = 1;
/** A bug in kfmd: something threw that no command expected. */
export const EXIT_INTERNAL = 3;
/** The user asked for something invalid: command, option, value, configuration name. */
export const EXIT_USAGE = 2;

/** Thrown by commands for bad input that commander cannot catch itself. */
export class UsageError extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'UsageError';
  }
}

/** An error line is at most this long: a value the user pasted by mistake cannot flood the terminal. */
const LINE_MAX = 500;

/** One line: newlines folded, other control characters escaped (an echoed value may hold any), shortened. */
function oneLine(text: string): string {
  const line = text
    .replace(/^error:\s*/, '')
    .replace(/\s*\n\s*/g, ' ')
    .trim()
    // eslint-disable-next-line no-control-regex -- escaping them is the point
    .replace(/[\u0000-\u001f\u007f]/g, (c) => `\\u${c.charCodeAt(0).toString(16).padStart(4, '0')}`);
  return line.length > LINE_MAX ? `${line.slice(0, LINE_MAX)}…` : line;
}

/** Thrown by a command that finished normally but wants a non-zero exit status (no message). */
export class ExitStatus extends Error {
  constructor(readonly status: number) {
    super(`exit ${status}`);
    this.name = 'ExitStatus';
  }
}

/** Writes the error line and returns the exit status for it. */
export function reportError(err: unknown, io: CliIo): number {
  if (err instanceof ExitStatus) return err.status;
  if (err instanceof CommanderError) {
    if (err.exitCode === 0) return EXIT_OK; // --help, --version
    // commander.help with a non-zero code: it wanted to print help to stderr (no command).
    const msg = err.code === 'commander.help' ? 'missing or unknown command (see kfmd --help)' : oneLine(err.message);
    io.err(`kfmd: error: ${msg}\n`);
    return EXIT_USAGE;
  }
  if (err instanceof UsageError || err instanceof ConfigError) {
    io.err(`kfmd: error: ${oneLine(err.message)}\n`);
    return EXIT_USAGE;
  }
  // Only the first line: the rest of an unexpected message may be a stack or a dump.
  const msg = err instanceof Error ? `${err.name}: ${err.message}` : String(err);
  io.err(`kfmd: internal error: ${msg.split('\n')[0].trim()}\n`);
  return EXIT_INTERNAL;
}
