import { Controller, Get, Header, Inject, Param, Query, Req, Res } from '@nestjs/common';
import { ApiOkResponse, ApiOperation, ApiProduces, ApiTags } from '@nestjs/swagger';
import {
  ACTIVITIES_PAGE_SCHEMA,
  BREAKDOWN_SCHEMA,
  FUNNEL_SCHEMA,
  HISTORY_SCHEMA,
  INVESTOR_PROJECTS_SCHEMA,
  KPI_CHANGES_SCHEMA,
  KPI_REPORT_SCHEMA,
  PERIODS_SCHEMA,
  POSITION_SCHEMA,
  PROJECTIONS_STATUS_SCHEMA,
  PROJECTS_PAGE_SCHEMA,
  PROJECT_SCHEMA,
  QUALITY_FLAGS_SCHEMA,
  STALLED_SCHEMA,
  TREND_SCHEMA,
} from './answer-schemas';
import type { FastifyReply } from 'fastify';
import { elapsedShare, isUuid, periodBounds, type QualityRule } from '@app/domain';
import {
  ApiErrors,
  REFERENCE_DATA,
  ApiError,
  Roles,
  integerParam,
  validation,
  type AuthenticatedRequest,
  type Principal,
} from '@app/platform';
import { CITY_KPI_CODES, KpiChanges, KpiQueries, QualityFlags, Reports, kpisToCsv } from '@app/read-models';
import type { ReferenceData } from '@app/reference-data';
import { Freshness } from './freshness';
import { CurrentReports } from './current-reports';
import { Revisions } from './revisions';
import {
  ActivitiesQuery,
  BreakdownQuery,
  ClosesQuery,
  FunnelQuery,
  InvestorProjectsQuery,
  KpiChangesQuery,
  KpiQuery,
  MonthlyReportQuery,
  QualityFlagsQuery,
  PositionQuery,
  PositionWaitQuery,
  ProjectsQuery,
  StalledQuery,
  TrendQuery,
  asOfOf,
  instantOf,
  periodLabelOf,
  periodOf,
  projectFilterOf,
  untilOf,
} from './query-dtos';
import { monthlyWorkbook } from './monthly-report';
import { exportDate, projectsWorkbook } from './projects-xlsx';
import { itemsInScope, projectScopeOf, visibleUnitResults } from './read-scope';

/** The most projects one 导出 writes: more is a filter to narrow, not a spreadsheet to read. */
const MAX_EXPORT_ROWS = 100_000;

/** Query strings: checked against their DTO (query-dtos.ts); parameters the endpoint does not know are ignored. */
const checkedQuery = validation('query', { forbidUnknown: false });

/** Every read endpoint of contract §4; any valid key may read. */
@ApiTags('read')
@ApiErrors(400, 401, 403, 404, 429, 503)
@Roles('admin', 'writer', 'partner', 'reader')
@Controller('v1')
export class ReadController {
  constructor(
    private readonly kpis: KpiQueries,
    private readonly currentReports: CurrentReports,
    private readonly revisions: Revisions,
    private readonly kpiChanges: KpiChanges,
    private readonly qualityFlags: QualityFlags,
    private readonly reports: Reports,
    private readonly freshness: Freshness,
    @Inject(REFERENCE_DATA) private readonly reference: ReferenceData,
  ) {}

  @Get('kpis')
  @ApiOperation({ summary: 'City KPIs of contract §3 for a year, quarter or month, against the plan' })
  @ApiOkResponse({ description: 'the city KPIs', schema: KPI_REPORT_SCHEMA })
  async cityKpis(@Query(checkedQuery) query: KpiQuery) {
    return this.kpiReport('city', query);
  }

  @Get('kpis/units')
  @ApiOperation({ summary: 'Per-unit KPIs (zones and districts), scope = unit code' })
  @ApiOkResponse({ description: 'every unit KPI of every zone and district the key may read', schema: KPI_REPORT_SCHEMA })
  async unitKpis(@Query(checkedQuery) query: KpiQuery, @Req() req: AuthenticatedRequest) {
    const report = await this.kpiReport('units', query);
    return { ...report, kpis: visibleUnitResults(req.principal!, report.kpis) };
  }

