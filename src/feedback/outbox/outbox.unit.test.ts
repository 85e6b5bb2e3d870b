import { describe, expect, it } from 'vitest';
import { backoffMs } from './dispatcher.ts';
import { renderAlertMail } from './mail.templates.ts';
import { signWebhook, verifyWebhook } from './webhook.signature.ts';
import { refusedAddress } from './target.guard.ts';
import type { AlertBody } from '../subscriptions/alert.draft.ts';

describe('webhook signature', () => {
  it('is HMAC-SHA256 of "t.body" and checks secret, body and age', () => {
    // printf '1767225600.{"a":1}' | openssl dgst -sha256 -hmac whsec_x
    expect(signWebhook('whsec_x', '{"a":1}', 1767225600)).toBe('t=1767225600,v1=a1ad043d78b5a030f1002ef7889226997f36422e612f57461a818e4ff85be97d');
    const h = signWebhook('s', 'body', 1000);
    expect(verifyWebhook('s', 'body', h, 300, 1100)).toBe(true);
    expect(verifyWebhook('s', 'body', h, 300, 1400)).toBe(false);
    expect(verifyWebhook('s', 'body2', h, 300, 1100)).toBe(false);
    expect(verifyWebhook('s', 'body', undefined)).toBe(false);
    expect(verifyWebhook('s', 'body', 't=1000,v1=zz', 300, 1100)).toBe(false);
    expect(verifyWebhook('s', 'body', `${h},v1=${'0'.repeat(64)}`, 300, 1100)).toBe(true);
  });
});

describe('backoff', () => {
  it('doubles from the base up to the cap, with ±20 % jitter', () => {
    const o = { backoffBaseMs: 1000, backoffMaxMs: 60_000 };
    expect([1, 2, 3, 4].map((n) => backoffMs(n, o, 0.5))).toEqual([1000, 2000, 4000, 8000]);
    expect(backoffMs(30, o, 0.5)).toBe(60_000);
    expect(backoffMs(1, o, 0)).toBe(800);
    expect(backoffMs(1, o, 1)).toBe(1200);
  });
});

describe('alert e-mail', () => {
  const body: AlertBody = {
    kind: 'asset',
    subscription: { id: 's', name: 'ブランド監視' },
    source: {},
    contributor: { name: null, sector: 'finance', anonymous: true },
    total: 3,
    truncated: true,
    matches: [
      { value: 'http://secure-sakura.example/login', type: 'url', reason: 'brand "sakura"', object_ids: [], tlp: 'amber' },
      { value: '198.51.100.3', type: 'ipv4-addr', reason: 'address in 198.51.100.0/24', object_ids: [], tlp: 'green' },
    ],
    details: {},
  };
  it('in Japanese: marked with the strictest TLP, defanged, reasons translated', () => {
    const m = renderAlertMail('ja', 'Brand "sakura" imitated', body);
    expect(m.subject).toBe('[TLP:AMBER] 【Kessetsu】貴組織の資産またはブランドを模倣した情報が共有されました');
    expect(m.text).toContain('- hxxp://secure-sakura[.]example/login  (ブランド「sakura」の模倣, TLP:AMBER)');
    expect(m.text).toContain('- 198[.]51[.]100[.]3  (アドレス範囲 198.51.100.0/24 内, TLP:GREEN)');
    expect(m.text).toContain('提供元: 匿名の組織（finance）');
    expect(m.text).toContain('ほか 1 件');
  });
  it('in English', () => {
    const m = renderAlertMail('en', 'Brand "sakura" imitated', body);
    expect(m.subject).toBe('[TLP:AMBER] [Kessetsu] Brand "sakura" imitated');
    expect(m.text).toContain('Shared by: an organisation (finance)');
    expect(m.text).toContain('and 1 more');
  });
});

describe('webhook targets', () => {
  it('only public unicast addresses are dialled', () => {
    expect(refusedAddress('127.0.0.1')).toBe('127.0.0.1 is a loopback address');
    expect(refusedAddress('169.254.169.254')).toBe('169.254.169.254 is a linkLocal address');
    expect(refusedAddress('10.1.2.3')).toBe('10.1.2.3 is a private address');
    expect(refusedAddress('::ffff:192.168.0.1')).toBe('192.168.0.1 is a private address');
    expect(refusedAddress('fd00::1')).toBe('fd00::1 is a uniqueLocal address');
    expect(refusedAddress('0.0.0.0')).toBe('0.0.0.0 is a unspecified address');
    expect(refusedAddress('8.8.8.8')).toBeUndefined();
    expect(refusedAddress('2001:4860:4860::8888')).toBeUndefined();
  });
});
