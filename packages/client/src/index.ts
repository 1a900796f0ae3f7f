import createClient, { type Client } from 'openapi-fetch';
import type { OrderToSubmit } from './entries.js';
import type { components, paths } from './schema.js';

export { ENTRY_REQUIRED_FIELDS, type Entry, type EntryType, type OrderToSubmit } from './entries.js';
export type { components, paths } from './schema.js';

export type PlayerOrder = components['schemas']['PlayerOrder'];
export type InventoryPage = components['schemas']['InventoryPage'];
export type HistoryPage =
  paths['/v1/players/{player_uuid}/history']['get']['responses'][200]['content']['application/json'];
type InventoryQuery = NonNullable<paths['/v1/players/{player_uuid}/inventory']['get']['parameters']['query']>;
type HistoryQuery = NonNullable<paths['/v1/players/{player_uuid}/history']['get']['parameters']['query']>;

/** An answer outside 2xx, with the status and the error body (`error_code`, `desc`, or `detail`). */
export class ArmoryError extends Error {
  constructor(
    readonly status: number,
    readonly body: unknown,
  ) {
    super(`Armory answered ${status}: ${JSON.stringify(body)}`);
    this.name = 'ArmoryError';
  }
}

export interface ArmoryClientOptions {
  /** Where Armory answers, such as `http://localhost:3000`. */
  baseUrl: string;
  /** The game server's key (SERVER_API_KEY), or the admin key. */
  apiKey: string;
  /** A fetch of your own (a test double, a proxy agent); the global one otherwise. */
  fetch?: typeof globalThis.fetch;
}

const FINAL_STATUSES: readonly PlayerOrder['status'][] = [
  'succeeded',
  'partially_succeeded',
  'failed',
  'errored',
];
/** The longest one read holds its answer (`Prefer: wait`); the server takes at most 30. */
const MAX_WAIT_SECONDS = 30;

/** Whether an order is final: it will not change again (an `errored` one only by an ops retry). */
export const isFinal = (order: PlayerOrder) => FINAL_STATUSES.includes(order.status);

/**
 * A client for a game server: submit orders, wait for them to be final, read a player's inventory
 * and history. `api` is the generated client for every route of the API, typed from its OpenAPI
 * document, for what the methods here leave out.
 */
export function createArmoryClient(options: ArmoryClientOptions) {
  const api: Client<paths> = createClient<paths>({
    baseUrl: options.baseUrl,
    headers: { authorization: `Bearer ${options.apiKey}` },
    ...(options.fetch && { fetch: options.fetch }),
  });

  /** The data of a 2xx answer; an ArmoryError otherwise. */
  const dataOf = <T>({ data, error, response }: { data?: T; error?: unknown; response: Response }): T => {
    if (!response.ok || data === undefined) throw new ArmoryError(response.status, error);
    return data;
  };

  const readOrder = async (orderId: string, waitSeconds: number) =>
    dataOf(
      await api.GET('/v1/orders/{order_id}', {
        params: {
          path: { order_id: orderId },
          header: waitSeconds > 0 ? { Prefer: `wait=${Math.min(waitSeconds, MAX_WAIT_SECONDS)}` } : {},
        },
      }),
    );

  return {
    api,

    /**
     * Submits an order: answered as soon as it is stored (`queued`), or once final when `wait`
     * seconds are given. Sending the same order again is safe: it is the same order (a replay).
     */
    async submit(order: OrderToSubmit, { wait = 0 }: { wait?: number } = {}): Promise<PlayerOrder> {
      return dataOf(
        await api.POST('/v1/orders', {
          body: order,
          params: { header: wait > 0 ? { Prefer: `wait=${Math.min(wait, MAX_WAIT_SECONDS)}` } : {} },
        }),
      );
    },

    /** The order as it stands now. */
    order: (orderId: string) => readOrder(orderId, 0),

    /** The order once final, waiting up to `timeoutMs` (each read held by the server, no polling loop of its own). */
    async waitForFinal(
      orderId: string,
      { timeoutMs = 60_000 }: { timeoutMs?: number } = {},
    ): Promise<PlayerOrder> {
      const deadline = Date.now() + timeoutMs;
      for (;;) {
        const left = Math.ceil((deadline - Date.now()) / 1000);
        const order = await readOrder(orderId, Math.max(left, 0));
        if (isFinal(order) || left <= 0) {
          if (!isFinal(order))
            throw new Error(`order ${orderId} is still ${order.status} after ${timeoutMs} ms`);
          return order;
        }
      }
    },

    /** One page of a player's inventory; `next_cursor` names the next. */
    async inventory(playerUuid: string, query: InventoryQuery = {}): Promise<InventoryPage> {
      return dataOf(
        await api.GET('/v1/players/{player_uuid}/inventory', {
          params: { path: { player_uuid: playerUuid }, query },
        }),
      );
    },

    /** One page of a player's history (every inventory change, in effect order). */
    async history(playerUuid: string, query: HistoryQuery = {}): Promise<HistoryPage> {
      return dataOf(
        await api.GET('/v1/players/{player_uuid}/history', {
          params: { path: { player_uuid: playerUuid }, query },
        }),
      );
    },
  };
}

export type ArmoryClient = ReturnType<typeof createArmoryClient>;
