import type { KPI_STATUS_NAMES } from '@app/domain';

export type KpiStatus = keyof typeof KPI_STATUS_NAMES;

export interface StatusInput {
  /** Whether the comparator holds for the actual value. */
  readonly met: boolean;
  /** actual ÷ target, null when either is missing. */
  readonly progress: number | null;
  /** Share of the period elapsed at `asOf`, 0..1 (1 once the period has ended). */
  readonly elapsed: number;
  /** A share KPI cannot be "on track": a share is not accumulated over the period. */
  readonly isShare: boolean;
}

/**
 * Contract §3: `met` when the comparator holds; `on_track` when not met, the period still running
 * and progress at least the share of the period elapsed; `behind` otherwise. After the
 * period's end, and for a share, only `met` or `behind`. (Null without a target is the
 * caller's: there is nothing to compare.)
 */
export function kpiStatus({ met, progress, elapsed, isShare }: StatusInput): KpiStatus {
  if (met) return 'met';
  const running = elapsed < 1;
  return running && !isShare && progress !== null && progress >= elapsed ? 'on_track' : 'behind';
}
