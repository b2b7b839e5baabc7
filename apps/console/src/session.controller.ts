import { setTimeout as sleep } from 'node:timers/promises';
import { Body, Controller, Delete, Get, HttpCode, Inject, Post, Put, Req, Res } from '@nestjs/common';
import { ApiOperation, ApiProperty, ApiTags } from '@nestjs/swagger';
import { IsString, MaxLength, MinLength } from 'class-validator';
import type { FastifyReply } from 'fastify';
import { MAX_PASSWORD_LENGTH, PASSWORD_RULE, People, passwordProblem, type GuessRefusal, type SessionView } from '@app/people';
import { ApiError, CONFIG, Roles, validation, type AuthenticatedRequest, type Config } from '@app/platform';
import { SESSION_COOKIE, sessionTokenOf, type ConsoleRequest } from './session.guard';

export class LoginDto {
  @ApiProperty({ description: '用户名' })
  @IsString()
  @MinLength(1)
  @MaxLength(100)
  username!: string;

  @ApiProperty({ description: '密码' })
  @IsString()
  @MinLength(1)
  @MaxLength(MAX_PASSWORD_LENGTH)
  password!: string;
}

export class ChangePasswordDto {
  @ApiProperty({ description: '当前密码' })
  @IsString()
  @MaxLength(MAX_PASSWORD_LENGTH)
  currentPassword!: string;

  @ApiProperty({ description: `新密码：${PASSWORD_RULE}` })
  @IsString()
  newPassword!: string;
}

const body = validation('body', { forbidUnknown: true });

const shanghaiTime = (iso: string): string => new Date(iso).toLocaleString('zh-CN', { timeZone: 'Asia/Shanghai', hour12: false });

/** 429 `rate_limited`: the address is past its login limit for this many seconds. */
export function loginRateLimited(retryAfterSeconds: number): ApiError {
  const { answer } = ApiError.of(429, 'rate_limited', `此地址登录失败次数过多，请 ${retryAfterSeconds} 秒后再试`);
  return new ApiError(answer, { 'retry-after': String(retryAfterSeconds) });
}

/**
 * The answer to a refused password guess (contract §6 "Logins"): 429 `rate_limited` with
 * Retry-After past the address's limit, 429 `locked` while the username is locked for the
 * address, else `wrong` — each after the guess's delay. The wait is a timer: it holds no
 * database connection, and other requests go on meanwhile.
 */
async function refusal(outcome: GuessRefusal, wrong: ApiError): Promise<ApiError> {
  await sleep(outcome.delayMs);
  if (outcome.reason === 'rate_limited') return loginRateLimited(outcome.retryAfterSeconds);
  if (outcome.reason === 'locked') {
    return ApiError.of(429, 'locked', '连续登录失败次数过多，该账号在此地址已锁定 15 分钟', [
      { field: 'username', message: `该账号在此地址已锁定至 ${shanghaiTime(outcome.lockedUntil)}` },
    ]);
  }
  return wrong;
}

/** Log in, who am I, log out, change my password (contract §7). */
@ApiTags('session')
@Controller('v1/session')
export class SessionController {
  constructor(
    private readonly people: People,
    @Inject(CONFIG) private readonly config: Config,
  ) {}

  @Post()
  @HttpCode(200)
  @ApiOperation({ summary: 'Log in: sets the session cookie; answers the person and the CSRF token' })
  async login(@Body(body) dto: LoginDto, @Req() req: AuthenticatedRequest, @Res({ passthrough: true }) reply: FastifyReply) {
    const outcome = await this.people.login(dto.username, dto.password, req.ip);
    if (!outcome.ok)
      throw await refusal(
        outcome,
        ApiError.of(401, 'unauthorized', '用户名或密码错误', [{ field: 'password', message: '用户名或密码错误' }]),
      );
    void reply.header('set-cookie', this.cookie(outcome.token));
    return { person: outcome.person, csrfToken: outcome.csrfToken };
  }

  @Get()
  @Roles('admin', 'writer', 'reader')
  @ApiOperation({ summary: 'The person logged in and the CSRF token of the session' })
  current(@Req() req: ConsoleRequest): SessionView {
    return req.session!;
  }

  @Delete()
  @HttpCode(204)
  @Roles('admin', 'writer', 'reader')
  @ApiOperation({ summary: 'Log out: the session ends on the server' })
  async logout(@Req() req: AuthenticatedRequest, @Res({ passthrough: true }) reply: FastifyReply): Promise<void> {
    await this.people.logout(sessionTokenOf(req)!, { personId: req.principal!.id, address: req.ip });
    void reply.header('set-cookie', this.cookie(''));
  }

  @Put('password')
  @HttpCode(204)
  @Roles('admin', 'writer', 'reader')
  @ApiOperation({
    summary: 'Change my own password (my other sessions end); a wrong current password counts as a failed login from this address',
  })
  async changePassword(@Body(body) dto: ChangePasswordDto, @Req() req: ConsoleRequest): Promise<void> {
    const { person } = req.session!;
    const problem = passwordProblem(dto.newPassword, person.username);
    if (problem) throw ApiError.of(400, 'invalid_input', problem, [{ field: 'newPassword', message: problem }]);
    const by = { personId: person.id, address: req.ip };
    const outcome = await this.people.changeOwnPassword(person.id, dto.currentPassword, dto.newPassword, sessionTokenOf(req)!, by);
    if (!outcome.ok)
      throw await refusal(
        outcome,
        ApiError.of(400, 'invalid_input', '当前密码错误', [{ field: 'currentPassword', message: '当前密码错误' }]),
      );
  }

  /** A browser-session cookie (the server ends idle sessions after 8 h); an empty value clears it. */
  private cookie(token: string): string {
    const secure = this.config.consolePublicUrl?.startsWith('https:') ? '; Secure' : '';
    return `${SESSION_COOKIE}=${token}; Path=/; HttpOnly; SameSite=Strict${token ? '' : '; Max-Age=0'}${secure}`;
  }
}
