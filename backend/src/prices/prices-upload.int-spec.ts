/**
 * POST /api/prices against the real backend process and a real influxd: the document as text/csv
 * (European ";" and decimal comma, tab-separated, plain comma CSV) or as JSON, read back through
 * GET /api/prices; bad input is a 400/415 with a message saying what is expected, and nothing that was
 * stored changes. An upload needs a control token (docs/security.md).
 */
import request from 'supertest';
import { SimulatedRig } from '../../../hil-tests/rig/simulated-rig';
import { TokenStore } from '../security/tokens/token-store';

jest.setTimeout(120_000);

const DAY = '2025-11-26';
const EUROPEAN_CSV = [
  'start;end;price',
  `${DAY}T00:00+01:00;${DAY}T01:00+01:00;0,1234`,
  `${DAY}T01:00+01:00;${DAY}T02:00+01:00;0,0987`,
  `${DAY}T02:00+01:00;${DAY}T03:00+01:00;-0,0012`,
].join('\n');
const EUROPEAN_SLOTS = [
  { start: '2025-11-25T23:00:00.000Z', end: '2025-11-26T00:00:00.000Z', price: 0.1234 },
  { start: '2025-11-26T00:00:00.000Z', end: '2025-11-26T01:00:00.000Z', price: 0.0987 },
  { start: '2025-11-26T01:00:00.000Z', end: '2025-11-26T02:00:00.000Z', price: -0.0012 },
];

describe('POST /api/prices (real backend and influxd)', () => {
  const rig = new SimulatedRig();
  let api: ReturnType<typeof request.agent>;
  let tokens: Record<'read' | 'control', string>;

  beforeAll(async () => {
    await rig.start();
    // Until the backend has set up its retention policies, prices go to the default policy but are read
    // from rp_history afterwards (RetentionService.historyRp): wait, so each test reads what it wrote.
    await rig.backend.waitFor(/retention policies and continuous queries ready/, 60_000);
    api = request.agent(rig.restUrl.replace(/\/api$/, '')).set('authorization', `Bearer ${rig.adminToken}`);
    const store = TokenStore.inDataDir(rig.backendDataDir);
    tokens = { read: (await store.create('read')).token, control: (await store.create('control')).token };
  });

  afterAll(async () => {
    await rig.stop();
  });

  const stored = async (area: string) => {
    const res = await api.get('/api/prices').query({ area, from: '2025-11-25T00:00:00Z', to: '2025-11-28T00:00:00Z' });
    expect(res.status).toBe(200);
    return res.body.slots as { start: string; end: string; price: number }[];
  };

  it('should store a European CSV posted as text/csv', async () => {
    const res = await api.post('/api/prices?area=eu-csv').set('content-type', 'text/csv; charset=utf-8').send(EUROPEAN_CSV);
    expect(res.status).toBe(201);
    expect(res.body).toMatchObject({ area: 'eu-csv', stored: 3, from: EUROPEAN_SLOTS[0].start, to: EUROPEAN_SLOTS[2].end });
    expect(await stored('eu-csv')).toEqual(EUROPEAN_SLOTS);
  });

  it('should take an upload from a control token and refuse it from a read token', async () => {
    const post = (token: string) => request(rig.restUrl.replace(/\/api$/, '')).post('/api/prices?area=roles').set('authorization', `Bearer ${token}`).set('content-type', 'text/csv').send(EUROPEAN_CSV);
    expect((await post(tokens.read)).status).toBe(403);
    expect(await stored('roles')).toEqual([]);
    expect((await post(tokens.control)).status).toBe(201);
    expect(await stored('roles')).toEqual(EUROPEAN_SLOTS);
  });

  it('should store tab-separated, comma-separated and JSON variants of the same prices', async () => {
    const tsv = EUROPEAN_CSV.replace(/;/g, '\t');
    expect((await api.post('/api/prices?area=tsv').set('content-type', 'text/tab-separated-values').send(tsv)).status).toBe(201);
    const comma = EUROPEAN_CSV.replace(/,/g, '.').replace(/;/g, ',');
    expect((await api.post('/api/prices?area=comma').set('content-type', 'text/plain').send(comma)).status).toBe(201);
    const doc = await api.post('/api/prices').set('content-type', 'application/json').send({ format: 'csv', content: EUROPEAN_CSV, area: 'json-doc' });
    expect(doc.status).toBe(201);
    const array = await api
      .post('/api/prices?area=json-array')
      .set('content-type', 'application/json')
      .send(EUROPEAN_SLOTS.map((s) => ({ ...s, start: s.start.replace('.000', ''), end: s.end.replace('.000', '') })));
    expect(array.status).toBe(201);
    for (const area of ['tsv', 'comma', 'json-doc', 'json-array']) expect({ area, slots: await stored(area) }).toEqual({ area, slots: EUROPEAN_SLOTS });
  });

  it.each([
    ['a bad price in text/csv', 'text/csv', `start;end;price\n${DAY}T00:00+01:00;${DAY}T01:00+01:00;0,5\n${DAY}T01:00+01:00;${DAY}T02:00+01:00;cheap`, 400, /upload: CSV line 3: price 'cheap' is not a number/],
    ['a decimal comma in a comma-separated file', 'text/csv', `start,end,price\n${DAY}T00:00+01:00,${DAY}T01:00+01:00,"0,5"`, 400, /decimal comma in a comma-separated file/],
    ['local times without offset', 'text/csv', `start;end;price\n${DAY} 00:00;${DAY} 01:00;0,5`, 400, /has no UTC offset/],
    ['a CSV without the header', 'text/csv', `${DAY}T00:00+01:00;${DAY}T01:00+01:00;0,5`, 400, /expected a header line naming the columns start, end and price/],
    ['a form post (curl -d without a content type)', 'application/x-www-form-urlencoded', 'start;end;price', 415, /content-type 'application\/x-www-form-urlencoded': send the document as the body with content-type text\/csv/],
    ['an empty text body', 'text/csv', '', 400, /the body is empty/],
  ])('should refuse %s with a clear message and keep what was stored', async (_label, type, body, status, message) => {
    const before = await stored('eu-csv');
    expect(before).toEqual(EUROPEAN_SLOTS);
    const res = await api.post('/api/prices?area=eu-csv').set('content-type', type).send(body);
    expect(res.status).toBe(status);
    expect(JSON.stringify(res.body.message)).toMatch(message);
    expect(await stored('eu-csv')).toEqual(before);
  });

  it('should refuse a JSON document without content and say what the body may be', async () => {
    const res = await api.post('/api/prices').set('content-type', 'application/json').send({ format: 'csv', area: 'eu-csv' });
    expect(res.status).toBe(400);
    expect(res.body.message).toEqual(expect.arrayContaining(['content must be a string', expect.stringMatching(/^send the document as the body with content-type text\/csv/)]));
    expect(await stored('eu-csv')).toEqual(EUROPEAN_SLOTS);
  });
});
