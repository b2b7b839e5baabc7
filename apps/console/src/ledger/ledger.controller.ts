import { Body, Controller, Get, HttpCode, Inject, Post, Req, Res } from '@nestjs/common';
import { CommandBus } from '@nestjs/cqrs';
import { ApiOperation, ApiProperty, ApiPropertyOptional, ApiTags } from '@nestjs/swagger';
import { IsBase64, IsInt, IsOptional, IsString, Min } from 'class-validator';
import type { FastifyReply } from 'fastify';
import type { Pool } from 'pg';
import type { ProjectState } from '@app/domain';
import { ApiError, ApiErrors, PG_POOL, REFERENCE_DATA, Roles, validation, type Answer, type AuthenticatedRequest } from '@app/platform';
import { Freshness } from '@app/read-api';
import { LIVE_SCHEMA, quoteIdent } from '@app/read-models';
import type { ReferenceData } from '@app/reference-data';
import { ExecuteWrites, parseWriteRequest, type WriteRequest } from '@app/write-api';
import {
  LedgerError,
  givenProjectId,
  identityOf,
  ledgerTemplate,
  planRow,
  readLedger,
  rowFacts,
  type LedgerRow,
  type RowIssue,
} from '@app/ledger';

export class LedgerUploadDto {
  @ApiProperty({ description: 'the .xlsx file, base64' })
  @IsString()
  @IsBase64()
  file!: string;

  @ApiPropertyOptional({ description: 'import only rows from this row number (the header is row 1)' })
  @IsOptional()
  @IsInt()
  @Min(2)
  fromRow?: number;

  @ApiPropertyOptional({ description: '… up to this one (inclusive)' })
  @IsOptional()
  @IsInt()
  @Min(2)
  toRow?: number;
}

const body = validation('body', { forbidUnknown: true });
/** Commands sent to the write path at once: a batch of the batch endpoint's size. */
const CHUNK = 1000;

/** 台账导入 (contract §7): the template, a preview of what an upload means, and the import through the command path. */
@ApiTags('ledger')
@ApiErrors(400, 401, 403, 413, 415)
@Roles('admin', 'writer')
@Controller('v1/ledger')
export class LedgerController {
  constructor(
    private readonly commandBus: CommandBus,
    private readonly freshness: Freshness,
    @Inject(PG_POOL) private readonly pool: Pool,
    @Inject(REFERENCE_DATA) private readonly reference: ReferenceData,
  ) {}

  @Get('template.xlsx')
  @ApiOperation({ summary: 'The ledger template: Chinese headers, and a sheet of the names each pick-list column takes' })
  async template(@Res() reply: FastifyReply): Promise<void> {
    await reply
      .header('content-type', 'application/vnd.openxmlformats-officedocument.spreadsheetml.sheet')
      .header('content-disposition', `attachment; filename="ledger-template.xlsx"; filename*=UTF-8''${encodeURIComponent('台账模板.xlsx')}`)
      .send(await ledgerTemplate(this.reference));
  }

  @Post('preview')
  @HttpCode(200)
  @ApiOperation({ summary: "What an upload would store: every row's errors (row, column, reason), and the commands of the valid rows" })
  async preview(@Body(body) dto: LedgerUploadDto) {
    const { rows, plans } = await this.plan(dto);
    const issues = plans.flatMap((p) => p.issues);
    const valid = plans.filter((p) => p.issues.length === 0);
    return {
      rows: rows.length,
      validRows: valid.length,
      changedRows: valid.filter((p) => p.commands.length > 0).length,
      commands: valid.reduce((n, p) => n + p.commands.length, 0),
      issues,
    };
  }

  @Post()
  @HttpCode(200)
  @ApiOperation({
    summary: 'Stores the valid rows (of fromRow..toRow) as their commands, in row order; answers what was stored and what was refused',
  })
  async import(@Body(body) dto: LedgerUploadDto, @Req() req: AuthenticatedRequest) {
    const { plans } = await this.plan(dto);
    const planned = plans.filter((p) => p.issues.length === 0 && p.commands.length > 0);
    const requests = planned.flatMap((p) =>
      p.commands.map((command) => {
        const { type, ...fields } = command;
        return { row: p.row, request: parseWriteRequest(type, fields) };
      }),
    );
    const refused: RowIssue[] = [];
    const storedRows = new Set<number>();
    for (let i = 0; i < requests.length; i += CHUNK) {
      const chunk = requests.slice(i, i + CHUNK);
      const answers = await this.commandBus.execute<ExecuteWrites, Answer[]>(
        new ExecuteWrites(
          req.principal!,
          chunk.map((c) => c.request as WriteRequest | Answer),
        ),
      );
      answers.forEach((answer, j) => {
        const { row } = chunk[j];
        if (answer.status === 201) storedRows.add(row);
        else refused.push({ row, column: '', reason: refusalZh(answer) });
      });
    }
    return { rows: plans.length, storedRows: storedRows.size, commands: requests.length - refused.length, refused };
  }

  /** The rows of the upload (of the range asked for) and what each means against the projects as stored. */
  private async plan(dto: LedgerUploadDto) {
    let rows: LedgerRow[];
    try {
      rows = await readLedger(Buffer.from(dto.file, 'base64'));
    } catch (error) {
      if (error instanceof LedgerError) throw ApiError.of(400, 'invalid_input', error.message, [{ field: 'file', message: error.message }]);
      throw error;
    }
    rows = rows.filter((r) => r.row >= (dto.fromRow ?? 2) && r.row <= (dto.toRow ?? Number.MAX_SAFE_INTEGER));
    const facts = rows.map((row) => rowFacts(row.cells, this.reference));
    const stored = await this.storedProjects(rows, facts);
    const ctx = { ref: this.reference, now: new Date() };
    const plans = rows.map((row, i) => {
      const given = givenProjectId(row);
      const project = (given ? stored.byId.get(given) : stored.byIdentity.get(identityOf(facts[i]))) ?? null;
      return { row: row.row, ...planRow(row, facts[i], project, ctx) };
    });
    return { rows, plans };
  }

  /** The projects the rows name, as the read models hold them once they have applied everything stored. */
  private async storedProjects(rows: readonly LedgerRow[], facts: ReadonlyArray<Record<string, unknown>>) {
    await this.freshness.require(await this.freshness.watermark.head());
    const ids = rows.map(givenProjectId).filter((id): id is string => id !== null);
    const names = facts.map((f) => String(f.name));
    const investors = facts.map((f) => String((f.investor as { name: unknown }).name));
    const units = facts.map((f) => String(f.unit));
    const { rows: found } = await this.pool.query<{ state: ProjectState }>(
      `SELECT state FROM ${quoteIdent(LIVE_SCHEMA)}.projects
        WHERE project_id::text = ANY($1::text[])
           OR (state->>'name', state->'investor'->>'name', unit) IN (SELECT * FROM unnest($2::text[], $3::text[], $4::text[]))`,
      [ids, names, investors, units],
    );
    const byId = new Map<string, ProjectState>();
    const byIdentity = new Map<string, ProjectState>();
    for (const { state } of found) {
      byId.set(state.projectId, state);
      byIdentity.set(identityOf(state as unknown as Record<string, unknown>), state);
    }
    return { byId, byIdentity };
  }
}

function refusalZh(answer: Answer): string {
  const error = (answer.body as { error?: { code?: string; message?: string } }).error;
  if (answer.status === 403) return '没有权限（责任单位不在你的范围内）';
  if (answer.status === 422) return `不符合项目生命周期规则（${error?.code ?? ''}）`;
  return error?.message ?? `未保存（${answer.status}）`;
}
