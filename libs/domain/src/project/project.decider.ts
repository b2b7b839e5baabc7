import { checkBusinessTime } from '../business-time';
import { normalizeCreditCode } from '../credit-code';
import { accept, invalidInput, isValid, refuse, ruleViolation, type Decision, type DomainError, type Parsed } from '../errors';
import {
  checkAmount,
  checkBoolean,
  checkChannels,
  checkIndustry,
  checkKnownFields,
  checkUuid,
  checkInvestor,
  checkOneOf,
  checkReferenceCode,
  checkText,
  checkTime,
  isRecord,
  type Issues,
} from '../field-checks';
import type { ReferenceCatalog } from '../reference-catalog';
import { VISIT_DIRECTIONS } from '../vocabulary';
import type { ProjectCommand } from './project.commands';
import type { Investor, ProjectChanges, ProjectEvent, ProjectFacts } from './project.events';

export type ProjectStage = 'lead' | 'negotiating' | 'signed' | 'started' | 'dropped';

/** A project's current state: the fold of its events, and the shape of `GET /v1/projects/{id}`. */
export interface ProjectState extends ProjectFacts {
  readonly projectId: string;
  readonly stage: ProjectStage;
  readonly leadAt: string;
  readonly signedAmountWan: number | null;
  readonly signedAt: string | null;
  readonly startedInvestmentWan: number | null;
  readonly startedAt: string | null;
  readonly visits: { readonly inbound: number; readonly outbound: number };
  readonly fundInvestedWan: number;
  readonly lastEventAt: string;
}

/** What a decision may depend on besides the state: the reference data and the server clock. */
export interface DecideContext {
  readonly ref: ReferenceCatalog;
  readonly now: Date;
}

/** `null` is the state of a project that does not exist yet. */
export function evolve(state: ProjectState | null, event: ProjectEvent): ProjectState {
  if (event.type === 'LeadRegistered') {
    const { projectId, ...facts } = event.data;
    return {
      projectId,
      ...facts,
      stage: 'lead',
      leadAt: event.occurredAt,
      signedAmountWan: null,
      signedAt: null,
      startedInvestmentWan: null,
      startedAt: null,
      visits: { inbound: 0, outbound: 0 },
      fundInvestedWan: 0,
      lastEventAt: event.occurredAt,
    };
  }
  if (state === null) throw new Error(`${event.type} before LeadRegistered in project ${event.data.projectId}`);
  const lastEventAt = event.occurredAt > state.lastEventAt ? event.occurredAt : state.lastEventAt;
  switch (event.type) {
    case 'VisitRecorded':
      return {
        ...state,
        stage: state.stage === 'lead' ? 'negotiating' : state.stage,
        visits: { ...state.visits, [event.data.direction]: state.visits[event.data.direction] + 1 },
        lastEventAt,
      };
    case 'FundInvestmentMade':
      return { ...state, fundInvestedWan: state.fundInvestedWan + event.data.amountWan, lastEventAt };
    case 'ProjectSigned':
      return { ...state, stage: 'signed', signedAmountWan: event.data.signedAmountWan, signedAt: event.occurredAt, lastEventAt };
    case 'ProjectStarted':
      return {
        ...state,
        stage: 'started',
        startedInvestmentWan: event.data.startedInvestmentWan,
        startedAt: event.occurredAt,
        lastEventAt,
      };
    case 'ProjectCorrected':
      return { ...state, ...event.data.changes, lastEventAt };
    case 'ProjectDropped':
      return { ...state, stage: 'dropped', lastEventAt };
  }
}

/**
 * Decides a parsed command (`parseProjectCommand`: fields checked, texts trimmed, instants in
 * UTC) against the project's state: the lifecycle rules of contract §2.
 */