  @Get('kpis.csv')
  @ApiOperation({ summary: 'City and unit KPIs as CSV (UTF-8 with BOM, Chinese headers and labels)' })
  @ApiProduces('text/csv')
  @ApiOkResponse({ description: 'CSV, UTF-8 with BOM', schema: { type: 'string' } })
  async kpisCsv(@Query(checkedQuery) query: KpiQuery, @Req() req: AuthenticatedRequest, @Res() reply: FastifyReply) {
    const city = await this.kpiReport('city', query);
    const units = visibleUnitResults(req.principal!, (await this.kpiReport('units', query)).kpis);
    await reply
      .header('content-type', 'text/csv; charset=utf-8')
      .header('content-disposition', `attachment; filename="kpis-${city.period.replace('/', '-to-')}.csv"`)
      .send(kpisToCsv([...city.kpis, ...units], this.reference, this.reference.cityName));
  }

  @Get('kpis/changes')
  @Roles('admin', 'writer', 'reader')
  @ApiOperation({
    summary:
      "What moved a KPI: each event recorded in (from, to] with the KPI's value just after it minus just before, in position order; they add up to delta",
  })
  @ApiOkResponse({ description: 'the events that moved the KPI', schema: KPI_CHANGES_SCHEMA })
  async changes(@Query(checkedQuery) query: KpiChangesQuery, @Req() req: AuthenticatedRequest) {
    const period = periodOf(query, this.reference.plan.year);
    const scope = query.scope || 'city';
    const bad = (field: string, message: string) => ApiError.of(400, 'invalid_input', `${field} ${message}`, [{ field, message }]);
    // A unit's KPI is an aggregate, whoever asks; its per-project contributions are scoped below.
    if (scope !== 'city') {
      this.visibleUnit(scope, req.principal!);
      if (!['zone', 'district'].includes(this.reference.units.get(scope)!.kind)) throw bad('scope', 'must be city, a zone or a district');
    }
    const isCityCode = (CITY_KPI_CODES as readonly string[]).includes(query.code);
    if (isCityCode !== (scope === 'city')) throw bad('code', scope === 'city' ? 'must be a city KPI' : 'must be a unit.* KPI');
    if (!KpiChanges.supports(query.code, scope)) throw bad('code', 'is not broken down per event (yet): compare two asOf reports');
    const from = instantOf(query.from) ?? (await this.revisions.closedAsOf(period));
    if (from === null) throw bad('from', 'is required: the period is not closed');
    const to = instantOf(query.to) ?? new Date();
    if (from > to) throw bad('from', 'must not be after to');
    const changes = await this.kpiChanges.changes({ code: query.code, scope, period, from, to });
    return { ...changes, contributions: await itemsInScope(req.principal!, { kind: 'changes', ...changes }, this.reports) };
  }

  @Get('quality/flags')
  @Roles('admin', 'writer', 'reader')
  @ApiOperation({
    summary:
      'Quality flags (数据质量): late entries into closed periods, raised amounts, quarter-end signings reversed, duplicate claims — with their events, in the order of their first event',
  })
  @ApiOkResponse({ description: 'a page of flags', schema: QUALITY_FLAGS_SCHEMA })
  async flags(@Query(checkedQuery) query: QualityFlagsQuery, @Req() req: AuthenticatedRequest) {
    const unit = this.ownUnit(query.unit, req.principal!) ?? undefined;
    const asOf = asOfOf(query);
    // The current flags are kept like the current reports; flags as of a past time are derived on demand.
    const all = (await this.answer('quality-flags', asOf, undefined, () => this.qualityFlags.all(asOf))).value;
    const flags = await itemsInScope(req.principal!, { kind: 'flags', flags: all }, this.reports);
    return this.qualityFlags.list(
      {
        asOf,
        rule: query.rule as QualityRule | undefined,
        unit,
        period: query.period || undefined,
        cursor: query.cursor || undefined,
        limit: integerParam(query.limit) ?? 50,
      },
      flags,
    );
  }

