import { randomUUID } from 'node:crypto';
import { parseCommand, type WriteCommand } from '@app/domain';
import { bodyShapeIssues } from '@app/dtos';
import type { ReferenceData } from '@app/reference-data';
import type { Command } from '@app/synthetic';
import { figure, type Figure } from './stats';

/**
 * What checking a 1,000-command batch costs in this process, per checker: the body DTOs
 * (class-validator, with class-transformer's plainToInstance) and the domain's parser, each
 * over the same 1,000 commands as a batch carries them; median of `runs` after a warm-up.
 */
export async function batchValidationCost(
  reference: ReferenceData,
  commands: readonly Command[],
  runs: number,
): Promise<{ dto: Figure; domain: Figure }> {
  const ctx = { ref: reference, now: new Date() };
  // As the write path sees them: an activity with the id it is given, and only commands that parse
  // (the synthetic year also holds commands its lifecycle skips).
  const batch = commands
    .map((command): Record<string, unknown> => (command.type === 'RecordActivity' ? { ...command, activityId: randomUUID() } : command))
    .filter((fields) => parseCommand(fields, ctx).ok)
    .slice(0, 1000);
  if (batch.length < 1000) throw new Error(`only ${batch.length} valid commands in the sample`);
  const timed = async (check: () => Promise<void> | void): Promise<Figure> => {
    await check();
    const times: number[] = [];
    for (let i = 0; i < runs; i++) {
      const started = process.hrtime.bigint();
      await check();
      times.push(Number(process.hrtime.bigint() - started) / 1e6);
    }
    return figure(times);
  };
  const dto = await timed(async () => {
    for (const fields of batch) {
      if ((await bodyShapeIssues(fields.type as WriteCommand['type'], fields)).length > 0) throw new Error('a DTO refused a valid command');
    }
  });
  const domain = await timed(() => {
    for (const fields of batch) if (!parseCommand(fields, ctx).ok) throw new Error('the parser refused a valid command');
  });
  return { dto, domain };
}