export function decide(command: ProjectCommand, state: ProjectState | null): Decision<ProjectEvent> {
  const { occurredAt, projectId } = command;

  if (command.type === 'RegisterLead') {
    if (state !== null) return refuse({ kind: 'already_exists', message: `project ${projectId} exists already` });
    const { type: _type, occurredAt: _at, projectId: _id, ...facts } = command;
    return accept({ type: 'LeadRegistered', occurredAt, data: { projectId, ...facts } });
  }
  if (state === null) return refuse({ kind: 'not_found', message: `project ${projectId} does not exist` });
  if (state.stage === 'dropped') return refuse(ruleViolation('project_dropped', `project ${projectId} was dropped`));

  switch (command.type) {
    case 'RecordVisit':
      return accept({
        type: 'VisitRecorded',
        occurredAt,
        data: { projectId, direction: command.direction, ...(command.note === undefined ? {} : { note: command.note }) },
      });
    case 'RecordFundInvestment':
      return accept({ type: 'FundInvestmentMade', occurredAt, data: { projectId, fund: command.fund, amountWan: command.amountWan } });
    case 'SignProject': {
      if (state.signedAt !== null) return refuse(ruleViolation('already_signed', `project ${projectId} is signed already`));
      const order = stageOrderError(state.leadAt, occurredAt, null);
      if (order) return refuse(order);
      return accept({ type: 'ProjectSigned', occurredAt, data: { projectId, signedAmountWan: command.signedAmountWan } });
    }
    case 'StartProject': {
      if (state.signedAt === null) return refuse(ruleViolation('not_signed', `project ${projectId} must be signed before it starts`));
      if (state.startedAt !== null) return refuse(ruleViolation('already_started', `project ${projectId} is started already`));
      const order = stageOrderError(state.leadAt, state.signedAt, occurredAt);
      if (order) return refuse(order);
      return accept({ type: 'ProjectStarted', occurredAt, data: { projectId, startedInvestmentWan: command.startedInvestmentWan } });
    }
    case 'CorrectProject': {
      const { changes, reason } = command;
      const refusal = correctionRefusal(state, changes);
      if (refusal) return refuse(refusal);
      return accept({ type: 'ProjectCorrected', occurredAt, data: { projectId, changes, reason } });
    }
    case 'DropProject':
      if (state.signedAt !== null) {
        return refuse(ruleViolation('drop_after_signing', `project ${projectId} is signed and can no longer be dropped`));
      }
      return accept({ type: 'ProjectDropped', occurredAt, data: { projectId, reason: command.reason } });
  }
}

/**
 * Turns a request (its fields and `type`) into a typed project command, or names every bad
 * field: the one place where raw input becomes a command. Texts come out trimmed, credit
 * codes upper-case, business times as UTC instants.
 */
export function parseProjectCommand(raw: Record<string, unknown>, ctx: DecideContext): Parsed<ProjectCommand> {
  const issues = commandFieldIssues(raw, ctx);
  if (!isValid<ProjectCommand>(raw, issues)) return { ok: false, error: invalidInput(issues) };
  return { ok: true, command: normalizeCommand(raw, ctx) };
}

const PROJECT_COMMAND_TYPES = Object.keys({
  RegisterLead: 0,
  RecordVisit: 0,
  RecordFundInvestment: 0,
  SignProject: 0,
  StartProject: 0,
  CorrectProject: 0,
  DropProject: 0,
} satisfies Record<ProjectCommand['type'], 0>) as readonly ProjectCommand['type'][];

export const isProjectCommandType = (type: unknown): type is ProjectCommand['type'] =>
  PROJECT_COMMAND_TYPES.includes(type as ProjectCommand['type']);