  @Get('kpis/trend')
  @ApiOperation({
    summary: "Signed and started amounts month by month and cumulated over the year, of the city or one unit, with the year's targets",
  })
  @ApiOkResponse({ description: 'the months of the year', schema: TREND_SCHEMA })
  async trend(@Query(checkedQuery) query: TrendQuery, @Req() req: AuthenticatedRequest) {
    const year = integerParam(query.year) ?? this.reference.plan.year;
    const unit = this.visibleUnit(query.unit, req.principal!);
    const yearTarget = (code: string) =>
      unit === null ? (this.reference.plan.city.find((t) => t.code === code && t.period === 'year')?.target ?? null) : null;
    const asOf = asOfOf(query);
    const answer = await this.answer(`trend|${year}|${unit}`, asOf, integerParam(query.minPosition), (now) =>
      this.kpis.trend({ year, unit, asOf, now }),
    );
    return {
      year,
      scope: unit ?? 'city',
      asOf: answer.asOf,
      position: answer.position,
      // A past board says what had been recorded by then, and when nothing had been yet.
      ...(asOf === null ? {} : { lastRecorded: await this.freshness.watermark.lastRecorded(asOf) }),
      targets: { signedWan: yearTarget('signed_total_wan'), startedWan: yearTarget('started_total_wan') },
      months: answer.value,
    };
  }

  @Get('periods')
  @Roles('admin', 'writer', 'reader')
  @ApiOperation({
    summary: "关账: the closes of the year's periods (PeriodClosed events of the stream plan-<year>), in the order recorded",
  })
  @ApiOkResponse({ description: "the year's closes", schema: PERIODS_SCHEMA })
  async periods(@Query(checkedQuery) query: ClosesQuery) {
    const position = await this.freshness.require(integerParam(query.minPosition));
    const year = integerParam(query.year) ?? this.reference.plan.year;
    return { year, position, closes: await this.revisions.closes(year) };
  }

  @Get('funnel')
  @ApiOperation({
    summary: 'Stage counts, conversions and median cycle times of the projects whose lead falls in the period, now or as recorded at asOf',
  })
  @ApiOkResponse({ description: 'the funnel', schema: FUNNEL_SCHEMA })
  async funnel(@Query(checkedQuery) query: FunnelQuery) {
    const position = await this.freshness.require(integerParam(query.minPosition));
    const asOf = asOfOf(query);
    const funnel = await this.reports.funnel(periodOf(query, this.reference.plan.year), asOf);
    return { ...funnel, asOf: (asOf ?? new Date()).toISOString(), position };
  }

  @Get('breakdown')
  @ApiOperation({ summary: 'Count and Σ amount per stage, per channel, origin region, unit or chain' })
  @ApiOkResponse({ description: 'one row per code', schema: BREAKDOWN_SCHEMA })
  async breakdown(@Query(checkedQuery) query: BreakdownQuery, @Req() req: AuthenticatedRequest) {
    const period = periodOf(query, this.reference.plan.year);
    const asOf = asOfOf(query);
    const options = { asOf, unit: this.visibleUnit(query.unit, req.principal!), until: this.untilOf(query) };
    const label = periodLabelOf(query, this.reference.plan.year);
    const key = `breakdown|${query.by}|${label}|${options.unit}`;
    const answer = await this.answer(key, asOf, integerParam(query.minPosition), () => this.reports.breakdown(query.by, period, options));
    return { ...answer.value, period: label, asOf: answer.asOf, position: answer.position };
  }

