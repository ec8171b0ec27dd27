// The registry of CLI commands (yargs CommandModules). Add a command by appending its module here.
import type { CommandModule } from 'yargs';
import { teacherCommand } from './teacher.ts';
import { dataCommand } from './data.ts';
import { trainCommand } from './train.ts';
import { evalCommand } from './eval.ts';
import { compareCommand } from './compare.ts';
import { pipelineCommand, demoCommand } from './pipeline.ts';
import { scoreCommand, exportCommand, serveCommand } from './serve.ts';
import { graphsCommand } from './graphs.ts';
import { workerCommand } from './worker.ts';

export const commands: CommandModule<object, any>[] = [dataCommand, teacherCommand, trainCommand, evalCommand, compareCommand, scoreCommand, exportCommand, serveCommand, graphsCommand, pipelineCommand, demoCommand, workerCommand];