/** Every bad field of a project command, by its path in the request body. */
function commandFieldIssues(c: Record<string, unknown>, ctx: DecideContext): Issues {
  const issues: Issues = [];
  if (!isProjectCommandType(c.type)) return [{ field: 'type', message: `must be one of: ${PROJECT_COMMAND_TYPES.join(', ')}` }];
  const type = c.type;
  checkKnownFields(issues, '', c, PROJECT_COMMAND_FIELDS[type]);
  checkUuid(issues, 'projectId', c.projectId);
  checkTime(issues, 'occurredAt', c.occurredAt, ctx.now);
  switch (type) {
    case 'RegisterLead':
      checkFacts(issues, '', c, ctx.ref, true);
      break;
    case 'RecordVisit':
      checkOneOf(issues, 'direction', c.direction, VISIT_DIRECTIONS);
      checkText(issues, 'note', c.note, false, { multiline: true });
      break;
    case 'RecordFundInvestment':
      checkReferenceCode(issues, 'fund', c.fund, ctx.ref.funds, 'fund');
      checkAmount(issues, 'amountWan', c.amountWan, 1);
      break;
    case 'SignProject':
      checkAmount(issues, 'signedAmountWan', c.signedAmountWan, 1);
      break;
    case 'StartProject':
      checkAmount(issues, 'startedInvestmentWan', c.startedInvestmentWan, 1);
      break;
    case 'CorrectProject':
      checkChanges(issues, c.changes, ctx);
      checkText(issues, 'reason', c.reason, true, { multiline: true });
      break;
    case 'DropProject':
      checkText(issues, 'reason', c.reason, true, { multiline: true });
      break;
  }
  return issues;
}

function checkFacts(issues: Issues, prefix: string, facts: Record<string, unknown>, ref: ReferenceCatalog, required: boolean): void {
  const has = (key: string) => required || facts[key] !== undefined;
  if (has('name')) checkText(issues, `${prefix}name`, facts.name);
  if (has('investor')) checkInvestor(issues, `${prefix}investor`, facts.investor);
  if (has('industry')) checkIndustry(issues, `${prefix}industry`, facts.industry, ref);
  if (has('industrial')) checkBoolean(issues, `${prefix}industrial`, facts.industrial);
  if (has('channels')) checkChannels(issues, `${prefix}channels`, facts.channels);
  if (has('unit')) checkReferenceCode(issues, `${prefix}unit`, facts.unit, ref.units, 'unit');
  if (has('plannedInvestmentWan')) checkAmount(issues, `${prefix}plannedInvestmentWan`, facts.plannedInvestmentWan, 0);
}

const FACT_FIELDS = ['name', 'investor', 'industry', 'industrial', 'channels', 'unit', 'plannedInvestmentWan'];

/** The fields each command may carry (besides `type`); any other is refused as unknown. */
export const PROJECT_COMMAND_FIELDS: Readonly<Record<ProjectCommand['type'], readonly string[]>> = {
  RegisterLead: ['projectId', 'occurredAt', ...FACT_FIELDS],
  RecordVisit: ['projectId', 'occurredAt', 'direction', 'note'],
  RecordFundInvestment: ['projectId', 'occurredAt', 'fund', 'amountWan'],
  SignProject: ['projectId', 'occurredAt', 'signedAmountWan'],
  StartProject: ['projectId', 'occurredAt', 'startedInvestmentWan'],
  CorrectProject: ['projectId', 'occurredAt', 'changes', 'reason'],
  DropProject: ['projectId', 'occurredAt', 'reason'],
};

const CHANGEABLE = new Set([
  'name',
  'investor',
  'industry',
  'industrial',
  'channels',
  'unit',
  'plannedInvestmentWan',
  'signedAmountWan',
  'startedInvestmentWan',
  'signedAt',
  'startedAt',
]);

function checkChanges(issues: Issues, changes: unknown, ctx: DecideContext): void {
  if (!isRecord(changes) || Object.keys(changes).length === 0) {
    issues.push({ field: 'changes', message: `must name at least one of: ${[...CHANGEABLE].join(', ')}` });
    return;
  }
  for (const key of Object.keys(changes)) {
    if (!CHANGEABLE.has(key)) issues.push({ field: `changes.${key}`, message: 'cannot be corrected' });
  }
  checkFacts(issues, 'changes.', changes, ctx.ref, false);
  if (changes.signedAmountWan !== undefined) checkAmount(issues, 'changes.signedAmountWan', changes.signedAmountWan, 1);
  if (changes.startedInvestmentWan !== undefined) {
    checkAmount(issues, 'changes.startedInvestmentWan', changes.startedInvestmentWan, 1);
  }
  if (changes.signedAt !== undefined) checkTime(issues, 'changes.signedAt', changes.signedAt, ctx.now);
  if (changes.startedAt !== undefined) checkTime(issues, 'changes.startedAt', changes.startedAt, ctx.now);
}

