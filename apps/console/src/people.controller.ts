import { Body, Controller, Get, HttpCode, Inject, Param, Post, Put, Query, Req } from '@nestjs/common';
import { ApiOperation, ApiProperty, ApiPropertyOptional, ApiTags } from '@nestjs/swagger';
import {
  ArrayMaxSize,
  ArrayNotEmpty,
  ArrayUnique,
  IsArray,
  IsIn,
  IsOptional,
  IsString,
  Matches,
  MaxLength,
  MinLength,
} from 'class-validator';
import { isUuid, textProblem } from '@app/domain';
import {
  AUDIT_KINDS,
  PASSWORD_RULE,
  PERSON_ROLES,
  People,
  passwordProblem,
  type Account,
  type AuditKind,
  type Person,
  type PersonRole,
} from '@app/people';
import {
  ApiError,
  ApiErrors,
  IsIntegerText,
  OptionalParam,
  REFERENCE_DATA,
  Roles,
  integerParam,
  validation,
  type AuthenticatedRequest,
} from '@app/platform';
import { IsInstant, instantOf } from '@app/read-api';
import type { ReferenceData } from '@app/reference-data';

export class CreatePersonDto {
  @ApiProperty({ description: '用户名：字母、数字、点、下划线或连字符', example: 'zhang.wei' })
  @IsString()
  @Matches(/^[A-Za-z0-9._-]{2,64}$/, { message: '用户名为 2–64 个字母、数字、点、下划线或连字符' })
  username!: string;

  @ApiProperty({ description: '姓名（时间线中显示）', example: '张伟' })
  @IsString()
  @MinLength(1)
  @MaxLength(100)
  displayName!: string;

  @ApiProperty({ enum: PERSON_ROLES })
  @IsIn(PERSON_ROLES, { message: `角色为 ${PERSON_ROLES.join('、')} 之一` })
  role!: PersonRole;

  @ApiPropertyOptional({ type: [String], description: '录入员、查看员可限定的责任单位（缺省为全部）', maxItems: 200, uniqueItems: true })
  @IsOptional()
  @IsArray()
  @ArrayNotEmpty()
  @ArrayMaxSize(200)
  @ArrayUnique()
  @IsString({ each: true })
  units?: string[];

  @ApiProperty({ description: `初始密码：${PASSWORD_RULE}` })
  @IsString()
  password!: string;
}

export class PasswordDto {
  @ApiProperty({ description: `新密码：${PASSWORD_RULE}` })
  @IsString()
  password!: string;
}

export class AuditQueryDto {
  @ApiPropertyOptional({ enum: AUDIT_KINDS, description: 'only this kind of entry' })
  @OptionalParam()
  @IsIn(AUDIT_KINDS, { message: `must be one of: ${AUDIT_KINDS.join(', ')}` })
  kind?: AuditKind;

  @ApiPropertyOptional({ description: 'a username: the entries it made or that are about it', maxLength: 100 })
  @OptionalParam()
  @IsString()
  @MaxLength(100)
  person?: string;

  @ApiPropertyOptional({ format: 'date-time', description: 'entries at or after this instant' })
  @OptionalParam()
  @IsInstant()
  from?: string;

  @ApiPropertyOptional({ format: 'date-time', description: 'entries before this instant' })
  @OptionalParam()
  @IsInstant()
  to?: string;

  @ApiPropertyOptional({ description: 'nextCursor of the previous page', pattern: '^\\d{1,18}$' })
  @OptionalParam()
  @Matches(/^\d{1,18}$/, { message: 'must be the nextCursor of a previous page' })
  cursor?: string;

  @ApiPropertyOptional({ type: 'integer', minimum: 1, maximum: 500, default: 50 })
  @OptionalParam()
  @IsIntegerText(1, 500)
  limit?: string;
}

export class UnlockDto {
  @ApiProperty({ description: '解除锁定的用户名' })
  @IsString()
  @MaxLength(100)
  username!: string;
}

const body = validation('body', { forbidUnknown: true });
const query = validation('query', { forbidUnknown: false });

/** 用户管理: accounts of the console (contract §7), for admins. */
@ApiTags('people')
@ApiErrors(400, 401, 403, 404, 409, 415, 429)
@Roles('admin')
@Controller('v1/people')
export class PeopleController {
  constructor(
    private readonly people: People,
    @Inject(REFERENCE_DATA) private readonly reference: ReferenceData,
  ) {}

