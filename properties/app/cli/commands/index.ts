/** Every kfmd command; add a new one by appending its register function. */
import type { Command } from 'commander';
import type { CliIo } from '../io.ts';
import { registerCheck } from './check.ts';
import { registerConfigs } from './configs.ts';
import { registerReplay } from './replay.ts';
import { registerReport } from './report.ts';
import { registerScan } from './scan.ts';

export type RegisterCommand = (program: Command, io: CliIo) => void;

export const COMMANDS: readonly RegisterCommand[] = [
  registerConfigs,
  registerCheck,
  registerReplay,
  registerScan,
  registerReport,
];
