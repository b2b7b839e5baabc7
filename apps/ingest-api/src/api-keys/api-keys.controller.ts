import { Body, Controller, Delete, Get, HttpCode, Inject, Param, Post, ValidationPipe } from '@nestjs/common';
import { ApiBearerAuth, ApiOperation, ApiProperty, ApiPropertyOptional, ApiTags } from '@nestjs/swagger';
import { ArrayNotEmpty, IsArray, IsIn, IsNotEmpty, IsOptional, IsString, MaxLength, ValidateIf, type ValidationError } from 'class-validator';
import { ApiError, ApiKeys, REFERENCE_DATA, ROLES, Roles, type ApiKeyInfo, type Role } from '@app/platform';
import type { ReferenceData } from '@app/reference-data';

export class CreateApiKeyDto {
  @ApiProperty({ description: 'who or what uses the key' })
  @IsString()
  @IsNotEmpty()
  @MaxLength(200)
  name!: string;

  @ApiProperty({ enum: ROLES })
  @IsIn(ROLES)
  role!: Role;

  @ApiPropertyOptional({ type: [String], description: 'writer only: the unit codes it may write for (all when absent)' })
  @IsOptional()
  @IsArray()
  @ArrayNotEmpty()
  @IsString({ each: true })
  units?: string[];

  @ApiPropertyOptional({ description: 'partner only (required): the partner system the key belongs to' })
  @ValidateIf((dto: CreateApiKeyDto) => dto.role === 'partner' || dto.partnerId !== undefined)
  @IsString()
  @IsNotEmpty()
  @MaxLength(200)
  partnerId?: string;
}

/** Flattens class-validator's nested errors into SPEC's `details`, one entry per bad field. */
function fieldIssues(errors: ValidationError[], prefix = ''): { field: string; message: string }[] {
  return errors.flatMap((e) => {
    const messages = Object.values(e.constraints ?? {});
    const own = messages.length > 0 ? [{ field: `${prefix}${e.property}`, message: messages.join('; ') }] : [];
    return [...own, ...fieldIssues(e.children ?? [], `${prefix}${e.property}.`)];
  });
}

export const strictValidation = new ValidationPipe({
  whitelist: true,
  forbidNonWhitelisted: true,
  exceptionFactory: (errors) => {
    const details = fieldIssues(errors);
    return ApiError.of(400, 'invalid_input', `invalid input: ${details.map((d) => d.field).join(', ')}`, details);
  },
});

@ApiTags('api-keys')
@ApiBearerAuth()
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
  async create(@Body(strictValidation) dto: CreateApiKeyDto): Promise<ApiKeyInfo & { key: string }> {
    const details: { field: string; message: string }[] = [];
    dto.units?.forEach((unit, i) => {
      if (!this.reference.units.has(unit)) details.push({ field: `units.${i}`, message: 'is not a known unit code' });
    });
    if (dto.units !== undefined && dto.role !== 'writer') details.push({ field: 'units', message: 'only a writer key is limited to units' });
    if (dto.partnerId !== undefined && dto.role !== 'partner') details.push({ field: 'partnerId', message: 'only a partner key has a partnerId' });
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
