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
  const batch = commands.slice(0, 1000).map((command) => command as unknown as Record<string, unknown>);
  const ctx = { ref: reference, now: new Date() };
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