  @Get('reports/monthly.xlsx')
  @ApiOperation({
    summary:
      "月报: city KPIs of the year to the month's end against the targets and the month's own, the unit ranking and the breakdowns, as an .xlsx workbook",
  })
  @ApiProduces('application/vnd.openxmlformats-officedocument.spreadsheetml.sheet')
  @ApiOkResponse({ description: 'the workbook', schema: { type: 'string', format: 'binary' } })
  async monthlyReport(@Query(checkedQuery) query: MonthlyReportQuery, @Req() req: AuthenticatedRequest, @Res() reply: FastifyReply) {
    const year = integerParam(query.year) ?? this.reference.plan.year;
    const month = integerParam(query.month)!;
    const until = periodBounds({ kind: 'month', year, month }, this.reference.timezone).end;
    const yearPeriod = { kind: 'year', year } as const;
    const monthPeriod = { kind: 'month', year, month } as const;
    const now = new Date();
    const position = await this.freshness.require(undefined);
    const close = await this.revisions.coveringClose(year, month);
    const [yearToDate, monthOnly, units, byChannel, byRegion] = await Promise.all([
      this.kpis
        .city({ period: yearPeriod, asOf: null, now, until })
        .then((results) => this.revisions.reviseAgainst(close, 'city', { period: yearPeriod, until }, results)),
      this.kpis
        .city({ period: monthPeriod, asOf: null, now })
        .then((results) => this.revisions.reviseAgainst(close, 'city', { period: monthPeriod }, results)),
      this.kpis.units({ period: yearPeriod, asOf: null, now, until }),
      this.reports.breakdown('channel', yearPeriod, { until }),
      this.reports.breakdown('region', yearPeriod, { until }),
    ]);
    const elapsed = elapsedShare(yearPeriod, this.reference.timezone, until < now ? until : now);
    const workbook = await monthlyWorkbook(
      {
        year,
        month,
        generatedAt: now,
        position,
        elapsed,
        close,
        yearToDate,
        monthOnly,
        units: visibleUnitResults(req.principal!, units),
        byChannel: byChannel.rows,
        byRegion: byRegion.rows,
      },
      this.reference,
    );
    const name = `${year}-${String(month).padStart(2, '0')}`;
    await reply
      .header('content-type', 'application/vnd.openxmlformats-officedocument.spreadsheetml.sheet')
      .header(
        'content-disposition',
        `attachment; filename="monthly-${name}.xlsx"; filename*=UTF-8''${encodeURIComponent(`招商引资月报-${name}.xlsx`)}`,
      )
      .send(workbook);
  }

  @Get('projects')
  @ApiOperation({ summary: 'Projects, filtered, in pages (cursor = nextCursor of the previous page)' })
  @ApiOkResponse({ description: 'a page of projects, in id order', schema: PROJECTS_PAGE_SCHEMA })
  async projects(@Query(checkedQuery) query: ProjectsQuery, @Req() req: AuthenticatedRequest) {
    const position = await this.freshness.require(integerParam(query.minPosition));
    return { ...(await this.reports.projects(projectFilterOf(query), new Date(), projectScopeOf(req.principal!))), position };
  }

  @Get('projects.xlsx')
  @ApiOperation({
    summary: `The filtered project list (the filters of GET /v1/projects) as an .xlsx workbook with Chinese headers, at most ${MAX_EXPORT_ROWS} rows`,
  })
  @ApiProduces('application/vnd.openxmlformats-officedocument.spreadsheetml.sheet')
  @ApiOkResponse({ description: 'the workbook', schema: { type: 'string', format: 'binary' } })
  async projectsXlsx(@Query(checkedQuery) query: ProjectsQuery, @Req() req: AuthenticatedRequest, @Res() reply: FastifyReply) {
    await this.freshness.require(integerParam(query.minPosition));
    const filter = { ...projectFilterOf(query), cursor: undefined as string | undefined, limit: 1000 };
    const scope = projectScopeOf(req.principal!);
    const now = new Date();
    const rows: Record<string, unknown>[] = [];
    for (;;) {
      const page = await this.reports.projects(filter, now, scope);
      rows.push(...page.items);
      if (!page.nextCursor) break;
      if (rows.length >= MAX_EXPORT_ROWS)
        throw ApiError.of(413, 'payload_too_large', `more than ${MAX_EXPORT_ROWS} projects: narrow the filter`);
      filter.cursor = page.nextCursor;
    }
    await reply
      .header('content-type', 'application/vnd.openxmlformats-officedocument.spreadsheetml.sheet')
      .header(
        'content-disposition',
        `attachment; filename="projects-${exportDate(now)}.xlsx"; filename*=UTF-8''${encodeURIComponent(`项目库-${exportDate(now)}.xlsx`)}`,
      )
      .send(await projectsWorkbook(rows, this.reference, now));
  }