function correctionRefusal(state: ProjectState, changes: ProjectChanges): DomainError | null {
  const signingFields = (['signedAmountWan', 'signedAt'] as const).filter((k) => changes[k] !== undefined);
  if (signingFields.length > 0 && state.signedAt === null) {
    return ruleViolation('stage_not_reached', `${signingFields.join(', ')} cannot be corrected before the project is signed`);
  }
  const startFields = (['startedInvestmentWan', 'startedAt'] as const).filter((k) => changes[k] !== undefined);
  if (startFields.length > 0 && state.startedAt === null) {
    return ruleViolation('stage_not_reached', `${startFields.join(', ')} cannot be corrected before the project is started`);
  }
  return stageOrderError(state.leadAt, changes.signedAt ?? state.signedAt, changes.startedAt ?? state.startedAt);
}

/** lead date ≤ signing date ≤ start date, compared as instants. */
function stageOrderError(leadAt: string, signedAt: string | null, startedAt: string | null): DomainError | null {
  const lead = Date.parse(leadAt);
  const signed = signedAt === null ? null : Date.parse(signedAt);
  const started = startedAt === null ? null : Date.parse(startedAt);
  if (signed !== null && signed < lead) {
    return ruleViolation('stage_dates_out_of_order', `the signing date ${signedAt} is before the lead date ${leadAt}`);
  }
  if (started !== null && signed !== null && started < signed) {
    return ruleViolation('stage_dates_out_of_order', `the start date ${startedAt} is before the signing date ${signedAt}`);
  }
  return null;
}

function instant(value: string, ctx: DecideContext): string {
  const checked = checkBusinessTime(value, ctx.now);
  if (!checked.ok) throw new Error('instant() called on an unchecked time');
  return checked.instant;
}

function normalizeInvestor(investor: Investor): Investor {
  return {
    name: investor.name.trim(),
    ...(investor.creditCode === undefined ? {} : { creditCode: normalizeCreditCode(investor.creditCode) }),
    originRegion: investor.originRegion,
    ...(investor.top500 === undefined ? {} : { top500: investor.top500 }),
  };
}

function normalizeFacts(facts: ProjectFacts): ProjectFacts {
  return {
    name: facts.name.trim(),
    investor: normalizeInvestor(facts.investor),
    industry: { chain: facts.industry.chain, sector: facts.industry.sector },
    industrial: facts.industrial,
    channels: [...facts.channels],
    unit: facts.unit,
    plannedInvestmentWan: facts.plannedInvestmentWan,
  };
}

function normalizeCommand(command: ProjectCommand, ctx: DecideContext): ProjectCommand {
  const occurredAt = instant(command.occurredAt, ctx);
  switch (command.type) {
    case 'RegisterLead': {
      const { type, projectId, occurredAt: _at, ...facts } = command;
      return { type, projectId, occurredAt, ...normalizeFacts(facts) };
    }
    case 'RecordVisit':
      return { ...command, occurredAt };
    case 'RecordFundInvestment':
    case 'SignProject':
    case 'StartProject':
      return { ...command, occurredAt };
    case 'CorrectProject':
      return { ...command, occurredAt, changes: normalizeChanges(command.changes, ctx), reason: command.reason.trim() };
    case 'DropProject':
      return { ...command, occurredAt, reason: command.reason.trim() };
  }
}

function normalizeChanges(changes: ProjectChanges, ctx: DecideContext): ProjectChanges {
  const out: Record<string, unknown> = { ...changes };
  if (changes.name !== undefined) out.name = changes.name.trim();
  if (changes.investor !== undefined) out.investor = normalizeInvestor(changes.investor);
  if (changes.industry !== undefined) out.industry = { chain: changes.industry.chain, sector: changes.industry.sector };
  if (changes.signedAt !== undefined) out.signedAt = instant(changes.signedAt, ctx);
  if (changes.startedAt !== undefined) out.startedAt = instant(changes.startedAt, ctx);
  return out as ProjectChanges;
}
