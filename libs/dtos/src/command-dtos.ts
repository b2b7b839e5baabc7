import { applyDecorators } from '@nestjs/common';
import { ApiProperty, ApiPropertyOptional } from '@nestjs/swagger';
import { Type, plainToInstance } from 'class-transformer';
import {
  ArrayMaxSize,
  ArrayNotEmpty,
  ArrayUnique,
  IsArray,
  IsBoolean,
  IsIn,
  IsInt,
  IsObject,
  IsOptional,
  IsString,
  IsUUID,
  Length,
  Max,
  MaxLength,
  Min,
  MinLength,
  ValidateNested,
  validate,
} from 'class-validator';
import {
  ACTIVITY_KINDS,
  CHANNELS,
  MAX_AMOUNT_WAN,
  MAX_TEXT_LENGTH,
  ORIGIN_REGIONS,
  SECTORS,
  VISIT_DIRECTIONS,
  changesSchema,
  factSchemas,
  fundSchema,
  investorSchema,
  multilineSchema,
  textSchema,
  timeSchema,
  uuidSchema,
  visitDirectionSchema,
  wanSchema,
  activityFactSchemas,
  type FieldIssue,
  type WriteCommand,
  type JsonSchema,
} from '@app/domain';
import { fieldIssues } from '@app/platform';

/**
 * The request bodies of the write API as class-validator DTOs. Their decorators check the
 * shape of a body at the edge (types, lengths, ranges, vocabularies); their `@ApiProperty`
 * options are the domain's JSON schemas, so the OpenAPI document and the AsyncAPI one say the
 * same. The domain's parser stays the authority on meaning — reference codes, text rules,
 * business time, credit codes — and names every field it refuses too (see write.controller.ts).
 */

/** `@ApiProperty` from one of the domain's JSON schemas. */
const Documented = (schema: JsonSchema, required = true): PropertyDecorator =>
  (required ? ApiProperty : ApiPropertyOptional)(schema as Parameters<typeof ApiProperty>[0]);

const property = (schema: JsonSchema, name: string): JsonSchema => (schema.properties as Record<string, JsonSchema>)[name];

const Text = () => applyDecorators(IsString(), MinLength(1), MaxLength(MAX_TEXT_LENGTH));
const Wan = (minimum = 1) => applyDecorators(IsInt(), Min(minimum), Max(MAX_AMOUNT_WAN));
/** Business time: a string here; whether it is a real instant with an offset, in range, is the domain's check. */
const Time = () => IsString();

export class InvestorDto {
  @Documented(property(investorSchema, 'name'))
  @Text()
  name!: string;

  @Documented(property(investorSchema, 'creditCode'), false)
  @IsOptional()
  @IsString()
  @Length(18, 18)
  creditCode?: string;

  @Documented(property(investorSchema, 'originRegion'))
  @IsIn(ORIGIN_REGIONS)
  originRegion!: string;

  @Documented(property(investorSchema, 'top500'), false)
  @IsOptional()
  @IsBoolean()
  top500?: boolean;
}

export class IndustryDto {
  @Documented(property(factSchemas.industry, 'chain'))
  @IsString()
  @MaxLength(64)
  chain!: string;

  @Documented(property(factSchemas.industry, 'sector'))
  @IsIn(SECTORS)
  sector!: string;
}

/** The facts of a lead; every one optional, as a correction's `changes` has them. */
class FactsDto {
  @Documented(factSchemas.name, false)
  @IsOptional()
  @Text()
  name?: string;

  @ApiPropertyOptional({ type: InvestorDto })
  @IsOptional()
  @IsObject()
  @ValidateNested()
  @Type(() => InvestorDto)
  investor?: InvestorDto;

  @ApiPropertyOptional({ type: IndustryDto })
  @IsOptional()
  @IsObject()
  @ValidateNested()
  @Type(() => IndustryDto)
  industry?: IndustryDto;

  @Documented(factSchemas.industrial, false)
  @IsOptional()
  @IsBoolean()
  industrial?: boolean;

  @Documented(factSchemas.channels, false)
  @IsOptional()
  @IsArray()
  @ArrayNotEmpty()
  @ArrayMaxSize(CHANNELS.length)
  @ArrayUnique()
  @IsIn(CHANNELS, { each: true })
  channels?: string[];

  @Documented(factSchemas.unit, false)
  @IsOptional()
  @IsString()
  @MaxLength(64)
  unit?: string;

  @Documented(factSchemas.plannedInvestmentWan, false)
  @IsOptional()
  @Wan(0)
  plannedInvestmentWan?: number;
}

export class RegisterLeadDto {
  @Documented(uuidSchema, false)
  @IsOptional()
  @IsUUID()
  projectId?: string;

  @Documented(factSchemas.name)
  @Text()
  name!: string;

  @ApiProperty({ type: InvestorDto })
  @IsObject()
  @ValidateNested()
  @Type(() => InvestorDto)
  investor!: InvestorDto;

