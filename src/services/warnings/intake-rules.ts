/**
 * The warning rules that fire when a case is registered (DOMAIN.md §6), inside the registration's
 * transaction — called before the case row is written, so everything about the new case comes from
 * the input and only earlier cases are read from the table:
 *
 * | rule | fires when | level | source key (raised once) |
 * |---|---|---|---|
 * | extreme_statement | the title or text threatens self-harm or violence (domain/warnings/extreme-statements.ts) | urgent, to a named person at once (warning-recipients.ts) | extreme:<case> |
 * | collective | the case carries the `collective` flag (≥ 5 petitioners, Art. 20) | high | collective:<case> |
 * | escalation | the case carries the `skip_level` flag (越级) | high | escalation:<case> |
 * | repeat_petitioner | the same person (blind indexes of ID number or phone, never decrypted) has ≥ `repeatMinCases` cases within `repeatWindowDays` counting this one, or this case repeats an earlier one (repeatOfId) and the person had repeated before | normal | repeat:<person>:<matter> |
 * | cluster | ≥ `clusterMinCases` cases (this one included) in the same community — or grid, where no community is above it — within `clusterWindowDays` about the same matter: the same `matterId`, or, without one, sharing ≥ `clusterMinSharedKeywords` keywords with this case | high | cluster:<unit>:matter:<matter> or cluster:<unit>:kw:<first case> |
 *
 * A later case of the same matter in the same place is linked to the cluster warning (its case ids grow);
 * a keyword cluster takes a later case that shares enough keywords with the words it was raised on.
 *
 * Art. 30 and confidentiality: a warning never puts an accusation or a confidential case where its
 * accused units could see it. Such a case raises only its own warnings (extreme statement, collective,
 * escalation, repeat), with the owner unit's path (never the grid's: the grid may be the accused) and the
 * accused paths that keep those units out (warning-store.ts), a title that does not quote it, and no
 * excerpt; it is never counted into, nor linked to, a cluster, which many units see.
 */
import crypto from 'node:crypto';
import { and, eq, gt, inArray, like, lte, ne, or, sql } from 'drizzle-orm';
import { detectExtremeStatements } from '../../domain/warnings/extreme-statements.js';
import type { Tx } from '../../store/database.js';
import { findUnitsById, pathIds } from '../../store/org-repository.js';
import { casePetitioners, cases, orgUnits, warnings } from '../../store/schema.js';
import type { AppContext } from '../context.js';
import { findNamedPerson } from './warning-recipients.js';
import { noticeRaisedWarning } from './warning-notices.js';
import { readWarningRules, type WarningRules } from './warning-settings.js';
import { raiseWarning, type RaiseWarningInput } from './warning-store.js';

export interface IntakeWarningInput {
  caseId: string;
  receivedAt: Date;
  title: string;
  content: string;
  flags: readonly string[];
  ownerUnit: { id: string; path: string };
  gridUnit: { id: string; path: string } | null;
  matterId: string | null;
  repeatOfId: string | null;
  keywords: readonly string[];
  person: { idIndexes: string[]; phoneIndexes: string[] };
  confidential: boolean;
  accusedUnitPaths: readonly string[];
}

const DAY_MS = 86_400_000;

