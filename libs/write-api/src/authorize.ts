import type { PlanCommand, ProjectState, WriteCommand } from '@app/domain';
import type { Actor } from '@app/event-store';
import { errorAnswer, type Answer, type Principal } from '@app/platform';

/** The event's author, from the key that wrote it or the person logged in (contract §4, §7). */
export function actorOf(principal: Principal): Actor {
  if (principal.kind === 'user') return { kind: 'user', id: principal.id };
  return principal.role === 'partner' ? { kind: 'partner', id: principal.partnerId ?? principal.id } : { kind: 'team', id: principal.id };
}

/**
 * What a key may write, beyond its role (readers never reach here): the plan only admins; a writer limited to
 * units writes only for those units (a correction that moves a project needs both); a
 * partner writes only for projects it registered itself, and records no activities.
 * `project` is the current state (null for a new project); `registeredBy` who registered it.
 */
export function authorize(
  principal: Principal,
  command: WriteCommand | PlanCommand,
  project: ProjectState | null,
  registeredBy: Actor | null,
): Answer | null {
  if (principal.role === 'admin') return null;
  if (command.type === 'ClosePeriod' || command.type === 'ChangeTarget') return forbidden('only an admin may change the plan');
  if (principal.role === 'partner') {
    if (command.type === 'RecordActivity') return forbidden('a partner key may not record activities');
    if (command.type === 'RegisterLead') return null;
    const own = registeredBy?.kind === 'partner' && registeredBy.id === principal.partnerId;
    return own ? null : forbidden('a partner key may write only for the projects it registered');
  }
  if (principal.role === 'writer' && principal.units !== null) {
    const units = new Set<unknown>();
    if (project) units.add(project.unit);
    if (command.type === 'RegisterLead' || command.type === 'RecordActivity') units.add(command.unit);
    if (command.type === 'CorrectProject' && command.changes?.unit !== undefined) units.add(command.changes.unit);
    const outside = [...units].filter((unit) => !principal.units!.includes(unit as string));
    return outside.length === 0
      ? null
      : forbidden(`this key may write only for units ${principal.units.join(', ')}, not ${outside.join(', ')}`);
  }
  if (principal.role === 'writer') return null;
  return forbidden(`a ${principal.role} key may not write`);
}

const forbidden = (message: string): Answer => errorAnswer(403, 'forbidden', message);
