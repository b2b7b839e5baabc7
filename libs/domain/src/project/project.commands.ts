import type { ProjectChanges, ProjectFacts } from './project.events';
import type { VisitDirection } from '../vocabulary';

/**
 * Commands as the deciders receive them. Field types are what a well-formed request
 * carries; the deciders still check every value, so a caller that skips the HTTP edge
 * cannot write a bad event.
 */
type CommandOf<T extends string, D> = { readonly type: T; readonly projectId: string; readonly occurredAt: string } & D;

export type RegisterLead = CommandOf<'RegisterLead', ProjectFacts>;
export type RecordVisit = CommandOf<'RecordVisit', { readonly direction: VisitDirection; readonly note?: string }>;
export type RecordFundInvestment = CommandOf<'RecordFundInvestment', { readonly fund: string; readonly amountWan: number }>;
export type SignProject = CommandOf<'SignProject', { readonly signedAmountWan: number }>;
export type StartProject = CommandOf<'StartProject', { readonly startedInvestmentWan: number }>;
export type CorrectProject = CommandOf<'CorrectProject', { readonly changes: ProjectChanges; readonly reason: string }>;
export type DropProject = CommandOf<'DropProject', { readonly reason: string }>;

export type ProjectCommand = RegisterLead | RecordVisit | RecordFundInvestment | SignProject | StartProject | CorrectProject | DropProject;
