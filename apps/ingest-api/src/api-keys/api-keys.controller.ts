import { Body, Controller, Delete, Get, HttpCode, Inject, Param, Post } from '@nestjs/common';
import { ApiOperation, ApiProperty, ApiPropertyOptional, ApiTags } from '@nestjs/swagger';
import {
  ArrayMaxSize,
  ArrayNotEmpty,
  ArrayUnique,
  IsArray,
  IsIn,
  IsNotEmpty,
  IsOptional,
  IsString,
  MaxLength,
  ValidateBy,
  ValidateIf,
} from 'class-validator';
import { textProblem } from '@app/domain';
import { ApiErrors, ApiError, ApiKeys, REFERENCE_DATA, ROLES, Roles, validation, type ApiKeyInfo, type Role } from '@app/platform';
import type { ReferenceData } from '@app/reference-data';

/** The text rules of contract §6 (no control characters, something visible) as a class-validator constraint. */
const IsCleanText = () =>
  ValidateBy({
    name: 'isCleanText',
    validator: {
      validate: (value: unknown) => typeof value !== 'string' || textProblem(value) === null,
      defaultMessage: (args) => `$property ${textProblem(String(args?.value)) ?? 'is not valid text'}`,
    },
  });

/** More than any city has units: a longer list is a mistake or an attack. */
const MAX_KEY_UNITS = 200;

export class CreateApiKeyDto {
  @ApiProperty({ description: 'who or what uses the key' })
  @IsString()
  @IsNotEmpty()
  @MaxLength(200)
  @IsCleanText()
  name!: string;

  @ApiProperty({ enum: ROLES })
  @IsIn(ROLES)
  role!: Role;

  @ApiPropertyOptional({
    type: [String],
    maxItems: MAX_KEY_UNITS,
    uniqueItems: true,
    description: 'writer or reader only: the unit codes it may write for and read (all when absent), each once',
  })
  @IsOptional()
  @IsArray()
  @ArrayNotEmpty()
  @ArrayMaxSize(MAX_KEY_UNITS)
  @ArrayUnique()
  @IsString({ each: true })
  @MaxLength(64, { each: true })
  units?: string[];

  @ApiPropertyOptional({ description: 'partner only (required): the partner system the key belongs to' })
  @ValidateIf((dto: CreateApiKeyDto) => dto.role === 'partner' || dto.partnerId !== undefined)
  @IsString()
  @IsNotEmpty()
  @MaxLength(200)
  @IsCleanText()
  partnerId?: string;
}

@ApiTags('api-keys')
@ApiErrors(400, 401, 403, 404, 415, 429, 503)
@Roles('admin')
@Controller('v1/api-keys')
export class ApiKeysController {
  constructor(
    private readonly keys: ApiKeys,
    @Inject(REFERENCE_DATA) private readonly reference: ReferenceData,
  ) {}

  @Post()
  @HttpCode(201)
  @ApiOperation({ summary: 'Create a key; the secret is answered this once' })
  async create(@Body(validation('body', { forbidUnknown: true })) dto: CreateApiKeyDto): Promise<ApiKeyInfo & { key: string }> {
    const details: { field: string; message: string }[] = [];
    dto.units?.forEach((unit, i) => {
      if (!this.reference.units.has(unit)) details.push({ field: `units.${i}`, message: 'is not a known unit code' });
    });
    if (dto.units !== undefined && dto.role !== 'writer' && dto.role !== 'reader') {
      details.push({ field: 'units', message: 'only a writer or reader key is limited to units' });
    }
    if (dto.partnerId !== undefined && dto.role !== 'partner')
      details.push({ field: 'partnerId', message: 'only a partner key has a partnerId' });
    if (details.length > 0) throw ApiError.of(400, 'invalid_input', `invalid input: ${details.map((d) => d.field).join(', ')}`, details);
    return this.keys.create(dto);
  }

  @Get()
  @ApiOperation({ summary: 'Every key, without secrets' })
  list(): Promise<ApiKeyInfo[]> {
    return this.keys.list();
  }

  @Delete(':id')
  @HttpCode(204)
  @ApiOperation({ summary: 'Revoke a key' })
  async revoke(@Param('id') id: string): Promise<void> {
    if (!/^[0-9a-f-]{36}$/i.test(id) || !(await this.keys.revoke(id))) throw ApiError.of(404, 'not_found', `no active API key ${id}`);
  }
}
