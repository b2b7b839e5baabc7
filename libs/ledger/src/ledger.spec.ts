import { evolve, type ProjectEvent, type ProjectState } from '@app/domain';
import { reference } from '../../../test/support/fixtures';
import { ledgerRow } from '../../../test/support/ledger';
import { planRow, rowFacts, type LedgerRow } from './ledger';

const ctx = { ref: reference, now: new Date('2025-12-31T00:00:00Z') };
const rowOf = (cells: Record<string, unknown>, row = 2): LedgerRow => ({ row, cells });
const planOf = (row: LedgerRow, stored: ProjectState | null) => planRow(row, rowFacts(row.cells, reference), stored, ctx);

/** The project as the commands of a plan would leave it (what the read models then hold). */
function stored(commands: Record<string, unknown>[]): ProjectState {
  let state: ProjectState | null = null;
  for (const { type, projectId, occurredAt, ...data } of commands) {
    const at = new Date(Date.parse(occurredAt as string)).toISOString();
    const event =
      type === 'RegisterLead'
        ? { type: 'LeadRegistered', occurredAt: at, data: { projectId, ...data } }
        : type === 'SignProject'
          ? { type: 'ProjectSigned', occurredAt: at, data: { projectId, signedAmountWan: data.signedAmountWan } }
          : { type: 'ProjectStarted', occurredAt: at, data: { projectId, startedInvestmentWan: data.startedInvestmentWan } };
    state = evolve(state, event as ProjectEvent);
  }
  return state!;
}

describe('a ledger row', () => {
  it('of a new project: its lead (Beijing time, names turned into codes), then its signing', () => {
    const plan = planOf(rowOf(ledgerRow(10)), null);
    expect(plan.issues).toEqual([]);
    expect(plan.commands.map((c) => c.type)).toEqual(['RegisterLead', 'SignProject']);
    expect(plan.commands[0]).toMatchObject({
      investor: { originRegion: 'yrd' },
      industry: { sector: 'emerging' },
      industrial: true,
      channels: ['industry_chain', 'fund'],
      occurredAt: '2025-03-01T10:00:00+08:00',
    });
    expect(plan.commands[1]).toMatchObject({ signedAmountWan: 5000, occurredAt: '2025-04-01T10:00:00+08:00' });
  });

  it('of a project stored as the row says: nothing', () => {
    const first = planOf(rowOf(ledgerRow(10)), null);
    expect(planOf(rowOf(ledgerRow(10)), stored(first.commands))).toEqual({ commands: [], issues: [] });
  });

  it('edited: one correction of what differs, and the stages not yet recorded', () => {
    const first = planOf(rowOf(ledgerRow(3)), null);
    const edited = planOf(
      rowOf(ledgerRow(3, { '计划投资额(万元)': 8888, '签约额(万元)': 100, 签约时间: '2025-05-01' })),
      stored(first.commands),
    );
    expect(edited.commands.map((c) => c.type)).toEqual(['CorrectProject', 'SignProject']);
    expect(edited.commands[0]).toMatchObject({ changes: { plannedInvestmentWan: 8888 }, reason: '台账导入更正' });
    expect(edited.commands[1]).toMatchObject({ signedAmountWan: 100, occurredAt: '2025-05-01T00:00:00+08:00' });
  });

  it('with bad cells: no command, and each bad cell named by row, column and a reason in Chinese', () => {
    const plan = planOf(rowOf(ledgerRow(4, { 责任单位: '火星开发区', '签约额(万元)': 0, 签约时间: '2025-04-01' }), 7), null);
    expect(plan.commands).toEqual([]);
    expect(plan.issues).toEqual([
      { row: 7, column: '责任单位', reason: '不是有效的选项' },
      { row: 7, column: '签约额(万元)', reason: '必须是大于 0 的整数（万元）' },
    ]);
  });
});