  @ApiProperty({ type: IndustryDto })
  @IsObject()
  @ValidateNested()
  @Type(() => IndustryDto)
  industry!: IndustryDto;

  @Documented(factSchemas.industrial)
  @IsBoolean()
  industrial!: boolean;

  @Documented(factSchemas.channels)
  @IsArray()
  @ArrayNotEmpty()
  @ArrayMaxSize(CHANNELS.length)
  @ArrayUnique()
  @IsIn(CHANNELS, { each: true })
  channels!: string[];

  @Documented(factSchemas.unit)
  @IsString()
  @MaxLength(64)
  unit!: string;

  @Documented(factSchemas.plannedInvestmentWan)
  @Wan(0)
  plannedInvestmentWan!: number;

  @Documented(timeSchema)
  @Time()
  occurredAt!: string;
}

export class RecordVisitDto {
  @Documented(visitDirectionSchema)
  @IsIn(VISIT_DIRECTIONS)
  direction!: string;

  @Documented(multilineSchema, false)
  @IsOptional()
  @Text()
  note?: string;

  @Documented(timeSchema)
  @Time()
  occurredAt!: string;
}

export class RecordFundInvestmentDto {
  @Documented(fundSchema)
  @IsString()
  @MaxLength(64)
  fund!: string;

  @Documented(wanSchema('amount'))
  @Wan()
  amountWan!: number;

  @Documented(timeSchema)
  @Time()
  occurredAt!: string;
}

export class SignProjectDto {
  @Documented(wanSchema('signed amount'))
  @Wan()
  signedAmountWan!: number;

  @Documented(timeSchema)
  @Time()
  occurredAt!: string;
}

export class StartProjectDto {
  @Documented(wanSchema('started investment'))
  @Wan()
  startedInvestmentWan!: number;

  @Documented(timeSchema)
  @Time()
  occurredAt!: string;
}

export class ChangesDto extends FactsDto {
  @Documented(wanSchema('signed amount'), false)
  @IsOptional()
  @Wan()
  signedAmountWan?: number;

  @Documented(wanSchema('started investment'), false)
  @IsOptional()
  @Wan()
  startedInvestmentWan?: number;

  @Documented(timeSchema, false)
  @IsOptional()
  @Time()
  signedAt?: string;

  @Documented(timeSchema, false)
  @IsOptional()
  @Time()
  startedAt?: string;
}

export class CorrectProjectDto {
  @ApiProperty({ type: ChangesDto, description: `${String(changesSchema.description ?? 'the facts to change')}: at least one` })
  @IsObject()
  @ValidateNested()
  @Type(() => ChangesDto)
  changes!: ChangesDto;

  @Documented(multilineSchema)
  @Text()
  reason!: string;

  @Documented({ ...timeSchema, description: 'when the correction was made' })
  @Time()
  occurredAt!: string;
}

export class DropProjectDto {
  @Documented(multilineSchema)
  @Text()
  reason!: string;

  @Documented(timeSchema)
  @Time()
  occurredAt!: string;
}

export class RecordActivityDto {
  @Documented(uuidSchema, false)
  @IsOptional()
  @IsUUID()
  activityId?: string;

  @Documented(activityFactSchemas.kind)
  @IsIn(ACTIVITY_KINDS)
  kind!: string;

  @Documented(textSchema)
  @Text()
  title!: string;

  @Documented(activityFactSchemas.region)
  @IsIn(ORIGIN_REGIONS)
  region!: string;

  @Documented(activityFactSchemas.unit)
  @IsString()
  @MaxLength(64)
  unit!: string;

  @Documented(timeSchema)
  @Time()
  occurredAt!: string;
}

/** The body DTO of each command. */
export const COMMAND_DTOS: Readonly<Record<WriteCommand['type'], new () => object>> = {
  RegisterLead: RegisterLeadDto,
  RecordVisit: RecordVisitDto,
  RecordFundInvestment: RecordFundInvestmentDto,
  SignProject: SignProjectDto,
  StartProject: StartProjectDto,
  CorrectProject: CorrectProjectDto,
  DropProject: DropProjectDto,
  RecordActivity: RecordActivityDto,
};

/**
 * What the body DTO of `type` finds wrong with `body`, field by field. Only the single-command
 * endpoints run it: a batch's items are checked by the domain's parser alone (BENCHMARKS.md:
 * class-validator on 1,000 commands).
 */
export async function bodyShapeIssues(type: WriteCommand['type'], body: Record<string, unknown>): Promise<FieldIssue[]> {
  return fieldIssues(await validate(plainToInstance(COMMAND_DTOS[type], body), { forbidUnknownValues: false }));
}

/** Whether two field paths name the same field, or one holds the other (`channels` and `channels.0`). */
export function sameOrNested(a: string, b: string): boolean {
  return a === b || a.startsWith(`${b}.`) || b.startsWith(`${a}.`);
}
