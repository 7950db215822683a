/**
 * Every string the web app shows, in zh-CN, in one module (parts kept per area so they can be
 * edited side by side; another locale mirrors this shape).
 */
import { common } from './zh-CN/common';
import { citizen } from './zh-CN/citizen';
import { staff } from './zh-CN/staff';
import { admin } from './zh-CN/admin';
import { reception } from './zh-CN/reception';
import { ledger } from './zh-CN/ledger';
import { spotChecks } from './zh-CN/spot-checks';
import { channels } from './zh-CN/channels';
import { warnings } from './zh-CN/warnings';
import { hotIssues } from './zh-CN/hot-issues';
import { lexicon } from './zh-CN/lexicon';
import { intelligence } from './zh-CN/intelligence';
import { cockpit } from './zh-CN/cockpit';
import { integrations } from './zh-CN/integrations';
import { questions } from './zh-CN/questions';
import { bulk } from './zh-CN/bulk';

export const t = { common, citizen, staff, admin, reception, ledger, spotChecks, channels, hotIssues, lexicon, warnings, intelligence, cockpit, questions, integrations, bulk };