  @Get('projects/stalled')
  @ApiOperation({
    summary:
      '停滞项目: projects at lead, negotiating or signed idle `days` calendar days or more (Asia/Shanghai, counted with ≥), less the leads and negotiations idle alerts.deadLeadDays or more; the highest signed (else planned) amounts first; current or as recorded at `asOf`, that day being "today"',
  })
  @ApiOkResponse({ description: 'the stalled projects', schema: STALLED_SCHEMA })
  async stalled(@Query(checkedQuery) query: StalledQuery, @Req() req: AuthenticatedRequest) {
    const asOf = asOfOf(query);
    const options = {
      days: integerParam(query.days) ?? 30,
      deadLeadDays: this.reference.plan.alerts.deadLeadDays,
      asOf,
      unit: this.ownUnit(query.unit, req.principal!) ?? undefined,
      limit: integerParam(query.limit) ?? 20,
    };
    const scope = projectScopeOf(req.principal!);
    const key = `stalled|${options.days}|${options.unit}|${options.limit}|${JSON.stringify(scope)}`;
    const answer = await this.answer(key, asOf, integerParam(query.minPosition), (now) => this.reports.stalled({ ...options, now }, scope));
    return { ...answer.value, asOf: answer.asOf, position: answer.position };
  }

  @Get('projects/:id')
  @ApiOperation({ summary: "A project's current state (a partner key: only the projects it registered)" })
  @ApiOkResponse({ description: "the project's current state", schema: PROJECT_SCHEMA })
  async project(@Param('id') id: string, @Query(checkedQuery) query: PositionQuery, @Req() req: AuthenticatedRequest) {
    const projectId = this.projectId(id);
    await this.freshness.require(integerParam(query.minPosition));
    return this.visibleProject(projectId, req.principal!);
  }

  @Get('projects/:id/history')
  @ApiOperation({ summary: "A project's events with their envelopes, in order (a partner key: only the projects it registered)" })
  @ApiOkResponse({ description: 'its events, in stream order', schema: HISTORY_SCHEMA })
  async history(@Param('id') id: string, @Req() req: AuthenticatedRequest) {
    const projectId = this.projectId(id);
    // A limited key sees a history only of a project it may see (by the read models); others read the store directly.
    if (Object.keys(projectScopeOf(req.principal!)).length > 0) await this.visibleProject(projectId, req.principal!);
    const events = await this.reports.history(`project-${projectId}`);
    if (events.length === 0) throw ApiError.of(404, 'not_found', `no project ${projectId}`);
    return events;
  }

  @Get('activities')
  @ApiOperation({ summary: 'Promotion activities (招商活动), newest first, in pages (cursor = nextCursor of the previous page)' })
  @ApiOkResponse({ description: 'a page of activities', schema: ACTIVITIES_PAGE_SCHEMA })
  async activities(@Query(checkedQuery) query: ActivitiesQuery, @Req() req: AuthenticatedRequest) {
    const position = await this.freshness.require(integerParam(query.minPosition));
    const filter = { unit: query.unit || undefined, cursor: query.cursor || undefined, limit: integerParam(query.limit) ?? 50 };
    const scope = projectScopeOf(req.principal!);
    if (scope.registeredByPartner !== undefined) throw ApiError.of(403, 'forbidden', 'a partner key does not read activities');
    return { ...(await this.reports.activities(filter, scope)), position };
  }

  @Get('investor-projects')
  @Roles('admin', 'writer', 'reader')
  @ApiOperation({
    summary:
      "An investor's live projects in other units than `unit` (the same credit code, or, when either side has none, the same name without whitespace, case folded): a new lead there is likely counted twice; another unit's project outside the caller's units is named by its unit code only",
  })
  @ApiOkResponse({ description: "the investor's projects in other units", schema: INVESTOR_PROJECTS_SCHEMA })
  async investorProjects(@Query(checkedQuery) query: InvestorProjectsQuery, @Req() req: AuthenticatedRequest) {
    const investor = { name: query.investorName, ...(query.creditCode ? { creditCode: query.creditCode } : {}) };
    return { projects: await this.reports.investorProjects(investor, query.unit, projectScopeOf(req.principal!)) };
  }

  @Get('projections/status')
  @ApiOperation({ summary: 'How far each projection is behind the event store' })
  @Header('cache-control', 'no-store')
  @ApiOkResponse({ description: 'each projection', schema: PROJECTIONS_STATUS_SCHEMA })
  async status(@Query(checkedQuery) query: PositionQuery) {
    await this.freshness.require(integerParam(query.minPosition));
    return { projections: [await this.freshness.watermark.status()] };
  }

