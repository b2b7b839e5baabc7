import { ApiProperty, ApiPropertyOptional } from '@nestjs/swagger';
import { IsDefined, IsIn, IsString, Matches, MaxLength, ValidateBy } from 'class-validator';
import {
  CODE_LIST_KEY,
  QUALITY_RULES,
  checkBusinessTime,
  isUuid,
  periodBounds,
  periodLabel,
  yearToDateLabel,
  type CodeList,
  type Period,
} from '@app/domain';
import { IsIntegerText, OptionalParam, integerParam } from '@app/platform';
import { BREAKDOWN_DIMENSIONS, CITY_KPI_CODES, UNIT_KPI_CODES } from '@app/read-models';

/**
 * The query strings of the read API as class-validator DTOs: they describe the parameters in
 * the OpenAPI document and are checked by `validation('query', …)`, every bad one named in one
 * 400. Values stay the strings sent; the functions below read them.
 */

const STAGES = ['lead', 'negotiating', 'signed', 'started', 'dropped'] as const;

const NotWith = (other: string): PropertyDecorator =>
  ValidateBy({
    name: 'notWith',
    validator: {
      validate: (_value: unknown, args) => {
        const given = (args?.object as Record<string, unknown>)[other];
        return given === undefined || given === '';
      },
      defaultMessage: (args) => `give a ${other} or a ${args?.property}, not both`,
    },
  });

/** asOf: an instant with an offset, from 2000-01-01 to 24 h after the server clock, as business times are. */
export const IsInstant = (): PropertyDecorator =>
  ValidateBy({
    name: 'isInstant',
    validator: {
      validate: (value: unknown) => typeof value === 'string' && checkBusinessTime(value, new Date()).ok,
      defaultMessage: (args) => {
        const checked = checkBusinessTime(String(args?.value), new Date());
        return checked.ok ? 'is not a valid instant' : checked.message;
      },
    },
  });

export class PositionQuery {
  @ApiPropertyOptional({
    type: 'integer',
    minimum: 0,
    description: 'wait until the read models have applied this position (at most the last position stored)',
  })
  @OptionalParam()
  @IsIntegerText(0, Number.MAX_SAFE_INTEGER)
  minPosition?: string;
}

export class PeriodQuery extends PositionQuery {
  @ApiPropertyOptional({ type: 'integer', minimum: 2000, maximum: 2100, example: 2025, description: "the plan's year when absent" })
  @OptionalParam()
  @IsIntegerText(2000, 2100)
  year?: string;

  @ApiPropertyOptional({ type: 'integer', minimum: 1, maximum: 4 })
  @OptionalParam()
  @IsIntegerText(1, 4)
  quarter?: string;

  @ApiPropertyOptional({ type: 'integer', minimum: 1, maximum: 12, description: 'not with quarter' })
  @OptionalParam()
  @IsIntegerText(1, 12)
  @NotWith('quarter')
  month?: string;
}

/** Names the parameter's code list: the document lists the codes loaded (Nest's options do not declare extensions). */
const codesOf = (list: CodeList): object => ({ [CODE_LIST_KEY]: list });

/** A unit code parameter (a unit's own board, breakdown or list). */
const IsUnitParam = (): PropertyDecorator => Matches(/^[a-z0-9_-]+$/, { message: 'must be a unit code' });

export class KpiQuery extends PeriodQuery {
  @ApiPropertyOptional({
    format: 'date-time',
    description: 'as recorded at this instant (ISO-8601 with offset, from 2000-01-01 to 24 h after the server clock)',
  })
  @OptionalParam()
  @IsInstant()
  asOf?: string;

  @ApiPropertyOptional({
    type: 'integer',
    minimum: 1,
    maximum: 12,
    description:
      "year to date: only business times up to this month's end count, and progress is judged by the share of the year elapsed then (with a year only)",
  })
  @OptionalParam()
  @IsIntegerText(1, 12)
  @NotWith('quarter')
  @NotWith('month')
  toMonth?: string;
}

