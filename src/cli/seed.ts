import { parseArgs } from 'node:util';
import { v5 as uuidV5 } from 'uuid';
import { loadConfigOrExit } from '../config.js';

/**
 * `npm run seed`: a demo catalog and three demo players with something in their inventories, for
 * trying Armory by hand. It goes through the API of a running Armory (`npm start` or `npm run dev`
 * in another terminal) like any game server would, so what it creates is applied by the workers.
 * Running it again changes nothing: the catalog is upserted by id and the orders are replays.
 */

const { values: flags } = parseArgs({ options: { url: { type: 'string' } } });
const config = loadConfigOrExit();
const baseUrl = flags.url ?? `http://127.0.0.1:${config.PORT}`;

/** Where the demo players' uuids come from: the same names give the same players everywhere. */
const DEMO_NAMESPACE = '3b0f9d2e-7c4a-4e1b-8a5d-6f2c9e1d7b40';
const DEMO_PLAYERS = ['ada', 'grace', 'linus'].map((name) => ({
  name,
  playerUuid: uuidV5(`demo-player:${name}`, DEMO_NAMESPACE),
}));

const GEMS = 1;
const GOLD = 2;
const SWORD = 10;
const SHIELD = 11;
const DRAGON_SKIN = 12;
const STORE = 1;
const SWORD_PACK = 100;
const SHIELD_PACK = 101;
const STARTER_GRANT = 200;
const WELCOME_SKIN = 300;

const DEMO_CATALOG = {
  items: [
    { id: GEMS, name: 'Gems' },
    { id: GOLD, name: 'Gold' },
    { id: SWORD, name: 'Sword' },
    { id: SHIELD, name: 'Shield' },
    { id: DRAGON_SKIN, name: 'Dragon skin', unique: true },
  ],
  vendors: [{ id: STORE, name: 'Store' }],
  loot: [
    {
      id: SWORD_PACK,
      name: 'Sword pack',
      vendor_id: STORE,
      prices: [{ price_item_id: GEMS, price: 50 }],
      contents: [{ item_id: SWORD, quantity: 1 }],
    },
    {
      id: SHIELD_PACK,
      name: 'Shield pack',
      vendor_id: STORE,
      prices: [{ price_item_id: GOLD, price: 200 }],
      contents: [{ item_id: SHIELD, quantity: 1 }],
    },
    {
      id: STARTER_GRANT,
      name: 'Starter grant',
      contents: [
        { item_id: GEMS, quantity: 100 },
        { item_id: GOLD, quantity: 500 },
      ],
    },
    { id: WELCOME_SKIN, name: 'Welcome skin', contents: [{ item_id: DRAGON_SKIN, quantity: 1 }] },
  ],
  promotions: [{ code: 'WELCOME', loot_id: WELCOME_SKIN, per_player: 1 }],
};

/** Each demo player's first order: the starter grant, then a sword bought with its gems. */
const welcomeOrder = (playerUuid: string, name: string) => ({
  order_id: `demo-welcome-${name}`,
  player_uuid: playerUuid,
  source: 'IN_GAME',
  entries: [
    { type: 'fill_loot', loot_id: STARTER_GRANT, quantity: 1 },
    {
      type: 'purchase_loot',
      loot_id: SWORD_PACK,
      quantity: 1,
      purchase_price: { price_item_id: GEMS, price: 50 },
    },
  ],
});

async function call(
  method: string,
  path: string,
  key: string,
  body: unknown,
  headers: Record<string, string> = {},
) {
  let response: Response;
  try {
    response = await fetch(`${baseUrl}${path}`, {
      method,
      headers: { authorization: `Bearer ${key}`, 'content-type': 'application/json', ...headers },
      body: JSON.stringify(body),
    });
  } catch (error) {
    throw new Error(`no Armory answers at ${baseUrl} (start one with npm start): ${String(error)}`);
  }
  const answer = (await response.json()) as Record<string, unknown>;
  if (!response.ok)
    throw new Error(`${method} ${path} answered ${response.status}: ${JSON.stringify(answer)}`);
  return answer;
}

async function seed() {
  await call('PUT', '/v1/admin/catalog', config.ADMIN_API_KEY, DEMO_CATALOG);
  process.stdout.write(
    `catalog: ${DEMO_CATALOG.items.length} items, ${DEMO_CATALOG.loot.length} loot, promotion code WELCOME\n`,
  );
  for (const { name, playerUuid } of DEMO_PLAYERS) {
    const order = await call('POST', '/v1/orders', config.SERVER_API_KEY, welcomeOrder(playerUuid, name), {
      prefer: 'wait=10',
    });
    process.stdout.write(
      `player ${name.padEnd(6)} ${playerUuid}  order ${String(order.order_id)}: ${String(order.status)}\n`,
    );
  }
  process.stdout.write(
    `\nTry: npm run -s ops -- token ${DEMO_PLAYERS[0]!.playerUuid}\n` +
      `then: curl -H "Authorization: Bearer <token>" ${baseUrl}/v1/me/inventory\n`,
  );
}

try {
  await seed();
} catch (error) {
  process.stderr.write(`seed: ${error instanceof Error ? error.message : String(error)}\n`);
  process.exitCode = 1;
}
