import type { Bucket, Source } from './vocabulary.js';

const SOURCE_BUCKETS: Partial<Record<Source, Bucket>> = {
  STEAM: 'steam',
  PSN: 'psn',
  XBOX: 'xbox_live',
  NINTENDO: 'nintendo',
  EPIC_GAMES: 'epic',
  APPLE: 'apple',
  GOOGLE: 'google_play',
  GOOGLE_PLAY: 'google_play',
  AMAZON: 'amazon',
  TWITCH_MILESTONE: 'twitch',
  TWITCH_PRIME: 'twitch',
  TWITCH_FUEL: 'twitch',
};

/**
 * The bucket a grant goes into: the entry's own choice, unless a player client sent it (clients may
 * not pick platform buckets), else the bucket of the platform the order came from, else `free`.
 */
export function grantBucket(source: Source | null, requested: Bucket | null | undefined): Bucket {
  if (requested && source !== 'CLIENT') return requested;
  return (source && SOURCE_BUCKETS[source]) ?? 'free';
}
