import { setImmediate as yieldToOthers } from 'node:timers/promises';
import { Controller, Get, HttpCode, Inject, Post, Req, Res } from '@nestjs/common';
import { CommandBus } from '@nestjs/cqrs';
import { ApiBody, ApiConsumes, ApiOperation, ApiTags } from '@nestjs/swagger';
import type { FastifyReply } from 'fastify';
import type { Pool } from 'pg';
import type { ProjectState } from '@app/domain';
import { ApiError, ApiErrors, PG_POOL, REFERENCE_DATA, Roles, type Answer, type AuthenticatedRequest, type Principal } from '@app/platform';
import { Freshness, projectScopeOf } from '@app/read-api';
import { LIVE_SCHEMA, quoteIdent, scopeConditions } from '@app/read-models';
import type { ReferenceData } from '@app/reference-data';
import { ExecuteWrites, parseWriteRequest, type WriteRequest } from '@app/write-api';
import {
  LedgerError,
  NotAWorkbook,
  ParserBusy,
  SheetParser,
  UPLOAD_LIMITS,
  UploadTooLarge,
  amountUnitsOf,
  givenProjectId,
  identityOf,
  ledgerTemplate,
  planRow,
  readRow,
  type LedgerRow,
  type LedgerTable,
  type ReadRow,
  type RowIssue,
} from '@app/ledger';
import type { LedgerUpload } from './upload';
import { UploadLocks } from './upload-lock';

/** Commands sent to the write path at once: a batch of the batch endpoint's size. */
const CHUNK = 1000;
/** Issues, notes and rows of values a preview lists at most; it counts the rest. */
const LISTED = 500;
/** Rows planned between two turns of the event loop, so that other people's requests are answered meanwhile. */
const ROWS_PER_TURN = 200;

const UPLOAD_BODY = {
  schema: {
    type: 'object',
    required: ['file'],
    properties: {
      file: { type: 'string', format: 'binary', description: `the .xlsx (at most ${UPLOAD_LIMITS.fileBytes} bytes)` },
      fromRow: { type: 'integer', minimum: 2, description: 'only rows from this sheet row number' },
      toRow: { type: 'integer', minimum: 2, description: '… up to this one (inclusive)' },
    },
  },
};

/** The upload's parser: one per console process, so its limit of parses at once holds across the console. */
const parser = new SheetParser();

/** 台账导入 (contract §7): the template, a preview of what an upload means, and the import through the command path. */
@ApiTags('ledger')
@ApiErrors(400, 401, 403, 413, 415, 429)
@Roles('admin', 'writer')
@Controller('v1/ledger')
export class LedgerController {
  private readonly locks: UploadLocks;

  constructor(
    private readonly commandBus: CommandBus,
    private readonly freshness: Freshness,
    @Inject(PG_POOL) private readonly pool: Pool,
    @Inject(REFERENCE_DATA) private readonly reference: ReferenceData,
  ) {
    this.locks = new UploadLocks(pool);
  }

  @Get('template.xlsx')
  @ApiOperation({ summary: 'The ledger template: Chinese headers, drop-downs (units: the caller’s), an example row, 填写说明 and 代码表' })
  async template(@Req() req: AuthenticatedRequest, @Res() reply: FastifyReply): Promise<void> {
    await reply
      .header('content-type', 'application/vnd.openxmlformats-officedocument.spreadsheetml.sheet')
      .header('content-disposition', `attachment; filename="ledger-template.xlsx"; filename*=UTF-8''${encodeURIComponent('台账模板.xlsx')}`)
      .send(await ledgerTemplate(this.reference, unitsOf(req.principal!)));
  }

  @Post('preview')
  @HttpCode(200)
  @ApiConsumes('multipart/form-data')
  @ApiBody(UPLOAD_BODY)
  @ApiOperation({
    summary:
      "What an upload would store: each row's values as stored and status, every refusal (row, column, the value and the accepted form), notes and warnings",
  })
  async preview(@Req() req: AuthenticatedRequest) {
    const upload = req.body as LedgerUpload;
    return this.locks.exclusive(req.principal!.id, async () => {
      const { table, plans } = await this.plan(upload, req.principal!);
      const valid = plans.filter((p) => p.status !== 'refused');
      const issues = plans.flatMap((p) => p.issues);
      const notes = plans.flatMap((p) => (p.status === 'refused' ? [] : p.notes));
      return {
        headerRow: table.headerRow,
        lastRow: table.rows.at(-1)?.row ?? table.headerRow,
        columns: table.columns.map(({ header, column, unit }) => ({
          header,
          column,
          ...(unit === '亿元' ? { note: `${header}：按 1 亿元 = 10,000 万元换算为万元` } : {}),
        })),
        skipped: table.skipped,
        rows: plans.length,
        validRows: valid.length,
        changedRows: valid.filter((p) => p.commands.length > 0).length,
        commands: valid.reduce((n, p) => n + p.commands.length, 0),
        issues: issues.slice(0, LISTED),
        moreIssues: Math.max(0, issues.length - LISTED),
        notes: notes.slice(0, LISTED),
        moreNotes: Math.max(0, notes.length - LISTED),
        entries: plans.slice(0, LISTED).map((p) => ({ row: p.row, status: p.status, values: p.values })),
        moreEntries: Math.max(0, plans.length - LISTED),
      };
    });
  }

