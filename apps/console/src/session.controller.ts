import { Body, Controller, Delete, Get, HttpCode, Inject, Post, Put, Req, Res } from '@nestjs/common';
import { ApiOperation, ApiProperty, ApiTags } from '@nestjs/swagger';
import { IsString, MaxLength, MinLength } from 'class-validator';
import type { FastifyReply } from 'fastify';
import { MAX_PASSWORD_LENGTH, People, passwordProblem, type SessionView } from '@app/people';
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

  @ApiProperty({ description: '新密码（10–200 个字符）' })
  @IsString()
  newPassword!: string;
}

const body = validation('body', { forbidUnknown: true });

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
    if (!outcome.ok && outcome.reason === 'locked') {
      throw ApiError.of(429, 'locked', '连续登录失败次数过多，该账号在此地址已锁定 15 分钟', [
        { field: 'username', message: `已锁定至 ${outcome.lockedUntil}` },
      ]);
    }
    if (!outcome.ok) throw ApiError.of(401, 'unauthorized', '用户名或密码错误', [{ field: 'password', message: '用户名或密码错误' }]);
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
  @ApiOperation({ summary: 'Change my own password (my other sessions end)' })
  async changePassword(@Body(body) dto: ChangePasswordDto, @Req() req: AuthenticatedRequest): Promise<void> {
    const problem = passwordProblem(dto.newPassword);
    if (problem) throw ApiError.of(400, 'invalid_input', problem, [{ field: 'newPassword', message: problem }]);
    const by = { personId: req.principal!.id, address: req.ip };
    if (!(await this.people.changeOwnPassword(req.principal!.id, dto.currentPassword, dto.newPassword, sessionTokenOf(req)!, by))) {
      throw ApiError.of(400, 'invalid_input', '当前密码错误', [{ field: 'currentPassword', message: '当前密码错误' }]);
    }
  }

  /** A browser-session cookie (the server ends idle sessions after 8 h); an empty value clears it. */
  private cookie(token: string): string {
    const secure = this.config.consolePublicUrl?.startsWith('https:') ? '; Secure' : '';
    return `${SESSION_COOKIE}=${token}; Path=/; HttpOnly; SameSite=Strict${token ? '' : '; Max-Age=0'}${secure}`;
  }
}
