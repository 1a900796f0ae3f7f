import { createHmac } from 'node:crypto';
import { signPlayerToken } from '../../src/api/auth.js';

/** A player token as a game client holds it: HS256, `sub` the player, `exp` an hour ahead. */
export const playerToken = (secret: string, playerUuid: string): Promise<string> =>
  signPlayerToken(secret, playerUuid, '1h');

/** `X-Armory-Signature` for a webhook body (the bytes sent), as a platform integration computes it. */
export function webhookSignature(
  secret: string,
  body: string | Buffer,
  timestamp = Math.floor(Date.now() / 1000),
): string {
  const mac = createHmac('sha256', secret).update(`${timestamp}.`).update(body).digest('hex');
  return `t=${timestamp},v1=${mac}`;
}