  @Get('projections/position')
  @ApiOperation({
    summary:
      'Long polling: answers {position} as soon as the read models pass `after`, or after `waitMs` with the position reached — how a page follows new events',
  })
  @Header('cache-control', 'no-store')
  @ApiOkResponse({ description: 'the position the read models have reached', schema: POSITION_SCHEMA })
  async position(@Query(checkedQuery) query: PositionWaitQuery) {
    return { position: await this.freshness.beyond(integerParam(query.after)!, integerParam(query.waitMs) ?? 25_000) };
  }

  /** A project id from the path: 400 in the error format when it is not one. */
  private projectId(id: string): string {
    if (!isUuid(id)) throw ApiError.of(400, 'invalid_input', 'the project id must be a UUID', [{ field: 'id', message: 'must be a UUID' }]);
    return id.toLowerCase();
  }

  /** The project as the key may see it; 404 when there is none, or none it may see. */
  private async visibleProject(projectId: string, principal: Principal): Promise<Record<string, unknown>> {
    const project = await this.reports.project(projectId, projectScopeOf(principal));
    if (!project) throw ApiError.of(404, 'not_found', `no project ${projectId}`);
    return project;
  }

  /**
   * A unit an aggregate's query names, checked: known, and not asked by a partner (who reads the
   * city's aggregates only); any other caller reads every unit's aggregates (null when none is named).
   */
  private visibleUnit(unit: string | undefined, principal: Principal): string | null {
    if (!unit) return null;
    if (!this.reference.units.has(unit)) {
      throw ApiError.of(400, 'invalid_input', `no unit ${unit}`, [{ field: 'unit', message: 'must be a known unit code' }]);
    }
    if (principal.role === 'partner') throw ApiError.of(403, 'forbidden', `a partner key reads the city's aggregates only`);
    return unit;
  }

  /** A unit a read of per-project items names, checked: known, and one of the caller's units (null when none is named). */
  private ownUnit(unit: string | undefined, principal: Principal): string | null {
    if (!unit) return null;
    if (!this.reference.units.has(unit)) {
      throw ApiError.of(400, 'invalid_input', `no unit ${unit}`, [{ field: 'unit', message: 'must be a known unit code' }]);
    }
    const { units } = projectScopeOf(principal);
    if (units && !units.includes(unit)) throw ApiError.of(403, 'forbidden', `this key does not read unit ${unit}'s projects`);
    return unit;
  }

  private untilOf(query: KpiQuery): Date | undefined {
    return untilOf(query, this.reference.plan.year, this.reference.timezone);
  }

  /**
   * An answer as recorded at `asOf` (computed on demand), or the current one from the report
   * cache: a client that asks for a position waits for it, the others get the last report.
   */
  private async answer<T>(
    key: string,
    asOf: Date | null,
    minPosition: number | undefined,
    compute: (now: Date) => Promise<T>,
  ): Promise<{ value: T; position: number; asOf: string }> {
    if (asOf !== null) {
      const position = await this.freshness.require(minPosition);
      return { value: await compute(new Date()), position, asOf: asOf.toISOString() };
    }
    if (minPosition !== undefined) await this.freshness.require(minPosition);
    const report = await this.currentReports.current(key, minPosition ?? 0, compute);
    return { value: report.value, position: report.position, asOf: new Date(report.computedAt).toISOString() };
  }

  /** A KPI report of the city or of every unit: the current one, as recorded at `asOf`, or of the year to a month's end. */
  private async kpiReport(scope: 'city' | 'units', query: KpiQuery) {
    const period = periodOf(query, this.reference.plan.year);
    const asOf = asOfOf(query);
    const until = this.untilOf(query);
    const label = periodLabelOf(query, this.reference.plan.year);
    const key = `kpis|${scope}|${label}`;
    const answer = await this.answer(key, asOf, integerParam(query.minPosition), async (now) => {
      const results = await (scope === 'city' ? this.kpis.city : this.kpis.units).call(this.kpis, { period, asOf, now, until });
      const revised = await this.revisions.revise(scope, period, results, { asOf, yearToDate: until !== undefined });
      return revised.map((r) => ({ ...r, period: label }));
    });
    return { period: label, asOf: answer.asOf, position: answer.position, kpis: answer.value };
  }
}