/** Given a case being registered (inside the registration's transaction), raises the warnings its facts call for. */
export async function raiseIntakeWarnings(ctx: AppContext, tx: Tx, input: IntakeWarningInput): Promise<void> {
  const rules = await readWarningRules(tx);
  const sensitive = input.confidential || input.accusedUnitPaths.length > 0;
  // Where the warning belongs: the owner unit, and the grid it arose in unless the case is sensitive.
  const unitPaths = sensitive || !input.gridUnit ? [input.ownerUnit.path] : [...new Set([input.ownerUnit.path, input.gridUnit.path])];
  const quoted = sensitive ? (input.accusedUnitPaths.length ? '一件检举控告件' : '一件保密件') : `「${clip(input.title, 40)}」`;
  const common = { unitPaths, caseIds: [input.caseId], accusedUnitPaths: input.accusedUnitPaths };
  const raise = async (w: Omit<RaiseWarningInput, keyof typeof common>) => noticeRaisedWarning(ctx, tx, await raiseWarning(ctx, tx, { ...common, ...w }), { caseId: input.caseId });

  const extreme = detectExtremeStatements(`${input.title}\n${input.content}`);
  if (extreme.found) {
    const person = await findNamedPerson(tx, (input.gridUnit && !sensitive ? input.gridUnit : input.ownerUnit).path, input.accusedUnitPaths);
    const kindsZh = extreme.kinds.map((k) => (k === 'self_harm' ? '自伤自杀' : '暴力')).join('、');
    await raise({
      kind: 'extreme_statement',
      level: 'urgent',
      sourceKey: `extreme:${input.caseId}`,
      title: `${quoted}含${kindsZh}言论：${extreme.phrases.slice(0, 4).join('、')}`,
      detail: sensitive
        ? `信访件中出现${kindsZh}言论（${extreme.phrases.join('、')}），请指定专人立即核实、稳控。`
        : `信访件中出现${kindsZh}言论：${extreme.matches.slice(0, 3).map((m) => `“${m.excerpt}”`).join('；')}。请指定专人立即核实、稳控。`,
      assigneeId: person?.userId ?? null,
      data: { phrases: extreme.phrases, kinds: extreme.kinds, namedUnitId: person?.unitId ?? null },
    });
  }
  if (input.flags.includes('collective')) {
    await raise({ kind: 'collective', level: 'high', sourceKey: `collective:${input.caseId}`, title: `集体访：${quoted}`, detail: '五人以上联名或集体来访，请研判是否需要提前介入、做好接待和疏导。', data: {} });
  }
  if (input.flags.includes('skip_level')) {
    await raise({ kind: 'escalation', level: 'high', sourceKey: `escalation:${input.caseId}`, title: `越级信访：${quoted}`, detail: '信访人越级反映，请核实属地处理情况，防止矛盾升级。', data: {} });
  }
  await repeatRule(ctx, tx, input, rules, raise);
  if (!sensitive) await clusterRule(ctx, tx, input, rules, (w) => noticeRaisedWarning(ctx, tx, w, { caseId: input.caseId }));
}

type Raise = (w: Omit<RaiseWarningInput, 'unitPaths' | 'caseIds' | 'accusedUnitPaths'>) => Promise<number>;

async function repeatRule(ctx: AppContext, tx: Tx, input: IntakeWarningInput, rules: WarningRules, raise: Raise): Promise<void> {
  const { idIndexes, phoneIndexes } = input.person;
  if (!idIndexes.length && !phoneIndexes.length) return;
  const samePerson = or(
    idIndexes.length ? inArray(casePetitioners.idNumberBidx, idIndexes) : undefined,
    phoneIndexes.length ? inArray(casePetitioners.phoneBidx, phoneIndexes) : undefined,
  );
  const earlier = await tx
    .selectDistinct({ id: cases.id, receivedAt: cases.receivedAt, repeatOfId: cases.repeatOfId })
    .from(casePetitioners)
    .innerJoin(cases, and(eq(cases.region, casePetitioners.region), eq(cases.id, casePetitioners.caseId)))
    .where(and(eq(casePetitioners.region, ctx.config.REGION), samePerson, ne(cases.id, input.caseId), lte(cases.receivedAt, input.receivedAt)))
    .limit(1_000);
  const since = input.receivedAt.getTime() - rules.repeatWindowDays * DAY_MS;
  const recent = earlier.filter((c) => c.receivedAt.getTime() > since);
  const byCount = recent.length + 1 >= rules.repeatMinCases;
  const repeatedBefore = input.repeatOfId !== null && earlier.some((c) => c.repeatOfId !== null);
  if (!byCount && !repeatedBefore) return;
  // One warning per person and matter; the person is named by a hash of his blind index, nothing more.
  const personKey = crypto.createHash('sha256').update(idIndexes[0] ?? phoneIndexes[0]!).digest('hex').slice(0, 24);
  const matter = input.matterId ?? input.repeatOfId ?? '-';
  await raise({
    kind: 'repeat_petitioner',
    level: 'normal',
    sourceKey: `repeat:${personKey}:${matter}`,
    title: byCount ? `重复信访：同一信访人${rules.repeatWindowDays}日内第${recent.length + 1}件` : '重复信访：同一信访人再次重复反映',
    detail: `同一信访人（按身份证号或手机号识别）${rules.repeatWindowDays}日内已有${recent.length}件在先信访件${repeatedBefore ? '，且此前已有重复信访' : ''}。请核查在先件办理情况，防止久拖不决、矛盾升级。`,
    // the earlier cases are not linked: they may lie outside the scope of those who see this warning
    data: { recentCount: recent.length + 1, windowDays: rules.repeatWindowDays, repeatedBefore },
  });
}

