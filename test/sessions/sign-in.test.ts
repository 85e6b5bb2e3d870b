import { afterAll, beforeAll, expect, it } from 'vitest';
import { describeStorage } from '../support/storage.ts';
import { as, makeMember, startHub, type TestHub, type TestMember } from '../support/app.ts';
import { totpAt } from '../../src/sessions/totp.ts';
import { verifyAuditChain } from '../../src/audit/audit.verify.ts';
import { SessionsService } from '../../src/sessions/sessions.service.ts';

const PASSWORD = 'correct horse battery staple';

function cookieOf(res: { headers: Record<string, unknown> }): string {
  const set = String(res.headers['set-cookie'] ?? '');
  const m = /kessetsu_session=([^;]*)/.exec(set);
  if (!m) throw new Error(`no session cookie in ${set}`);
  return `kessetsu_session=${m[1]}`;
}

describeStorage('sign-in: passwords, sessions, CSRF, lock-out, TOTP', (backend) => {
  let hub: TestHub;
  let bank: TestMember;
  let analyst: TestMember;

  async function setLogin(userId: string, username: string, key = hub.adminKey, extra: Record<string, string> = {}) {
    return hub.server.inject({ method: 'PUT', url: `/api/v1/users/${userId}/login`, headers: as(key), payload: { username, password: PASSWORD, ...extra } });
  }
  async function signIn(username: string, password = PASSWORD) {
    return hub.server.inject({ method: 'POST', url: '/api/v1/session', payload: { username, password }, headers: { 'user-agent': 'test' } });
  }

  beforeAll(async () => {
    hub = await startHub(backend);
    bank = await makeMember(hub, { name: 'Sakura Bank' });
    analyst = await makeMember(hub, { name: 'Hub Staff', kind: 'hub', role: 'hub_analyst' });
    expect((await setLogin(bank.userId, 'Alice.Sakura')).statusCode).toBe(204);
    expect((await setLogin(analyst.userId, 'hana')).statusCode).toBe(204);
  });
  afterAll(() => hub?.close());

  it('signs a member in with an HttpOnly SameSite cookie that acts as the user on the API', async () => {
    const res = await signIn('alice.sakura');
    expect(res.statusCode, res.body).toBe(200);
    expect(res.json()).toMatchObject({ stage: 'full', user: { id: bank.userId, username: 'alice.sakura' }, org: { name: 'Sakura Bank', nda_accepted: true } });
    const set = String(res.headers['set-cookie']);
    expect(set).toMatch(/HttpOnly/);
    expect(set).toMatch(/SameSite=Strict/);
    const cookie = cookieOf(res);
    const me = await hub.server.inject({ method: 'GET', url: '/api/v1/me', headers: { cookie } });
    expect(me.statusCode).toBe(200);
    expect(me.json().user_id).toBe(bank.userId);
    // The database keeps only a hash of the token.
    const token = cookie.split('=')[1]!;
    const rows = await hub.app.storage.db.selectFrom('web_sessions').select('id').execute();
    expect(rows.some((r) => r.id === token)).toBe(false);
  });

  it('refuses cookie-authenticated writes without the CSRF token; API keys need none', async () => {
    const res = await signIn('alice.sakura');
    const cookie = cookieOf(res);
    const csrf = res.json().csrf_token as string;
    const body = { values: ['198.51.100.7'] };
    const without = await hub.server.inject({ method: 'POST', url: '/api/v1/lookup', headers: { cookie }, payload: body });
    expect(without.statusCode).toBe(403);
    expect(without.json().error.message).toMatch(/CSRF/);
    const wrong = await hub.server.inject({ method: 'POST', url: '/api/v1/lookup', headers: { cookie, 'x-csrf-token': csrf.slice(1) + 'x' }, payload: body });
    expect(wrong.statusCode).toBe(403);
    const right = await hub.server.inject({ method: 'POST', url: '/api/v1/lookup', headers: { cookie, 'x-csrf-token': csrf }, payload: body });
    expect(right.statusCode, right.body).toBe(200);
    const bearer = await hub.server.inject({ method: 'POST', url: '/api/v1/lookup', headers: as(bank.key), payload: body });
    expect(bearer.statusCode).toBe(200);
  });

  it('answers the same error for an unknown user and a wrong password, and locks after five failures', async () => {
    const unknown = await signIn('nobody');
    const wrong = await signIn('alice.sakura', 'not the password at all');
    expect(unknown.statusCode).toBe(401);
    expect(wrong.statusCode).toBe(401);
    expect(unknown.json().error.message).toBe(wrong.json().error.message);
    for (let i = 0; i < 4; i++) expect((await signIn('alice.sakura', 'still not the password')).statusCode).toBe(401);
    // Locked now: even the right password is refused until the lock ends or an admin sets a new one.
    const locked = await signIn('alice.sakura');
    expect(locked.statusCode).toBe(429);
    expect(locked.json().error.details.locked_until).toBeTruthy();
    expect((await setLogin(bank.userId, 'alice.sakura')).statusCode).toBe(204);
    expect((await signIn('alice.sakura')).statusCode).toBe(200);
  });

  it('makes a hub analyst enrol TOTP before the session works, then asks for a code at every sign-in', async () => {
    const first = await signIn('hana');
    expect(first.json().stage).toBe('enrol');
    const cookie = cookieOf(first);
    const csrf = first.json().csrf_token as string;
    const h = { cookie, 'x-csrf-token': csrf };
    // Half signed in: the API still sees nobody.
    expect((await hub.server.inject({ method: 'GET', url: '/api/v1/me', headers: { cookie } })).statusCode).toBe(401);
    const enrol = await hub.server.inject({ method: 'POST', url: '/api/v1/session/totp/enrol', headers: h });
    expect(enrol.statusCode, enrol.body).toBe(200);
    const secret = enrol.json().secret as string;
    expect(enrol.json().otpauth_uri).toContain('otpauth://totp/Kessetsu%3Ahana');
    expect((await hub.server.inject({ method: 'POST', url: '/api/v1/session/totp/confirm', headers: h, payload: { code: '000000' } })).statusCode).toBe(401);
    // The very code of the enrolment is replayed below: a code computed again later may belong to the next
    // 30-second step (a new code, rightly accepted), which made this test fail at step boundaries.
    const enrolCode = totpAt(secret, Date.now());
    const ok = await hub.server.inject({ method: 'POST', url: '/api/v1/session/totp/confirm', headers: h, payload: { code: enrolCode } });
    expect(ok.statusCode, ok.body).toBe(200);
    expect(ok.json()).toMatchObject({ stage: 'full', totp_enrolled: true, totp_required: true });
    expect((await hub.server.inject({ method: 'GET', url: '/api/v1/me', headers: { cookie } })).json().role).toBe('hub_analyst');

    const second = await signIn('hana');
    expect(second.json().stage).toBe('totp');
    const h2 = { cookie: cookieOf(second), 'x-csrf-token': second.json().csrf_token as string };
    // The code used for enrolment cannot be replayed.
    expect((await hub.server.inject({ method: 'POST', url: '/api/v1/session/totp', headers: h2, payload: { code: enrolCode } })).statusCode).toBe(401);
    const passed = await hub.server.inject({ method: 'POST', url: '/api/v1/session/totp', headers: h2, payload: { code: totpAt(secret, Date.now() + 30_000) } });
    expect(passed.statusCode, passed.body).toBe(200);
    expect(passed.json().stage).toBe('full');
  });

  it('signs out one session, then every session of the person', async () => {
    const a = await signIn('alice.sakura');
    const b = await signIn('alice.sakura');
    const ca = cookieOf(a);
    const cb = cookieOf(b);
    const out = await hub.server.inject({ method: 'DELETE', url: '/api/v1/session', headers: { cookie: ca, 'x-csrf-token': a.json().csrf_token } });
    expect(out.statusCode).toBe(204);
    expect(String(out.headers['set-cookie'])).toMatch(/Max-Age=0/);
    expect((await hub.server.inject({ method: 'GET', url: '/api/v1/me', headers: { cookie: ca } })).statusCode).toBe(401);
    expect((await hub.server.inject({ method: 'GET', url: '/api/v1/me', headers: { cookie: cb } })).statusCode).toBe(200);
    const c = await signIn('alice.sakura');
    const all = await hub.server.inject({ method: 'POST', url: '/api/v1/session/sign-out-everywhere', headers: { cookie: cookieOf(c), 'x-csrf-token': c.json().csrf_token } });
    expect(all.json().signed_out).toBeGreaterThanOrEqual(2);
    expect((await hub.server.inject({ method: 'GET', url: '/api/v1/me', headers: { cookie: cb } })).statusCode).toBe(401);
  });

  it('lets people change their own password only with the current one, and admins enrol TOTP for the CLI', async () => {
    expect((await setLogin(bank.userId, 'alice.sakura', bank.key, { current_password: 'wrong' })).statusCode).toBe(403);
    expect((await setLogin(bank.userId, 'alice.sakura', bank.key, { current_password: PASSWORD })).statusCode).toBe(204);
    expect((await setLogin(analyst.userId, 'taken', bank.key)).statusCode).toBe(404);
    expect((await setLogin(bank.userId, 'hana')).statusCode).toBe(409);
    const short = await hub.server.inject({ method: 'PUT', url: `/api/v1/users/${bank.userId}/login`, headers: as(hub.adminKey), payload: { username: 'alice.sakura', password: 'short' } });
    expect(short.statusCode).toBe(400);
    expect((await hub.server.inject({ method: 'POST', url: `/api/v1/users/${bank.userId}/totp`, headers: as(bank.key) })).statusCode).toBe(403);
    const enrol = await hub.server.inject({ method: 'POST', url: `/api/v1/users/${bank.userId}/totp`, headers: as(hub.adminKey) });
    expect(enrol.statusCode).toBe(200);
    const s = await signIn('alice.sakura');
    expect(s.json().stage).toBe('totp');
    expect((await hub.server.inject({ method: 'DELETE', url: `/api/v1/users/${bank.userId}/totp`, headers: as(hub.adminKey) })).statusCode).toBe(204);
    expect((await signIn('alice.sakura')).json().stage).toBe('full');
    expect((await verifyAuditChain(hub.app.storage.db)).ok).toBe(true);
  });

  it('stores passwords at the product’s scrypt cost (N=2^15, r=8) unless told otherwise, and signs in with either', async () => {
    // Test hubs hash passwords at a low cost (test/support/app.ts); the product's own options must not.
    const hashOf = async (userId: string) => (await hub.app.storage.db.selectFrom('user_logins').select('password_hash').where('user_id', '=', userId).executeTakeFirstOrThrow()).password_hash;
    expect(await hashOf(analyst.userId)).toMatch(/^scrypt\$1024\$8\$1\$/);
    const person = await makeMember(hub, { name: 'Kiku Bank' });
    await new SessionsService(hub.app.storage.db).setPassword(null, person.userId, { username: 'kiku', password: PASSWORD });
    expect(await hashOf(person.userId)).toMatch(/^scrypt\$32768\$8\$1\$[A-Za-z0-9_-]{22}\$[A-Za-z0-9_-]{43}$/);
    expect((await signIn('kiku')).statusCode).toBe(200);
    expect((await signIn('kiku', 'not the password at all')).statusCode).toBe(401);
  });

  it('keeps a public viewer for a bad cookie and for pages outside /api/', async () => {
    const me = await hub.server.inject({ method: 'GET', url: '/api/v1/me', headers: { cookie: 'kessetsu_session=AAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAA' } });
    expect(me.statusCode).toBe(401);
    const page = await hub.server.inject({ method: 'GET', url: '/' });
    expect(page.statusCode).toBe(200);
    expect(page.headers['content-type']).toMatch(/text\/html/);
  });
});
