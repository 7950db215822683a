/**
 * The fields of a case (DOMAIN.md §2) as closed vocabularies, with their zh-CN labels, and the
 * flags the system derives from them.
 */
export const CHANNELS = ['online', 'qr', 'phone', 'letter', 'visit', 'leader_reception', 'grid_report', 'transfer_12345'] as const;
export type Channel = (typeof CHANNELS)[number];
export const CHANNEL_LABELS: Record<Channel, string> = {
  online: '网上信访',
  qr: '码上办',
  phone: '来电',
  letter: '来信',
  visit: '来访',
  leader_reception: '领导接访',
  grid_report: '网格上报',
  transfer_12345: '12345转办',
};
/** Channels a citizen uses without an account; the rest are entered by staff. */
export const PUBLIC_CHANNELS: readonly Channel[] = ['online', 'qr'];

export const NATURES = ['suggestion', 'accusation', 'appeal'] as const;
export type Nature = (typeof NATURES)[number];
export const NATURE_LABELS: Record<Nature, string> = { suggestion: '建议意见', accusation: '检举控告', appeal: '申诉求决' };

export const TYPES_12345 = ['inquiry', 'help', 'complaint', 'report', 'suggestion'] as const;
export type Type12345 = (typeof TYPES_12345)[number];
export const TYPE_12345_LABELS: Record<Type12345, string> = { inquiry: '咨询', help: '求助', complaint: '投诉', report: '举报', suggestion: '建议' };

export const URGENCIES = ['normal', 'urgent', 'utility', 'complex'] as const;
export type Urgency = (typeof URGENCIES)[number];
export const URGENCY_LABELS: Record<Urgency, string> = { normal: '一般', urgent: '紧急', utility: '水电气热', complex: '疑难复杂' };

export const FLAGS = ['repeat', 'skip_level', 'collective', 'backlog', 'leader_owned', 'law_related', 'returned'] as const;
export type Flag = (typeof FLAGS)[number];
export const FLAG_LABELS: Record<Flag, string> = {
  repeat: '重复',
  skip_level: '越级',
  collective: '集体',
  backlog: '积案',
  leader_owned: '包案',
  law_related: '涉法涉诉',
  returned: '倒流',
};

/** Art. 20: five or more people make a collective petition; they choose at most five representatives. */
export const COLLECTIVE_THRESHOLD = 5;
export const MAX_REPRESENTATIVES = 5;

const LAW_WORDS = /法院|判决|裁定|诉讼|起诉|仲裁|执行款|申诉|检察院|公安|立案/;

export interface FlagFacts {
  petitionerCount: number;
  hasEarlierCaseOfSamePerson: boolean;
  /** received at a level above the one in charge (the district's own units did not see it first) */
  receivedAboveDistrict: boolean;
  ownerLeaderId: string | null;
  categoryName: string | null;
  text: string;
  returnedFromHigherLevel: boolean;
}

/** Given the facts at intake, returns the derived flags (DOMAIN.md §2). */
export function deriveFlags(f: FlagFacts): Flag[] {
  const flags: Flag[] = [];
  if (f.hasEarlierCaseOfSamePerson) flags.push('repeat');
  if (f.receivedAboveDistrict) flags.push('skip_level');
  if (f.petitionerCount >= COLLECTIVE_THRESHOLD) flags.push('collective');
  if (f.ownerLeaderId) flags.push('leader_owned');
  if (f.categoryName === '政法' || LAW_WORDS.test(f.text)) flags.push('law_related');
  if (f.returnedFromHigherLevel) flags.push('returned');
  return flags;
}
