import { Controller, Get, Inject } from '@nestjs/common';
import { ApiOkResponse, ApiOperation, ApiTags } from '@nestjs/swagger';
import { REFERENCE_SCHEMA } from './answer-schemas';
import { CHANNEL_NAMES, ORIGIN_REGION_NAMES, SECTOR_NAMES } from '@app/domain';
import { ApiErrors, REFERENCE_DATA, Roles } from '@app/platform';
import type { ReferenceData } from '@app/reference-data';

/** The codes a client may send, with their Chinese names: pick-lists of the console and of partner systems (contract §7). */
@ApiTags('read')
@ApiErrors(401, 403, 429)
@Roles('admin', 'writer', 'partner', 'reader')
@Controller('v1/reference')
export class ReferenceController {
  private readonly body: Record<string, unknown>;

  constructor(@Inject(REFERENCE_DATA) reference: ReferenceData) {
    const list = <T extends object>(entries: Iterable<[string, T]>) => [...entries].map(([code, value]) => ({ code, ...value }));
    const named = (names: Readonly<Record<string, string>>) => Object.entries(names).map(([code, name]) => ({ code, name }));
    this.body = {
      units: list(reference.units),
      chains: list(reference.chains),
      funds: list(reference.funds),
      channels: named(CHANNEL_NAMES),
      regions: named(ORIGIN_REGION_NAMES),
      sectors: named(SECTOR_NAMES),
      timezone: reference.timezone,
      planYear: reference.plan.year,
      planName: reference.plan.name,
      cityName: reference.cityName,
    };
  }

  @Get()
  @ApiOkResponse({ description: 'the reference data the service loaded', schema: REFERENCE_SCHEMA })
  @ApiOperation({ summary: 'Units, chains, funds, channels, regions and sectors with their Chinese names' })
  get(): Record<string, unknown> {
    return this.body;
  }
}
