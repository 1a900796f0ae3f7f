import { z } from 'zod';

/**
 * Events out: what subscribers are told, and when a failed delivery is tried again. Every final
 * order is an `order.finished` event; a final refund is an `order.refunded` event too. Deliveries
 * are Standard Webhooks (https://www.standardwebhooks.com): a JSON body `{type, timestamp, data}`
 * signed in `webhook-id`, `webhook-timestamp` and `webhook-signature`.
 */

export const EVENT_TYPES = ['order.finished', 'order.refunded'] as const;
export type EventType = (typeof EVENT_TYPES)[number];

export const DELIVERY_STATUSES = ['pending', 'delivered', 'failed'] as const;
export type DeliveryStatus = (typeof DELIVERY_STATUSES)[number];

/** A Standard Webhooks secret: `whsec_` and the base64 of 24 to 64 random bytes. */
const webhookSecret = z
  .string()
  .regex(/^whsec_[A-Za-z0-9+/]{32,88}={0,2}$/, 'must be whsec_ followed by the base64 of 24 to 64 bytes');

export const subscriptionSchema = z.object({
  url: z
    .url({ protocol: /^https?$/ })
    .max(2048)
    .describe('Where events are POSTed'),
  events: z
    .array(z.enum(EVENT_TYPES))
    .min(1)
    .refine((events) => new Set(events).size === events.length, 'each event once')
    .describe('The events it receives'),
  secret: webhookSecret.describe('The Standard Webhooks secret its deliveries are signed with'),
});
export type SubscriptionCreate = z.infer<typeof subscriptionSchema>;

export const subscriptionsPutSchema = z.object({
  subscriptions: z
    .array(subscriptionSchema)
    .max(100)
    .refine((list) => new Set(list.map((one) => one.url)).size === list.length, 'each url once'),
});

/** A subscription as the API shows it: never its secret. */
export const subscriptionViewSchema = subscriptionSchema
  .omit({ secret: true })
  .extend({ subscription_id: z.string(), created_time: z.string() });
export const subscriptionListSchema = z.object({ subscriptions: z.array(subscriptionViewSchema) });

export const deliveryViewSchema = z.object({
  delivery_id: z.string(),
  subscription_id: z.string(),
  url: z.string(),
  event_type: z.enum(EVENT_TYPES),
  order_id: z.string(),
  player_uuid: z.string(),
  applied_seq: z.number().int(),
  status: z.enum(DELIVERY_STATUSES),
  attempts: z.number().int(),
  next_attempt_time: z.string().nullable(),
  last_status_code: z.number().int().nullable().describe("The subscriber's last HTTP status, if it answered"),
  last_error: z.string().nullable(),
  created_time: z.string(),
  delivered_time: z.string().nullable(),
});
export type DeliveryView = z.infer<typeof deliveryViewSchema>;
export const deliveryPageSchema = z.object({
  deliveries: z.array(deliveryViewSchema),
  next_cursor: z.string().nullable(),
});

/** The events a final order raises. */
export const eventsOfOrder = (order: { refund_of: string | null }): EventType[] =>
  order.refund_of === null ? ['order.finished'] : ['order.finished', 'order.refunded'];

/** How long after its `attempts`-th failure a delivery is tried again: doubling from `baseMs`, at most an hour. */
export function retryDelayMs(attempts: number, baseMs: number): number {
  return Math.min(baseMs * 2 ** Math.max(0, attempts - 1), 3_600_000);
}

/** A delivery's message id: the same on every attempt and replay, so a subscriber can drop repeats. */
export const messageIdOf = (deliveryId: string) => `msg_${deliveryId}`;

/** The body of an event, as Standard Webhooks shapes it. */
export const eventBody = (type: EventType, timestamp: string, data: unknown) =>
  JSON.stringify({ type, timestamp, data });
