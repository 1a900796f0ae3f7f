import { createHmac } from 'node:crypto';
import { SignJWT } from 'jose';

/** A player token as a game client holds it: HS256, `sub` the player, `exp` an hour ahead. */
export function playerToken(secret: string, playerUuid: string): Promise<string> {
  return new SignJWT({})
    .setProtectedHeader({ alg: 'HS256' })
    .setSubject(playerUuid)
    .setIssuedAt()
    .setExpirationTime('1h')
    .sign(new TextEncoder().encode(secret));
}

/** `X-Armory-Signature` for a webhook body (the bytes sent), as a platform integration computes it. */
export function webhookSignature(
  secret: string,
  body: string | Buffer,
  timestamp = Math.floor(Date.now() / 1000),
): string {
  const mac = createHmac('sha256', secret).update(`${timestamp}.`).update(body).digest('hex');
  return `t=${timestamp},v1=${mac}`;
}