  @Get()
  @ApiOperation({ summary: 'Every account, without password hashes; `locked` while a lock-out holds it from some address' })
  list(): Promise<Account[]> {
    return this.people.list();
  }

  @Post()
  @HttpCode(201)
  @ApiOperation({ summary: 'Create an account' })
  async create(@Body(body) dto: CreatePersonDto, @Req() req: AuthenticatedRequest): Promise<Person> {
    const details: { field: string; message: string }[] = [];
    const nameProblem = textProblem(dto.displayName);
    if (nameProblem) details.push({ field: 'displayName', message: nameProblem });
    const weak = passwordProblem(dto.password, dto.username);
    if (weak) details.push({ field: 'password', message: weak });
    dto.units?.forEach((unit, i) => {
      if (!this.reference.units.has(unit)) details.push({ field: `units.${i}`, message: '不是已知的责任单位代码' });
    });
    if (dto.units !== undefined && dto.role === 'admin') details.push({ field: 'units', message: '管理员不限定责任单位' });
    if (details.length > 0) throw ApiError.of(400, 'invalid_input', `invalid input: ${details.map((d) => d.field).join(', ')}`, details);
    const created = await this.people.create(dto, { personId: req.principal!.id, address: req.ip });
    if (!created)
      throw ApiError.of(409, 'already_exists', `用户名 ${dto.username} 已存在`, [{ field: 'username', message: '用户名已存在' }]);
    return created;
  }

  @Post(':id/disable')
  @HttpCode(204)
  @ApiOperation({ summary: 'Disable an account: its sessions end, it cannot log in' })
  async disable(@Param('id') id: string, @Req() req: AuthenticatedRequest): Promise<void> {
    if (id === req.principal!.id)
      throw ApiError.of(400, 'invalid_input', '不能停用自己的账号', [{ field: 'id', message: '不能停用自己的账号' }]);
    await this.found(isUuid(id) && (await this.people.setDisabled(id, true, { personId: req.principal!.id, address: req.ip })), id);
  }

  @Post(':id/enable')
  @HttpCode(204)
  @ApiOperation({ summary: 'Enable a disabled account' })
  async enable(@Param('id') id: string, @Req() req: AuthenticatedRequest): Promise<void> {
    await this.found(isUuid(id) && (await this.people.setDisabled(id, false, { personId: req.principal!.id, address: req.ip })), id);
  }

  @Put(':id/password')
  @HttpCode(204)
  @ApiOperation({ summary: "Reset an account's password: its sessions end" })
  async resetPassword(@Param('id') id: string, @Body(body) dto: PasswordDto, @Req() req: AuthenticatedRequest): Promise<void> {
    const username = isUuid(id) ? await this.people.usernameOf(id) : null;
    if (username === null) return this.found(false, id);
    const weak = passwordProblem(dto.password, username);
    if (weak) throw ApiError.of(400, 'invalid_input', weak, [{ field: 'password', message: weak }]);
    await this.found(await this.people.resetPassword(id, dto.password, { personId: req.principal!.id, address: req.ip }), id);
  }

  @Post('unlock')
  @HttpCode(204)
  @ApiOperation({ summary: 'Lift the lock-outs of a username (from every address)' })
  async unlock(@Body(body) dto: UnlockDto, @Req() req: AuthenticatedRequest): Promise<void> {
    await this.people.unlock(dto.username, { personId: req.principal!.id, address: req.ip });
  }

  @Get('audit')
  @ApiOperation({
    summary: 'The record of logins, failed logins and admin actions, newest first, in pages (cursor = nextCursor of the previous page)',
  })
  audit(@Query(query) dto: AuditQueryDto) {
    return this.people.auditLog({
      kind: dto.kind || undefined,
      person: dto.person?.trim() || undefined,
      from: instantOf(dto.from) ?? undefined,
      to: instantOf(dto.to) ?? undefined,
      cursor: dto.cursor || undefined,
      limit: integerParam(dto.limit) ?? 50,
    });
  }

  private async found(done: boolean, id: string): Promise<void> {
    if (!done) throw ApiError.of(404, 'not_found', `没有账号 ${id}`);
  }
}