  @Post()
  @HttpCode(200)
  @ApiConsumes('multipart/form-data')
  @ApiBody(UPLOAD_BODY)
  @ApiOperation({
    summary: 'Stores the valid rows (of fromRow..toRow) as their commands, in row order; answers what was stored and what was refused',
  })
  async import(@Req() req: AuthenticatedRequest) {
    const upload = req.body as LedgerUpload;
    return this.locks.exclusive(req.principal!.id, async (keep) => {
      const { plans } = await this.plan(upload, req.principal!);
      const planned = plans.filter((p) => p.status !== 'refused' && p.commands.length > 0);
      const requests = planned.flatMap((p) =>
        p.commands.map((command) => {
          const { type, ...fields } = command;
          return { row: p.row, request: parseWriteRequest(type, fields) };
        }),
      );
      const refused: RowIssue[] = [];
      const storedRows = new Set<number>();
      let position = 0;
      for (let i = 0; i < requests.length; i += CHUNK) {
        await keep();
        const chunk = requests.slice(i, i + CHUNK);
        const answers = await this.commandBus.execute<ExecuteWrites, Answer[]>(
          new ExecuteWrites(
            req.principal!,
            chunk.map((c) => c.request as WriteRequest | Answer),
          ),
        );
        answers.forEach((answer, j) => {
          const { row } = chunk[j];
          if (answer.status === 201) {
            storedRows.add(row);
            position = Math.max(position, Number((answer.body as { position?: number }).position ?? 0));
          } else refused.push({ row, column: '', reason: refusalZh(answer) });
        });
      }
      return { rows: plans.length, storedRows: storedRows.size, commands: requests.length - refused.length, refused, position };
    });
  }

  /** The rows of the upload (of the range asked for) and what each means against the projects the caller may see. */
  private async plan(upload: LedgerUpload, principal: Principal) {
    if (!upload?.file)
      throw ApiError.of(400, 'invalid_input', 'the upload is multipart/form-data with a field file', [
        { field: 'file', message: '请选择台账文件（.xlsx）' },
      ]);
    const table = await parseUpload(upload.file);
    const rows = table.rows.filter((r) => r.row >= (upload.fromRow ?? 2) && r.row <= (upload.toRow ?? Number.MAX_SAFE_INTEGER));
    const units = amountUnitsOf(table);
    const reads: ReadRow[] = [];
    for (let i = 0; i < rows.length; i++) {
      if (i > 0 && i % ROWS_PER_TURN === 0) await yieldToOthers();
      reads.push(readRow(rows[i], units, this.reference));
    }
    const scope = projectScopeOf(principal);
    const stored = await this.storedProjects(rows, reads, scope);
    const ctx = { ref: this.reference, now: new Date() };
    const plans = [];
    for (let i = 0; i < rows.length; i++) {
      if (i > 0 && i % ROWS_PER_TURN === 0) await yieldToOthers();
      const given = givenProjectId(rows[i]);
      const project = (given !== null ? stored.byId.get(given) : stored.byIdentity.get(identityOf(reads[i].facts))) ?? null;
      const plan = planRow(rows[i], reads[i], project, ctx, { units: scope.units ?? null });
      plans.push({ row: rows[i].row, ...plan, values: reads[i].values, notes: reads[i].notes });
    }
    return { table, plans };
  }

  /**
   * The projects the rows name — only those the caller may see (contract §6: another unit's
   * project is answered as an unknown one) — as the read models hold them once they have applied
   * everything stored.
   */
  private async storedProjects(rows: readonly LedgerRow[], reads: readonly ReadRow[], scope: ReturnType<typeof projectScopeOf>) {
    await this.freshness.require(await this.freshness.watermark.head());
    const ids = rows.map(givenProjectId).filter((id): id is string => id !== null);
    const params: unknown[] = [
      ids,
      reads.map((r) => String(r.facts.name)),
      reads.map((r) => String((r.facts.investor as { name: unknown }).name)),
      reads.map((r) => String(r.facts.unit)),
    ];
    const visible = scopeConditions(scope, (value) => `$${params.push(value)}`);
    const { rows: found } = await this.pool.query<{ state: ProjectState }>(
      `SELECT p.state FROM ${quoteIdent(LIVE_SCHEMA)}.projects p
        WHERE (p.project_id::text = ANY($1::text[])
               OR (p.state->>'name', p.state->'investor'->>'name', p.unit) IN (SELECT * FROM unnest($2::text[], $3::text[], $4::text[])))
          ${visible.map((condition) => `AND ${condition}`).join(' ')}`,
      params,
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

const unitsOf = (principal: Principal): readonly string[] | null => projectScopeOf(principal).units ?? null;

/** The upload's table, read off the main thread; its faults as the contract's answers. */
async function parseUpload(file: Buffer): Promise<LedgerTable> {
  try {
    return await parser.parse(file);
  } catch (error) {
    if (error instanceof UploadTooLarge)
      throw ApiError.of(413, 'payload_too_large', error.message, [{ field: 'file', message: error.message }]);
    if (error instanceof ParserBusy) {
      const message = '正在解析的台账文件已达上限，请稍后再试';
      throw new ApiError(
        { status: 429, body: { error: { code: 'busy', message, details: [{ field: 'file', message }] } } },
        { 'retry-after': '5' },
      );
    }
    if (error instanceof LedgerError || error instanceof NotAWorkbook) {
      throw ApiError.of(400, 'invalid_input', error.message, [{ field: 'file', message: error.message }]);
    }
    throw error;
  }
}

function refusalZh(answer: Answer): string {
  const error = (answer.body as { error?: { code?: string; message?: string } }).error;
  if (answer.status === 403) return '没有权限（责任单位不在你的范围内）';
  if (answer.status === 422) return `不符合项目生命周期规则（${error?.code ?? ''}）`;
  return error?.message ?? `未保存（${answer.status}）`;
}
