// The registry of CLI commands (yargs CommandModules). Add a command by appending its module here.
import type { CommandModule } from 'yargs';
import { teacherCommand } from './teacher.ts';
import { dataCommand } from './data.ts';

export const commands: CommandModule<object, any>[] = [teacherCommand, dataCommand];
