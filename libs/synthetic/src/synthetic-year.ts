import { randomUUID } from 'node:crypto';
import { CHANNELS, creditCodeCheckCharacter, type ReferenceCatalog } from '@app/domain';

/**
 * A seeded, realistic year of commands (contract §2) for demos and benchmarks: leads across
 * units, chains and regions, visits, fund investments, signings and starts with plausible
 * delays, drops, corrections (amounts, signing dates, units) and late entries. The same seed
 * gives the same commands, except the generated ids.
 */
export interface SyntheticYearOptions {
  readonly seed: number;
  readonly year: number;
  readonly projects: number;
  readonly activities?: number;
  /** No business time after this instant (the API refuses times far in the future). */
  readonly notAfter?: Date;
  /** Most visits a project gets (3): more makes longer streams, for benchmarks. */
  readonly maxVisits?: number;
}

export type Command = Record<string, unknown> & { type: string; occurredAt: string };

const DAY = 86_400_000;

/** mulberry32: small, fast, good enough for test data. */
export function seededRandom(seed: number): () => number {
  let a = seed >>> 0;
  return () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

function weighted<T>(random: () => number, choices: readonly [T, number][]): T {
  const total = choices.reduce((s, [, w]) => s + w, 0);
  let r = random() * total;
  for (const [value, weight] of choices) {
    r -= weight;
    if (r <= 0) return value;
  }
  return choices[choices.length - 1][0];
}

/** Cities of each origin region, for the activities' titles. */
export const REGION_CITIES: Readonly<Record<string, readonly string[]>> = {
  henan: ['洛阳', '开封', '新乡', '许昌'],
  yrd: ['上海', '苏州', '杭州', '南京', '宁波'],
  gba: ['深圳', '广州', '东莞', '佛山'],
  jjj: ['北京', '天津', '雄安'],
  other_domestic: ['成都', '重庆', '武汉', '西安', '长沙'],
  hkmo: ['香港', '澳门'],
  europe_us: ['法兰克福', '慕尼黑', '巴黎', '波士顿', '硅谷'],
  japan_korea: ['东京', '大阪', '首尔'],
  asean: ['新加坡', '吉隆坡', '曼谷', '雅加达'],
  central_asia: ['阿拉木图', '塔什干'],
  other_overseas: ['迪拜', '悉尼'],
};

const REGIONS: [string, number][] = [
  ['henan', 25],
  ['yrd', 16],
  ['gba', 14],
  ['jjj', 13],
  ['other_domestic', 14],
  ['hkmo', 4],
  ['europe_us', 5],
  ['japan_korea', 4],
  ['asean', 2],
  ['central_asia', 1],
  ['other_overseas', 2],
];
const CHANNEL_WEIGHTS: [string, number][] = [
  ['industry_chain', 30],
  ['fund', 10],
  ['intermediary', 8],
  ['university', 6],
  ['park_vc', 5],
  ['research_institute', 3],
  ['overseas', 6],
  ['live_commerce', 3],
  ['platform', 8],
  ['event', 12],
  ['other', 9],
];
const ALPHABET = '0123456789ABCDEFGHJKLMNPQRTUWXY';
const SURNAMES = ['华', '中', '新', '宇', '远', '恒', '天', '瑞', '鼎', '鸿', '汇', '嘉', '润', '博', '启', '安'];
const SUFFIXES = ['科技', '实业', '智能', '新能源', '生物医药', '材料', '电子', '汽车', '供应链', '数据'];

export function syntheticYear(reference: ReferenceCatalog, options: SyntheticYearOptions): Command[] {
  const { ordered, late, corrections } = syntheticYearParts(reference, options);
  return [...ordered, ...late, ...corrections];
}

/** A synthetic year in three parts: recorded on time (in business-time order), recorded late, and the corrections. */
export interface SyntheticYearParts {
  readonly ordered: Command[];
  readonly late: Command[];
  readonly corrections: Command[];
}

export function syntheticYearParts(reference: ReferenceCatalog, options: SyntheticYearOptions): SyntheticYearParts {
  const random = seededRandom(options.seed);
  const between = (min: number, max: number) => min + random() * (max - min);
  const yearStart = Date.parse(`${options.year}-01-01T00:00:00+08:00`);
  const notAfter = Math.min(options.notAfter?.getTime() ?? Infinity, Date.parse(`${options.year + 1}-01-01T00:00:00+08:00`) - 1);
  const iso = (ms: number) => new Date(Math.min(ms, notAfter)).toISOString().replace('Z', '+00:00');
  const units = [...reference.units.keys()];
  const unitWeights = units.map(
    (u) => [u, reference.units.get(u)!.kind === 'zone' ? 4 : reference.units.get(u)!.kind === 'special' ? 2 : 1] as [string, number],
  );
  const chains = [...reference.chains.keys()];
  const funds = [...reference.funds.keys()];
  const pick = <T>(list: readonly T[]) => list[Math.floor(random() * list.length)];

  const ordered: Command[] = [];
  const corrections: Command[] = [];
  const late: Command[] = [];
  for (let i = 0; i < options.projects; i++) {
    const projectId = randomUUID();
    const leadAt = yearStart + between(0, 330) * DAY;
    const isLate = random() < 0.03;
    const out = isLate ? late : ordered;
    const channels = [...new Set([weighted(random, CHANNEL_WEIGHTS), ...(random() < 0.3 ? [weighted(random, CHANNEL_WEIGHTS)] : [])])];
    const amount = Math.max(100, Math.round(Math.exp(between(Math.log(2_000), Math.log(600_000))) / 100) * 100);
    const hasCode = random() < 0.7;
    const first17 = Array.from({ length: 17 }, () => pick(ALPHABET.split(''))).join('');
    const name = `${pick(SURNAMES)}${pick(SURNAMES)}${pick(SUFFIXES)}`;
    out.push({
      type: 'RegisterLead',
      projectId,
      name: `${name}项目`,
      investor: {
        name: `${name}${random() < 0.5 ? '股份有限公司' : '有限公司'}`,
        ...(hasCode ? { creditCode: first17 + creditCodeCheckCharacter(first17) } : {}),
        originRegion: weighted(random, REGIONS),
        top500: random() < 0.05,
      },
      industry: {
        chain: pick(chains),
        sector: weighted(random, [
          ['emerging', 50],
          ['future', 15],
          ['other', 35],
        ]),
      },
      industrial: random() < 0.7,
      channels: channels.length > 0 ? channels : [pick(CHANNELS)],
      unit: weighted(random, unitWeights),
      plannedInvestmentWan: Math.round(amount * between(0.8, 1.5)),
      occurredAt: iso(leadAt),
    });
    let last = leadAt;
    const visits = random() < 0.65 ? 1 + Math.floor(random() * (options.maxVisits ?? 3)) : 0;
    for (let v = 0; v < visits; v++) {
      last += between(1, 90 / (options.maxVisits ?? 3)) * DAY;
      out.push({ type: 'RecordVisit', projectId, direction: random() < 0.6 ? 'inbound' : 'outbound', occurredAt: iso(last) });
    }
    if (random() < 0.08) {
      out.push({ type: 'DropProject', projectId, reason: '企业投资计划调整', occurredAt: iso(last + between(5, 60) * DAY) });
      continue;
    }
    if (random() < 0.06) {
      last += between(1, 20) * DAY;
      out.push({
        type: 'RecordFundInvestment',
        projectId,
        fund: pick(funds),
        amountWan: Math.round(amount * between(0.02, 0.2)) + 1,
        occurredAt: iso(last),
      });
    }
    if (random() >= 0.4) continue;
    const signedAt = last + between(10, 120) * DAY;
    if (signedAt > notAfter) continue;
    out.push({ type: 'SignProject', projectId, signedAmountWan: amount, occurredAt: iso(signedAt) });
    if (random() < 0.05)
      corrections.push({
        type: 'CorrectProject',
        projectId,
        changes: { signedAmountWan: Math.round(amount * between(0.8, 1.2)) + 1 },
        reason: '合同金额核对更正',
        occurredAt: iso(notAfter),
      });
    if (random() < 0.02)
      corrections.push({
        type: 'CorrectProject',
        projectId,
        changes: { signedAt: iso(signedAt - between(1, 9) * DAY) },
        reason: '签约日期更正',
        occurredAt: iso(notAfter),
      });
    if (random() < 0.01)
      corrections.push({
        type: 'CorrectProject',
        projectId,
        changes: { unit: weighted(random, unitWeights) },
        reason: '责任单位调整',
        occurredAt: iso(notAfter),
      });
    if (random() < 0.55) {
      const startedAt = signedAt + between(15, 150) * DAY;
      if (startedAt > notAfter - 25 * DAY) continue;
      out.push({
        type: 'StartProject',
        projectId,
        startedInvestmentWan: Math.max(1, Math.round(amount * between(0.2, 0.8))),
        occurredAt: iso(startedAt),
      });
    }
  }
  for (let i = 0; i < (options.activities ?? Math.round(options.projects / 10)); i++) {
    const kind = weighted(random, [
      ['outbound', 55],
      ['inbound', 30],
      ['conference', 15],
    ]);
    const region = weighted(random, REGIONS);
    // The title names a city of the activity's region: a trip to Europe is not called 赴新加坡….
    const city = pick(REGION_CITIES[region] ?? ['外地']);
    const topic = pick(['新能源汽车', '电子信息', '先进装备', '现代食品', '生物医药', '新材料']);
    const form = pick(['推介会', '对接会', '洽谈会']);
    ordered.push({
      type: 'RecordActivity',
      kind,
      title:
        kind === 'outbound'
          ? `赴${city}${topic}产业链招商${form}`
          : kind === 'inbound'
            ? `${city}${topic}客商来郑考察`
            : `${city}${topic}${form}`,
      region,
      unit: weighted(random, unitWeights),
      occurredAt: iso(yearStart + between(0, 360) * DAY),
    });
  }
  // A project's commands keep their order under a stable sort (each is later than the one before).
  ordered.sort((a, b) => Date.parse(a.occurredAt) - Date.parse(b.occurredAt));
  late.sort((a, b) => Date.parse(a.occurredAt) - Date.parse(b.occurredAt));
  return { ordered, late, corrections };
}

/**
 * What integrity checks look for, in realistic small numbers, planted in a synthetic year:
 * signed amounts raised to 130 %, quarter-end signings moved into the next quarter, and
 * investors whose signed project another unit also claims (重复统计). Corrections are dated `at`.
 */
export function integrityCases(reference: ReferenceCatalog, commands: readonly Command[], at: string, seed = 7): Command[] {
  const random = seededRandom(seed);
  const leads = new Map(commands.filter((c) => c.type === 'RegisterLead').map((c) => [c.projectId as string, c]));
  const signings = commands.filter((c) => c.type === 'SignProject');
  const units = [...reference.units.keys()];
  const out: Command[] = [];
  for (const signing of signings.filter(() => random() < 0.004)) {
    out.push({
      type: 'CorrectProject',
      projectId: signing.projectId,
      changes: { signedAmountWan: Math.round((signing.signedAmountWan as number) * 1.3) },
      reason: '补充协议增资',
      occurredAt: at,
    });
  }
  const quarterEnd = signings.filter((s) => {
    const local = new Date(Date.parse(s.occurredAt) + 8 * 3_600_000);
    const month = local.getUTCMonth() + 1;
    return month % 3 === 0 && local.getUTCDate() >= 24 && month < 12;
  });
  for (const signing of quarterEnd.filter(() => random() < 0.08)) {
    out.push({
      type: 'CorrectProject',
      projectId: signing.projectId,
      changes: { signedAt: new Date(Date.parse(signing.occurredAt) + 10 * DAY).toISOString() },
      reason: '签约仪式延期，按实际签约日期更正',
      occurredAt: at,
    });
  }
  for (const signing of signings.filter(() => random() < 0.003)) {
    const lead = leads.get(signing.projectId as string)!;
    const projectId = randomUUID();
    const unit = units.find((u) => u !== lead.unit && reference.units.get(u)!.kind !== 'special')!;
    out.push(
      { ...lead, projectId, unit, name: `${lead.name as string}（${reference.units.get(unit)!.name}）` },
      {
        type: 'SignProject',
        projectId,
        signedAmountWan: signing.signedAmountWan,
        occurredAt: new Date(Date.parse(signing.occurredAt) + DAY).toISOString(),
      },
    );
  }
  return out;
}
