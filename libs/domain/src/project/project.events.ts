import type { Channel, OriginRegion, Sector, VisitDirection } from '../vocabulary';

export interface Investor {
  readonly name: string;
  readonly creditCode?: string;
  readonly originRegion: OriginRegion;
  readonly top500?: boolean;
}

export interface Industry {
  readonly chain: string;
  readonly sector: Sector;
}

/** The facts of a project that a lead states and a correction may change. */
export interface ProjectFacts {
  readonly name: string;
  readonly investor: Investor;
  readonly industry: Industry;
  readonly industrial: boolean;
  readonly channels: readonly Channel[];
  readonly unit: string;
  readonly plannedInvestmentWan: number;
}

export interface ProjectChanges extends Partial<ProjectFacts> {
  readonly signedAmountWan?: number;
  readonly startedInvestmentWan?: number;
  readonly signedAt?: string;
  readonly startedAt?: string;
}

type ProjectEventOf<T extends string, D> = {
  readonly type: T;
  /** Business time, UTC ISO-8601. */
  readonly occurredAt: string;
  readonly data: { readonly projectId: string } & D;
};

export type LeadRegistered = ProjectEventOf<'LeadRegistered', ProjectFacts>;
export type VisitRecorded = ProjectEventOf<'VisitRecorded', { readonly direction: VisitDirection; readonly note?: string }>;
export type FundInvestmentMade = ProjectEventOf<'FundInvestmentMade', { readonly fund: string; readonly amountWan: number }>;
export type ProjectSigned = ProjectEventOf<'ProjectSigned', { readonly signedAmountWan: number }>;
export type ProjectStarted = ProjectEventOf<'ProjectStarted', { readonly startedInvestmentWan: number }>;
export type ProjectCorrected = ProjectEventOf<'ProjectCorrected', { readonly changes: ProjectChanges; readonly reason: string }>;
export type ProjectDropped = ProjectEventOf<'ProjectDropped', { readonly reason: string }>;

export type ProjectEvent =
  LeadRegistered | VisitRecorded | FundInvestmentMade | ProjectSigned | ProjectStarted | ProjectCorrected | ProjectDropped;

export const PROJECT_EVENT_TYPES: readonly ProjectEvent['type'][] = [
  'LeadRegistered',
  'VisitRecorded',
  'FundInvestmentMade',
  'ProjectSigned',
  'ProjectStarted',
  'ProjectCorrected',
  'ProjectDropped',
];

export const projectStreamId = (projectId: string): string => `project-${projectId}`;