export class FunnelQuery extends PeriodQuery {
  @ApiPropertyOptional({ format: 'date-time', description: 'as recorded at this instant' })
  @OptionalParam()
  @IsInstant()
  asOf?: string;
}

export class BreakdownQuery extends KpiQuery {
  @ApiProperty({ enum: BREAKDOWN_DIMENSIONS })
  @IsDefined({ message: `is required: one of ${BREAKDOWN_DIMENSIONS.join(', ')}` })
  @IsIn(BREAKDOWN_DIMENSIONS, { message: `must be one of: ${BREAKDOWN_DIMENSIONS.join(', ')}` })
  by!: (typeof BREAKDOWN_DIMENSIONS)[number];

  @ApiPropertyOptional({ description: "only this unit's projects", ...codesOf('units') })
  @OptionalParam()
  @IsUnitParam()
  unit?: string;
}

export class TrendQuery extends PositionQuery {
  @ApiPropertyOptional({ type: 'integer', minimum: 2000, maximum: 2100, example: 2025, description: "the plan's year when absent" })
  @OptionalParam()
  @IsIntegerText(2000, 2100)
  year?: string;

  @ApiPropertyOptional({ description: "one unit's trend; the city's when absent", ...codesOf('units') })
  @OptionalParam()
  @IsUnitParam()
  unit?: string;

  @ApiPropertyOptional({ format: 'date-time', description: 'as recorded at this instant' })
  @OptionalParam()
  @IsInstant()
  asOf?: string;
}

export class StalledQuery extends PositionQuery {
  @ApiPropertyOptional({
    type: 'integer',
    minimum: 1,
    maximum: 3650,
    default: 30,
    description: 'calendar days (Asia/Shanghai) from the latest business date to the reference day, counted with ≥',
  })
  @OptionalParam()
  @IsIntegerText(1, 3650)
  days?: string;

  @ApiPropertyOptional({ description: "only this unit's projects", ...codesOf('units') })
  @OptionalParam()
  @IsUnitParam()
  unit?: string;

  @ApiPropertyOptional({ type: 'integer', minimum: 1, maximum: 500, default: 20, description: 'how many of the highest value to list' })
  @OptionalParam()
  @IsIntegerText(1, 500)
  limit?: string;

  @ApiPropertyOptional({
    format: 'date-time',
    description: "as recorded at this instant, and its day (Asia/Shanghai) as the reference day: a past board's 预警",
  })
  @OptionalParam()
  @IsInstant()
  asOf?: string;
}

export class PositionWaitQuery {
  @ApiProperty({ type: 'integer', minimum: 0, description: 'the position the caller has seen: answers once the read models pass it' })
  @IsDefined({ message: 'is required' })
  @IsIntegerText(0, Number.MAX_SAFE_INTEGER)
  after!: string;

  @ApiPropertyOptional({ type: 'integer', minimum: 0, maximum: 30_000, default: 25_000, description: 'the longest wait, in ms' })
  @OptionalParam()
  @IsIntegerText(0, 30_000)
  waitMs?: string;
}

const KPI_CODES = [...CITY_KPI_CODES, ...UNIT_KPI_CODES];

export class KpiChangesQuery extends PeriodQuery {
  @ApiProperty({ enum: KPI_CODES, description: 'a KPI of contract §3 (unit.* with a unit scope)' })
  @IsDefined({ message: 'is required' })
  @IsIn(KPI_CODES, { message: 'must be a KPI code of contract §3' })
  code!: string;

  @ApiPropertyOptional({ description: '`city` (the default) or a unit code', pattern: '^[a-z0-9_-]+$' })
  @OptionalParam()
  @IsUnitParam()
  scope?: string;

  @ApiPropertyOptional({ format: 'date-time', description: "record time the window starts after; the period's close when absent" })
  @OptionalParam()
  @IsInstant()
  from?: string;

  @ApiPropertyOptional({ format: 'date-time', description: 'record time the window ends at (included); now when absent' })
  @OptionalParam()
  @IsInstant()
  to?: string;
}

