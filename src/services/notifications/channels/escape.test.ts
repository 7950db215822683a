import { describe, expect, it } from 'vitest';
import { dingtalkBody } from './dingtalk.js';
import { wecomBody } from './wecom.js';

const hostile = { kind: 'overdue', level: 'red' as const, title: '已超期：![](http://x.example/t.png)[点此处理](http://phish.example)', body: '<img src=x onerror=alert(1)> **急**', caseId: null, unitId: null, dedupeKey: 'k' };

describe('robot messages carry citizens\' text inert', () => {
  it('no link, image or HTML survives in DingTalk or WeCom markdown, and the words stay readable', () => {
    for (const text of [dingtalkBody(hostile as never).markdown.text, wecomBody(hostile as never).markdown.content]) {
      expect(text).not.toMatch(/\]\(|!\[|<img/);
      expect(text).toContain('点此处理');
      expect(text).toContain('http://phish.example');
    }
  });
});
