/** Every kfmd command; add a new one by appending its register function. */
import type { Command } from 'commander';
import type { CliIo } from '../io.ts';
import { registerConfigs } from './configs.ts';

export type RegisterCommand = (program: Command, io: CliIo) => void;

export const COMMANDS: readonly RegisterCommand[] = [registerConfigs];