export class QualityFlagsQuery {
  @ApiPropertyOptional({ enum: QUALITY_RULES })
  @OptionalParam()
  @IsIn(QUALITY_RULES, { message: `must be one of: ${QUALITY_RULES.join(', ')}` })
  rule?: string;

  @ApiPropertyOptional({ description: 'flags naming this unit', ...codesOf('units') })
  @OptionalParam()
  @IsUnitParam()
  unit?: string;

  @ApiPropertyOptional({
    description: 'a period (`2025-Q1`), or a year that holds it (`2025`)',
    pattern: '^\\d{4}(-Q[1-4]|-(0[1-9]|1[0-2]))?$',
  })
  @OptionalParam()
  @Matches(/^\d{4}(-Q[1-4]|-(0[1-9]|1[0-2]))?$/, { message: 'must be a year (2025), a quarter (2025-Q1) or a month (2025-03)' })
  period?: string;

  @ApiPropertyOptional({ format: 'date-time', description: 'the flags as the log stood at this record time' })
  @OptionalParam()
  @IsInstant()
  asOf?: string;

  @ApiPropertyOptional({ description: 'nextCursor of the previous page' })
  @OptionalParam()
  @Matches(/^\d+_[a-z_]+:[^\s]+$/, { message: 'must be the nextCursor of a previous page' })
  cursor?: string;

  @ApiPropertyOptional({ type: 'integer', minimum: 1, maximum: 500, default: 50 })
  @OptionalParam()
  @IsIntegerText(1, 500)
  limit?: string;
}

export class YearQuery {
  @ApiPropertyOptional({ type: 'integer', minimum: 2000, maximum: 2100, example: 2025, description: "the plan's year when absent" })
  @OptionalParam()
  @IsIntegerText(2000, 2100)
  year?: string;
}

export class ClosesQuery extends PositionQuery {
  @ApiPropertyOptional({ type: 'integer', minimum: 2000, maximum: 2100, example: 2025, description: "the plan's year when absent" })
  @OptionalParam()
  @IsIntegerText(2000, 2100)
  year?: string;
}

export class MonthlyReportQuery extends YearQuery {
  @ApiProperty({ type: 'integer', minimum: 1, maximum: 12 })
  @IsDefined({ message: 'is required' })
  @IsIntegerText(1, 12)
  month!: string;
}

export class ProjectsQuery extends PositionQuery {
  @ApiPropertyOptional({ enum: STAGES })
  @OptionalParam()
  @IsIn(STAGES, { message: `must be one of: ${STAGES.join(', ')}` })
  stage?: (typeof STAGES)[number];

  @ApiPropertyOptional({ description: 'a unit code', ...codesOf('units') })
  @OptionalParam()
  @IsUnitParam()
  unit?: string;

  @ApiPropertyOptional({ description: 'a channel code', ...codesOf('channels') })
  @OptionalParam()
  @Matches(/^[a-z_]+$/, { message: 'must be a channel code' })
  channel?: string;

  @ApiPropertyOptional({ description: 'an industry chain code', ...codesOf('chains') })
  @OptionalParam()
  @Matches(/^[a-z0-9_-]+$/, { message: 'must be a chain code' })
  chain?: string;

  @ApiPropertyOptional({ description: "part of the project's or the investor's name (case-insensitive)", maxLength: 100 })
  @OptionalParam()
  @IsString()
  @MaxLength(100)
  q?: string;

  @ApiPropertyOptional({
    type: 'integer',
    minimum: 0,
    maximum: 100_000,
    description: 'not started or dropped, and idle this many calendar days or more (Asia/Shanghai, as for stalled projects)',
  })
  @OptionalParam()
  @IsIntegerText(0, 100_000)
  stalledDays?: string;

  @ApiPropertyOptional({ description: 'nextCursor of the previous page', pattern: '^\\d+_[0-9a-f-]{36}$' })
  @OptionalParam()
  @ValidateBy({
    name: 'isCursor',
    validator: {
      validate: (v: unknown) => typeof v === 'string' && /^\d{1,16}_/.test(v) && isUuid(v.slice(v.indexOf('_') + 1)),
      defaultMessage: () => 'must be the nextCursor of a previous page',
    },
  })
  cursor?: string;

