import { Controller, Get, Header, Inject, Param, Query, Req, Res } from '@nestjs/common';
import { ApiOperation, ApiQuery, ApiTags } from '@nestjs/swagger';
import type { FastifyReply } from 'fastify';
import { isUuid, periodLabel } from '@app/domain';
import { ApiErrors, REFERENCE_DATA, ApiError, Roles, type AuthenticatedRequest, type Principal } from '@app/platform';
import { BREAKDOWN_DIMENSIONS, KpiQueries, Reports, kpisToCsv } from '@app/read-models';
import type { ReferenceData } from '@app/reference-data';
import { Freshness } from './freshness';
import { KpiReports } from './kpi-reports';
import { QueryParams } from './query-params';
import { projectScopeOf, visibleUnitResults } from './read-scope';

const PERIOD_QUERIES = [
  ApiQuery({ name: 'year', required: false, type: Number, example: 2025, description: "2000–2100; the plan's year when absent" }),
  ApiQuery({ name: 'quarter', required: false, type: Number, description: '1–4' }),
  ApiQuery({ name: 'month', required: false, type: Number, description: '1–12 (not with quarter)' }),
  ApiQuery({
    name: 'minPosition',
    required: false,
    type: Number,
    description: 'wait until the read models have applied this position (at most the last position stored)',
  }),
];
const AS_OF_QUERY = ApiQuery({
  name: 'asOf',
  required: false,
  description: 'the report as recorded at this instant (ISO-8601 with offset, from 2000-01-01 to 24 h after the server clock)',
});
/** The period parameters; `asOf` only where the answer can be given as recorded at a past instant. */
const withPeriodQueries =
  (options: { asOf: boolean }): MethodDecorator =>
  (target, key, descriptor) => {
    for (const decorate of options.asOf ? [...PERIOD_QUERIES, AS_OF_QUERY] : PERIOD_QUERIES) decorate(target, key, descriptor);
  };

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
  @withPeriodQueries({ asOf: true })
  async cityKpis(@Query() query: Record<string, string>) {
    return this.kpiReport('city', query);
  }

  @Get('kpis/units')
  @ApiOperation({ summary: 'Per-unit KPIs (zones and districts), scope = unit code' })
  @withPeriodQueries({ asOf: true })
  async unitKpis(@Query() query: Record<string, string>, @Req() req: AuthenticatedRequest) {
    const report = await this.kpiReport('units', query);
    return { ...report, kpis: visibleUnitResults(req.principal!, report.kpis) };
  }

  @Get('kpis.csv')
  @ApiOperation({ summary: 'City and unit KPIs as CSV (UTF-8 with BOM, Chinese headers and labels)' })
  @withPeriodQueries({ asOf: true })
  async kpisCsv(@Query() query: Record<string, string>, @Req() req: AuthenticatedRequest, @Res() reply: FastifyReply) {
    const city = await this.kpiReport('city', query);
    const units = visibleUnitResults(req.principal!, (await this.kpiReport('units', query)).kpis);
    await reply
      .header('content-type', 'text/csv; charset=utf-8')
      .header('content-disposition', `attachment; filename="kpis-${city.period}.csv"`)
      .send(kpisToCsv([...city.kpis, ...units], this.reference, this.reference.cityName));
  }

  @Get('funnel')
  @ApiOperation({ summary: 'Stage counts, conversions and median cycle times of the projects whose lead falls in the period' })
  @withPeriodQueries({ asOf: false })
  async funnel(@Query() query: Record<string, string>) {
    const params = new QueryParams(query);
    const period = params.period(this.reference.plan.year);
    const minPosition = params.minPosition();
    params.check();
    const position = await this.freshness.require(minPosition);
    return { ...(await this.reports.funnel(period)), position };
  }

  @Get('breakdown')
  @ApiOperation({ summary: 'Count and Σ amount per stage, per channel, origin region, unit or chain' })
  @ApiQuery({ name: 'by', enum: BREAKDOWN_DIMENSIONS })
  @withPeriodQueries({ asOf: false })
  async breakdown(@Query() query: Record<string, string>) {
    const params = new QueryParams(query);
    const by = params.oneOf('by', BREAKDOWN_DIMENSIONS, true);
    const period = params.period(this.reference.plan.year);
    const minPosition = params.minPosition();
    params.check();
    const position = await this.freshness.require(minPosition);
    return { ...(await this.reports.breakdown(by!, period)), position };
  }

  @Get('projects')
  @ApiOperation({ summary: 'Projects, filtered, in pages (cursor = nextCursor of the previous page)' })
  @ApiQuery({ name: 'stage', required: false, enum: ['lead', 'negotiating', 'signed', 'started', 'dropped'] })
  @ApiQuery({ name: 'unit', required: false })
  @ApiQuery({ name: 'channel', required: false })
  @ApiQuery({ name: 'stalledDays', required: false, type: Number, description: 'not started or dropped, and no event for this many days' })
  @ApiQuery({ name: 'cursor', required: false })
  @ApiQuery({ name: 'limit', required: false, type: Number })
  async projects(@Query() query: Record<string, string>, @Req() req: AuthenticatedRequest) {
    const params = new QueryParams(query);
    const filter = {
      stage: params.oneOf('stage', ['lead', 'negotiating', 'signed', 'started', 'dropped']),
      unit: params.text('unit', /^[a-z0-9_-]+$/, 'must be a unit code'),
      channel: params.text('channel', /^[a-z_]+$/, 'must be a channel code'),
      stalledDays: params.int('stalledDays', 0, 100_000),
      cursor: params.uuid('cursor', 'must be the nextCursor of a previous page'),
      limit: params.int('limit', 1, 500) ?? 50,
    };
    const minPosition = params.minPosition();
    params.check();
    const position = await this.freshness.require(minPosition);
    return { ...(await this.reports.projects(filter, new Date(), projectScopeOf(req.principal!))), position };
  }

  @Get('projects/:id')
  @ApiOperation({ summary: "A project's current state (a partner key: only the projects it registered)" })
  async project(@Param('id') id: string, @Query() query: Record<string, string>, @Req() req: AuthenticatedRequest) {
    const params = new QueryParams(query);
    const minPosition = params.minPosition();
    params.check();
    const projectId = this.projectId(id);
    await this.freshness.require(minPosition);
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

  @Get('projections/status')
  @ApiOperation({ summary: 'How far each projection is behind the event store' })
  @Header('cache-control', 'no-store')
  async status(@Query() query: Record<string, string>) {
    const params = new QueryParams(query);
    const minPosition = params.minPosition();
    params.check();
    await this.freshness.require(minPosition);
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
  private async kpiReport(scope: 'city' | 'units', query: Record<string, string>) {
    const params = new QueryParams(query);
    const period = params.period(this.reference.plan.year);
    const asOf = params.instant('asOf');
    const minPosition = params.minPosition();
    params.check();
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
