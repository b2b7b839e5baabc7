import { parseActivityCommand, type RecordActivity } from './activity/activity';
import type { Parsed } from './errors';
import type { ProjectCommand } from './project/project.commands';
import { parseProjectCommand, type DecideContext } from './project/project.decider';

/** Every command the write side takes. */
export type WriteCommand = ProjectCommand | RecordActivity;

/** Parses a request's fields (with `type`) into the command it names, or names every bad field. */
export function parseCommand(raw: Record<string, unknown>, ctx: DecideContext): Parsed<WriteCommand> {
  return raw.type === 'RecordActivity' ? parseActivityCommand(raw, ctx) : parseProjectCommand(raw, ctx);
}
