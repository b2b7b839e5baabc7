import { Controller, Get, Header, Inject, Param, Query, Res } from '@nestjs/common';
import { ApiBearerAuth, ApiOperation, ApiQuery, ApiTags } from '@nestjs/swagger';
import type { FastifyReply } from 'fastify';
import { periodLabel } from '@app/domain';
import { REFERENCE_DATA, ApiError, Roles } from '@app/platform';
import { BREAKDOWN_DIMENSIONS, KpiQueries, Reports, kpisToCsv } from '@app/read-models';
import type { ReferenceData } from '@app/reference-data';
import { Freshness } from './freshness';
import { KpiReports } from './kpi-reports';
import { QueryParams } from './query-params';

const UUID = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/i;
const PERIOD_QUERIES = [
  ApiQuery({ name: 'year', required: true, type: Number, example: 2025 }),
  ApiQuery({ name: 'quarter', required: false, type: Number }),
  ApiQuery({ name: 'month', required: false, type: Number }),
  ApiQuery({ name: 'asOf', required: false, description: 'the report as recorded at this instant (ISO-8601 with offset)' }),
  ApiQuery({ name: 'minPosition', required: false, type: Number, description: 'wait until the read models have applied this position' }),
];
const withPeriodQueries = (): MethodDecorator => (target, key, descriptor) => {
  for (const decorate of PERIOD_QUERIES) decorate(target, key, descriptor);
};

/** Every read endpoint of SPEC §4; any valid key may read. */
@ApiTags('read')
@ApiBearerAuth()
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
  @ApiOperation({ summary: 'City KPIs of SPEC §3 for a year, quarter or month, against the plan' })
  @withPeriodQueries()
  async cityKpis(@Query() query: Record<string, string>) {
    return this.kpiReport('city', query);
  }

  @Get('kpis/units')
  @ApiOperation({ summary: 'Per-unit KPIs (zones and districts), scope = unit code' })
  @withPeriodQueries()
  async unitKpis(@Query() query: Record<string, string>) {
    return this.kpiReport('units', query);
  }

  @Get('kpis.csv')
  @ApiOperation({ summary: 'City and unit KPIs as CSV (UTF-8 with BOM, Chinese headers and labels)' })
  @withPeriodQueries()
  async kpisCsv(@Query() query: Record<string, string>, @Res() reply: FastifyReply) {
    const city = await this.kpiReport('city', query);
    const units = await this.kpiReport('units', query);
    await reply
      .header('content-type', 'text/csv; charset=utf-8')
      .header('content-disposition', `attachment; filename="kpis-${city.period}.csv"`)
      .send(kpisToCsv([...city.kpis, ...units.kpis], this.reference, this.reference.cityName));
  }

  @Get('funnel')
  @ApiOperation({ summary: 'Stage counts, conversions and median cycle times of the projects whose lead falls in the period' })
  @withPeriodQueries()
  async funnel(@Query() query: Record<string, string>) {
    const params = new QueryParams(query);
    const period = params.period();
    const minPosition = params.minPosition();
    params.check();
    const position = await this.freshness.require(minPosition);
    return { ...(await this.reports.funnel(period)), position };
  }

  @Get('breakdown')
  @ApiOperation({ summary: 'Count and Σ amount per stage, per channel, origin region, unit or chain' })
  @ApiQuery({ name: 'by', enum: BREAKDOWN_DIMENSIONS })
  @withPeriodQueries()
  async breakdown(@Query() query: Record<string, string>) {
    const params = new QueryParams(query);
    const by = params.oneOf('by', BREAKDOWN_DIMENSIONS, true);
    const period = params.period();
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
  async projects(@Query() query: Record<string, string>) {
    const params = new QueryParams(query);
    const filter = {
      stage: params.oneOf('stage', ['lead', 'negotiating', 'signed', 'started', 'dropped']),
      unit: params.text('unit', /^[a-z0-9_-]+$/, 'must be a unit code'),
      channel: params.text('channel', /^[a-z_]+$/, 'must be a channel code'),
      stalledDays: params.int('stalledDays', 0, 100_000),
      cursor: params.text('cursor', UUID, 'must be the nextCursor of a previous page'),
      limit: params.int('limit', 1, 500) ?? 50,
    };
    const minPosition = params.minPosition();
    params.check();
    const position = await this.freshness.require(minPosition);
    return { ...(await this.reports.projects(filter, new Date())), position };
  }

  @Get('projects/:id')
  @ApiOperation({ summary: "A project's current state" })
  async project(@Param('id') id: string, @Query() query: Record<string, string>) {
    const params = new QueryParams(query);
    const minPosition = params.minPosition();
    params.check();
    if (!UUID.test(id)) throw ApiError.of(404, 'not_found', `no project ${id}`);
    await this.freshness.require(minPosition);
    const project = await this.reports.project(id.toLowerCase());
    if (!project) throw ApiError.of(404, 'not_found', `no project ${id}`);
    return project;
  }

  @Get('projects/:id/history')
  @ApiOperation({ summary: "A project's events with their envelopes, in order" })
  async history(@Param('id') id: string) {
    const events = UUID.test(id) ? await this.reports.history(`project-${id.toLowerCase()}`) : [];
    if (events.length === 0) throw ApiError.of(404, 'not_found', `no project ${id}`);
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

  /** A KPI report: the current one from the report cache, or the one as recorded at `asOf`. */
  private async kpiReport(scope: 'city' | 'units', query: Record<string, string>) {
    const params = new QueryParams(query);
    const period = params.period();
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
    return { period: periodLabel(period), asOf: new Date(report.computedAt).toISOString(), position: report.position, kpis: report.results };
  }
}
