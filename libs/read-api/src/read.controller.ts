import { Controller, Get, Header, Inject, Param, Query, Req, Res } from '@nestjs/common';
import { ApiOperation, ApiTags } from '@nestjs/swagger';
import type { FastifyReply } from 'fastify';
import { isUuid, periodLabel } from '@app/domain';
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
import { KpiQueries, Reports, kpisToCsv } from '@app/read-models';
import type { ReferenceData } from '@app/reference-data';
import { Freshness } from './freshness';
import { KpiReports } from './kpi-reports';
import {
  ActivitiesQuery,
  BreakdownQuery,
  InvestorProjectsQuery,
  KpiQuery,
  PeriodQuery,
  PositionQuery,
  ProjectsQuery,
  asOfOf,
  periodOf,
  projectFilterOf,
} from './query-dtos';
import { projectsWorkbook } from './projects-xlsx';
import { projectScopeOf, visibleUnitResults } from './read-scope';

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
    private readonly kpiReports: KpiReports,
    private readonly reports: Reports,
    private readonly freshness: Freshness,
    @Inject(REFERENCE_DATA) private readonly reference: ReferenceData,
  ) {}

  @Get('kpis')
  @ApiOperation({ summary: 'City KPIs of contract §3 for a year, quarter or month, against the plan' })
  async cityKpis(@Query(checkedQuery) query: KpiQuery) {
    return this.kpiReport('city', query);
  }

  @Get('kpis/units')
  @ApiOperation({ summary: 'Per-unit KPIs (zones and districts), scope = unit code' })
  async unitKpis(@Query(checkedQuery) query: KpiQuery, @Req() req: AuthenticatedRequest) {
    const report = await this.kpiReport('units', query);
    return { ...report, kpis: visibleUnitResults(req.principal!, report.kpis) };
  }

  @Get('kpis.csv')
  @ApiOperation({ summary: 'City and unit KPIs as CSV (UTF-8 with BOM, Chinese headers and labels)' })
  async kpisCsv(@Query(checkedQuery) query: KpiQuery, @Req() req: AuthenticatedRequest, @Res() reply: FastifyReply) {
    const city = await this.kpiReport('city', query);
    const units = visibleUnitResults(req.principal!, (await this.kpiReport('units', query)).kpis);
    await reply
      .header('content-type', 'text/csv; charset=utf-8')
      .header('content-disposition', `attachment; filename="kpis-${city.period}.csv"`)
      .send(kpisToCsv([...city.kpis, ...units], this.reference, this.reference.cityName));
  }

  @Get('funnel')
  @ApiOperation({ summary: 'Stage counts, conversions and median cycle times of the projects whose lead falls in the period' })
  async funnel(@Query(checkedQuery) query: PeriodQuery) {
    const position = await this.freshness.require(integerParam(query.minPosition));
    return { ...(await this.reports.funnel(periodOf(query, this.reference.plan.year))), position };
  }

  @Get('breakdown')
  @ApiOperation({ summary: 'Count and Σ amount per stage, per channel, origin region, unit or chain' })
  async breakdown(@Query(checkedQuery) query: BreakdownQuery) {
    const position = await this.freshness.require(integerParam(query.minPosition));
    return { ...(await this.reports.breakdown(query.by, periodOf(query, this.reference.plan.year))), position };
  }

  @Get('projects')
  @ApiOperation({ summary: 'Projects, filtered, in pages (cursor = nextCursor of the previous page)' })
  async projects(@Query(checkedQuery) query: ProjectsQuery, @Req() req: AuthenticatedRequest) {
    const position = await this.freshness.require(integerParam(query.minPosition));
    return { ...(await this.reports.projects(projectFilterOf(query), new Date(), projectScopeOf(req.principal!))), position };
  }

  @Get('projects.xlsx')
  @ApiOperation({
    summary: `The filtered project list (the filters of GET /v1/projects) as an .xlsx workbook with Chinese headers, at most ${MAX_EXPORT_ROWS} rows`,
  })
  async projectsXlsx(@Query(checkedQuery) query: ProjectsQuery, @Req() req: AuthenticatedRequest, @Res() reply: FastifyReply) {
    await this.freshness.require(integerParam(query.minPosition));
    const filter = { ...projectFilterOf(query), cursor: undefined as string | undefined, limit: 1000 };
    const scope = projectScopeOf(req.principal!);
    const rows: Record<string, unknown>[] = [];
    for (;;) {
      const page = await this.reports.projects(filter, new Date(), scope);
      rows.push(...page.items);
      if (!page.nextCursor) break;
      if (rows.length >= MAX_EXPORT_ROWS)
        throw ApiError.of(413, 'payload_too_large', `more than ${MAX_EXPORT_ROWS} projects: narrow the filter`);
      filter.cursor = page.nextCursor;
    }
    await reply
      .header('content-type', 'application/vnd.openxmlformats-officedocument.spreadsheetml.sheet')
      .header('content-disposition', `attachment; filename="projects.xlsx"; filename*=UTF-8''${encodeURIComponent('项目库.xlsx')}`)
      .send(await projectsWorkbook(rows, this.reference));
  }

  @Get('projects/:id')
  @ApiOperation({ summary: "A project's current state (a partner key: only the projects it registered)" })
  async project(@Param('id') id: string, @Query(checkedQuery) query: PositionQuery, @Req() req: AuthenticatedRequest) {
    const projectId = this.projectId(id);
    await this.freshness.require(integerParam(query.minPosition));
    return this.visibleProject(projectId, req.principal!);
  }

  @Get('projects/:id/history')
  @ApiOperation({ summary: "A project's events with their envelopes, in order (a partner key: only the projects it registered)" })
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
  async activities(@Query(checkedQuery) query: ActivitiesQuery, @Req() req: AuthenticatedRequest) {
    const position = await this.freshness.require(integerParam(query.minPosition));
    const filter = { unit: query.unit || undefined, cursor: query.cursor || undefined, limit: integerParam(query.limit) ?? 50 };
    const scope = projectScopeOf(req.principal!);
    if (scope.registeredByPartner !== undefined) throw ApiError.of(403, 'forbidden', 'a partner key does not read activities');
    return { ...(await this.reports.activities(filter, scope)), position };
  }

  @Get('investor-projects')
  @ApiOperation({
    summary:
      "An investor's live projects in other units than `unit` (same credit code, else same name): a new lead there is likely counted twice",
  })
  async investorProjects(@Query(checkedQuery) query: InvestorProjectsQuery, @Req() req: AuthenticatedRequest) {
    const investor = { name: query.investorName, ...(query.creditCode ? { creditCode: query.creditCode } : {}) };
    return { projects: await this.reports.investorProjects(investor, query.unit, projectScopeOf(req.principal!)) };
  }

  @Get('projections/status')
  @ApiOperation({ summary: 'How far each projection is behind the event store' })
  @Header('cache-control', 'no-store')
  async status(@Query(checkedQuery) query: PositionQuery) {
    await this.freshness.require(integerParam(query.minPosition));
    return { projections: [await this.freshness.watermark.status()] };
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

  /** A KPI report: the current one from the report cache, or the one as recorded at `asOf`. */
  private async kpiReport(scope: 'city' | 'units', query: KpiQuery) {
    const period = periodOf(query, this.reference.plan.year);
    const asOf = asOfOf(query);
    const minPosition = integerParam(query.minPosition);
    if (asOf !== null) {
      const reached = await this.freshness.require(minPosition);
      const kpis = await (scope === 'city' ? this.kpis.city : this.kpis.units).call(this.kpis, { period, asOf, now: new Date() });
      return { period: periodLabel(period), asOf: asOf.toISOString(), position: reached, kpis };
    }
    // A cached report says how far it counts; only a client that asks for a position waits for one.
    if (minPosition !== undefined) await this.freshness.require(minPosition);
    const report = await this.kpiReports.current(scope, period, minPosition);
    return {
      period: periodLabel(period),
      asOf: new Date(report.computedAt).toISOString(),
      position: report.position,
      kpis: report.results,
    };
  }
}