async function clusterRule(ctx: AppContext, tx: Tx, input: IntakeWarningInput, rules: WarningRules, notice: (w: Awaited<ReturnType<typeof raiseWarning>>) => Promise<number>): Promise<void> {
  if (!input.gridUnit) return;
  const region = ctx.config.REGION;
  const chain = await findUnitsById(tx, pathIds(input.gridUnit.path));
  const community = pathIds(input.gridUnit.path)
    .map((id) => chain.get(id))
    .reverse()
    .find((u) => u?.kind === 'community');
  const place = community ? { id: community.id, path: community.path, name: community.name } : { id: input.gridUnit.id, path: input.gridUnit.path, name: chain.get(input.gridUnit.id)?.name ?? '' };
  const base = { unitPaths: [place.path], caseIds: [input.caseId] };
  const keywords = [...new Set(input.keywords)];

  // Already raised for this place and matter: the case joins it.
  let sourceKey: string | null = input.matterId ? `cluster:${place.id}:matter:${input.matterId}` : null;
  if (!sourceKey && keywords.length >= rules.clusterMinSharedKeywords) {
    const open = await tx
      .select({ sourceKey: warnings.sourceKey, data: warnings.data })
      .from(warnings)
      .where(and(eq(warnings.region, region), eq(warnings.kind, 'cluster'), like(warnings.sourceKey, `cluster:${place.id}:kw:%`), ne(warnings.state, 'withdrawn')));
    const hit = open.find((w) => sharedCount(((w.data as { keywords?: string[] }).keywords ?? []), keywords) >= rules.clusterMinSharedKeywords);
    if (hit) {
      await raiseWarning(ctx, tx, { kind: 'cluster', level: 'high', title: '', detail: '', sourceKey: hit.sourceKey, ...base });
      return;
    }
  }
  if (sourceKey) {
    const [known] = await tx.select({ id: warnings.id }).from(warnings).where(and(eq(warnings.region, region), eq(warnings.sourceKey, sourceKey))).limit(1);
    if (known) {
      await raiseWarning(ctx, tx, { kind: 'cluster', level: 'high', title: '', detail: '', sourceKey, ...base });
      return;
    }
  }

  const sameMatter = input.matterId
    ? sql`(${cases.matterId} = ${input.matterId} or ${cases.id} = ${input.matterId})`
    : keywords.length >= rules.clusterMinSharedKeywords
      ? sql`cardinality(array(select unnest(${cases.keywords}) intersect select unnest(array[${sql.join(keywords.map((k) => sql`${k}`), sql`, `)}]::text[]))) >= ${rules.clusterMinSharedKeywords}`
      : null;
  if (!sameMatter) return;
  const rows = await tx
    .select({ id: cases.id })
    .from(cases)
    .where(
      and(
        eq(cases.region, region),
        gt(cases.receivedAt, new Date(input.receivedAt.getTime() - rules.clusterWindowDays * DAY_MS)),
        lte(cases.receivedAt, input.receivedAt),
        inArray(cases.gridUnitId, tx.select({ id: orgUnits.id }).from(orgUnits).where(sql`starts_with(${orgUnits.path}, ${place.path})`)),
        eq(cases.confidential, false),
        sql`cardinality(${cases.accusedUnitPaths}) = 0`,
        ne(cases.id, input.caseId),
        sameMatter,
      ),
    )
    .limit(500);
  const count = rows.length + 1;
  if (count < rules.clusterMinCases) return;
  sourceKey ??= `cluster:${place.id}:kw:${input.caseId}`;
  const raised = await raiseWarning(ctx, tx, {
    kind: 'cluster',
    level: 'high',
    sourceKey,
    title: `聚集苗头：${place.name}${rules.clusterWindowDays}日内${count}件同类诉求`,
    detail: `${place.name}${rules.clusterWindowDays}日内收到${count}件${input.matterId ? '同一事项' : `内容相近（${keywords.slice(0, 5).join('、')}）`}的信访件，可能形成群体性诉求，请提前介入、化解在萌芽状态。`,
    ...base,
    caseIds: [...rows.map((r) => r.id), input.caseId],
    data: { placeUnitId: place.id, windowDays: rules.clusterWindowDays, count, matterId: input.matterId, keywords: input.matterId ? [] : keywords },
  });
  await notice(raised);
}

function sharedCount(a: readonly string[], b: readonly string[]): number {
  const set = new Set(a);
  return b.filter((k) => set.has(k)).length;
}

const clip = (s: string, n: number) => (s.length > n ? `${s.slice(0, n - 1)}…` : s);