  @ApiPropertyOptional({ type: 'integer', minimum: 1, maximum: 500, default: 50 })
  @OptionalParam()
  @IsIntegerText(1, 500)
  limit?: string;
}

export class ActivitiesQuery extends PositionQuery {
  @ApiPropertyOptional({ description: 'a unit code', ...codesOf('units') })
  @OptionalParam()
  @IsUnitParam()
  unit?: string;

  @ApiPropertyOptional({ description: 'nextCursor of the previous page' })
  @OptionalParam()
  @Matches(/^\d{4}-\d\d-\d\dT[\d:.]+Z_[0-9a-f-]{36}$/i, { message: 'must be the nextCursor of a previous page' })
  cursor?: string;

  @ApiPropertyOptional({ type: 'integer', minimum: 1, maximum: 500, default: 50 })
  @OptionalParam()
  @IsIntegerText(1, 500)
  limit?: string;
}

export class InvestorProjectsQuery {
  @ApiProperty({ description: "the investor's name", maxLength: 2000 })
  @IsString()
  @MaxLength(2000)
  investorName!: string;

  @ApiPropertyOptional({ description: 'unified social credit code (the investor is then this code, whatever its name)', maxLength: 18 })
  @OptionalParam()
  @IsString()
  @MaxLength(18)
  creditCode?: string;

  @ApiProperty({ description: 'the unit of the new lead: its projects are not counted', ...codesOf('units') })
  @IsUnitParam()
  unit!: string;
}

/** The period a checked PeriodQuery names: a year (the plan's when absent), a quarter or a month of it. */
export function periodOf(query: PeriodQuery, defaultYear: number): Period {
  const year = integerParam(query.year) ?? defaultYear;
  const quarter = integerParam(query.quarter);
  const month = integerParam(query.month);
  if (quarter !== undefined) return { kind: 'quarter', year, quarter: quarter as 1 | 2 | 3 | 4 };
  if (month !== undefined) return { kind: 'month', year, month };
  return { kind: 'year', year };
}

/** asOf of a checked query, or null. */
export function asOfOf(query: { asOf?: string }): Date | null {
  return instantOf(query.asOf);
}

/** A checked instant parameter, or null when absent. */
export function instantOf(value: string | undefined): Date | null {
  if (value === undefined || value === '') return null;
  const checked = checkBusinessTime(value, new Date());
  return checked.ok ? new Date(checked.instant) : null;
}

/** The end of the year to date a checked query asks for (`toMonth`), or undefined for the whole period. */
export function untilOf(query: KpiQuery, defaultYear: number, timeZone: string): Date | undefined {
  const toMonth = integerParam(query.toMonth);
  if (toMonth === undefined) return undefined;
  return periodBounds({ kind: 'month', year: integerParam(query.year) ?? defaultYear, month: toMonth }, timeZone).end;
}

/** The period label of a checked query's results: the period's, or the year to a month's end (`2025-01/06`). */
export function periodLabelOf(query: KpiQuery, defaultYear: number): string {
  const period = periodOf(query, defaultYear);
  const toMonth = integerParam(query.toMonth);
  return toMonth === undefined ? periodLabel(period) : yearToDateLabel(period.year, toMonth);
}

/** The filter of a checked ProjectsQuery. */
export function projectFilterOf(query: ProjectsQuery) {
  const text = (value: string | undefined) => (value === '' ? undefined : value);
  return {
    stage: text(query.stage) as ProjectsQuery['stage'],
    unit: text(query.unit),
    channel: text(query.channel),
    chain: text(query.chain),
    q: text(query.q?.trim()),
    stalledDays: integerParam(query.stalledDays),
    cursor: text(query.cursor)?.toLowerCase(),
    limit: integerParam(query.limit) ?? 50,
  };
}
