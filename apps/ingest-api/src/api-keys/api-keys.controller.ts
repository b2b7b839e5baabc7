import { Body, Controller, Delete, Get, HttpCode, Inject, Param, Post } from '@nestjs/common';
import { ApiCreatedResponse, ApiOkResponse, ApiOperation, ApiResponse, ApiProperty, ApiPropertyOptional, ApiTags } from '@nestjs/swagger';
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
import { CODE_LIST_KEY, textProblem } from '@app/domain';
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
    // The document lists the unit codes loaded (Nest's options do not declare extensions).
    ...({ [CODE_LIST_KEY]: 'units' } as object),
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

/** A key as listed: never its secret. */
const KEY_INFO_PROPERTIES = {
  id: { type: 'string', format: 'uuid' },
  name: { type: 'string' },
  role: { type: 'string', enum: [...ROLES] },
  units: { type: 'array', items: { type: 'string', [CODE_LIST_KEY]: 'units' }, nullable: true, description: 'null: every unit' },
  partnerId: { type: 'string', nullable: true },
  createdAt: { type: 'string', format: 'date-time' },
  revokedAt: { type: 'string', format: 'date-time', nullable: true },
};
const KEY_INFO_REQUIRED = Object.keys(KEY_INFO_PROPERTIES);

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
  @ApiCreatedResponse({
    description: 'the new key, with its secret (`key`) this once',
    schema: {
      type: 'object',
      required: [...KEY_INFO_REQUIRED, 'key'],
      properties: { ...KEY_INFO_PROPERTIES, key: { type: 'string', description: 'the secret: Authorization: Bearer <key>' } },
    },
  })
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
  @ApiOkResponse({
    description: 'every key, revoked ones too',
    schema: { type: 'array', items: { type: 'object', required: KEY_INFO_REQUIRED, properties: KEY_INFO_PROPERTIES } },
  })
  list(): Promise<ApiKeyInfo[]> {
    return this.keys.list();
  }

  @Delete(':id')
  @HttpCode(204)
  @ApiOperation({ summary: 'Revoke a key' })
  @ApiResponse({ status: 204, description: 'revoked' })
  async revoke(@Param('id') id: string): Promise<void> {
    if (!/^[0-9a-f-]{36}$/i.test(id) || !(await this.keys.revoke(id))) throw ApiError.of(404, 'not_found', `no active API key ${id}`);
  }
}
