import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startHarness, type Harness } from '../helpers/harness.js';
import { expectLootLockerError, lootLockerCaller, startSession } from '../helpers/lootlocker.js';

/**
 * LootLocker's wallets and balances under /lootlocker, in its wire format: lazy wallets per
 * holder, currencies from catalog items marked `currency`, decimal-string amounts, credits and
 * debits as orders, and a debit beyond the balance refused (403) with nothing changed, however many
 * come at once.
 */

const GOLD = 1;
const GEMS = 2;
const SWORD = 10;

let h: Harness;
let token: string;
beforeAll(async () => {
  h = await startHarness({
    catalog: {
      items: [
        { id: GOLD, name: 'Gold', friendly_id: 'GLD', currency: true },
        { id: GEMS, name: 'Gems', currency: true },
        { id: SWORD, name: 'Sword' },
      ],
    },
  });
  token = (await startSession(h)).body.token;
});
afterAll(() => h.close());

const call = (method: string, path: string, body?: unknown) =>
  lootLockerCaller(h, () => token)(method, path, body);
const expectError = expectLootLockerError;

let holderSeq = 0;
const newHolder = () => `01HZX3V5Q8K9Y7M2N4P6R8T${String(100 + holderSeq++).padStart(3, '0')}`;

describe('wallets and balances', () => {
  it('lists currencies from the catalog, with their codes', async () => {
    const currencies = await call('GET', '/currencies');
    expect(currencies.body.currencies).toEqual([
      expect.objectContaining({ id: String(GOLD), name: 'Gold', code: 'GLD' }),
      expect.objectContaining({ id: String(GEMS), name: 'Gems', code: String(GEMS) }),
    ]);
  });

  it('makes a wallet on first lookup by holder, the same one every time, and by create', async () => {
    const holder = newHolder();
    const first = await call('GET', `/wallet/holder/${holder}`);
    expect(first.status).toBe(200);
    expect(first.body).toEqual({
      id: expect.any(String),
      holder_id: holder,
      type: 'player',
      modifiers: null,
    });
    expect((await call('GET', `/wallet/holder/${holder}`)).body.id).toBe(first.body.id);
    expect((await call('POST', '/wallet', { holder_id: holder, holder_type: 'player' })).body).toEqual({
      wallet_id: first.body.id,
    });
    expect((await call('GET', `/wallet/${first.body.id}`)).body.holder_id).toBe(holder);
    expectError(await call('GET', '/wallet/6f1c1a4e-1d7b-4c38-9a8e-2b1b3f6c9d01'), 404, 'not_found');
  });

  it('credits and debits with decimal strings, by currency id or code; a debit past the balance is 403 and changes nothing', async () => {
    const wallet = (await call('GET', `/wallet/holder/${newHolder()}`)).body.id as string;
    const credit = await call('POST', '/balances/credit', {
      amount: '100',
      currency_id: 'GLD',
      wallet_id: wallet,
    });
    expect(credit.status).toBe(200);
    expect(credit.body.balance).toMatchObject({
      amount: '100',
      currency_id: String(GOLD),
      wallet_id: wallet,
      holder_type: 'player',
    });
    const debit = await call('POST', '/balances/debit', {
      amount: '30',
      currency_id: String(GOLD),
      wallet_id: wallet,
    });
    expect(debit.body.balance.amount).toBe('70');
    expectError(
      await call('POST', '/balances/debit', { amount: '71', currency_id: 'GLD', wallet_id: wallet }),
      403,
      'forbidden',
    );
    expectError(
      await call('POST', '/balances/debit', { amount: '1', currency_id: String(GEMS), wallet_id: wallet }),
      403,
      'forbidden',
    );
    const balances = await call('GET', `/balances/wallet/${wallet}`);
    expect(balances.body.balances).toEqual([
      expect.objectContaining({
        amount: '70',
        currency: expect.objectContaining({ code: 'GLD' }),
        wallet_id: wallet,
      }),
    ]);
  });

  it('refuses amounts that are not decimal strings within bounds, unknown currencies and wallets', async () => {
    const wallet = (await call('GET', `/wallet/holder/${newHolder()}`)).body.id as string;
    for (const amount of [100, '-5', '0', '1.5', '2147483648', 'ten']) {
      expectError(
        await call('POST', '/balances/credit', { amount, currency_id: 'GLD', wallet_id: wallet }),
        400,
        'bad_request',
      );
    }
    expectError(
      await call('POST', '/balances/credit', { amount: '1', currency_id: String(SWORD), wallet_id: wallet }),
      404,
      'not_found',
    );
    expectError(
      await call('POST', '/balances/credit', {
        amount: '1',
        currency_id: 'GLD',
        wallet_id: '6f1c1a4e-1d7b-4c38-9a8e-2b1b3f6c9d01',
      }),
      404,
      'not_found',
    );
    expect((await call('GET', `/balances/wallet/${wallet}`)).body.balances).toEqual([]);
  });

  it('50 concurrent debits of 1 against a balance of 10: exactly 10 succeed, and the balance is 0', async () => {
    const wallet = (await call('GET', `/wallet/holder/${newHolder()}`)).body.id as string;
    await call('POST', '/balances/credit', { amount: '10', currency_id: 'GLD', wallet_id: wallet });
    const debits = await Promise.all(
      Array.from({ length: 50 }, () =>
        call('POST', '/balances/debit', { amount: '1', currency_id: 'GLD', wallet_id: wallet }),
      ),
    );
    expect(debits.filter((debit) => debit.status === 200)).toHaveLength(10);
    expect(debits.filter((debit) => debit.status === 403)).toHaveLength(40);
    const balances = await call('GET', `/balances/wallet/${wallet}`);
    expect(balances.body.balances[0].amount).toBe('0');
  });
});
