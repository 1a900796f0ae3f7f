import { describe, expect, it } from 'vitest';
import { grantBucket } from '../../src/domain/buckets.js';
import { SOURCES, type Source } from '../../src/domain/vocabulary.js';

describe('grantBucket', () => {
  it('takes the bucket the entry asks for, from any source but a player client', () => {
    for (const source of [null, 'STEAM', 'SYSTEM', 'IN_GAME'] as const) {
      expect(grantBucket(source, 'epic')).toBe('epic');
    }
  });

  it('never lets a player client pick the bucket: a CLIENT grant lands in free', () => {
    expect(grantBucket('CLIENT', 'steam')).toBe('free');
    expect(grantBucket('CLIENT', null)).toBe('free');
  });

  it('without a bucket asked for, uses the bucket of the platform the order came from', () => {
    const platforms: [Source, string][] = [
      ['STEAM', 'steam'],
      ['PSN', 'psn'],
      ['XBOX', 'xbox_live'],
      ['NINTENDO', 'nintendo'],
      ['EPIC_GAMES', 'epic'],
      ['APPLE', 'apple'],
      ['GOOGLE', 'google_play'],
      ['GOOGLE_PLAY', 'google_play'],
      ['AMAZON', 'amazon'],
      ['TWITCH_MILESTONE', 'twitch'],
      ['TWITCH_PRIME', 'twitch'],
      ['TWITCH_FUEL', 'twitch'],
    ];
    for (const [source, bucket] of platforms) {
      expect(grantBucket(source, undefined)).toBe(bucket);
      expect(grantBucket(source, null)).toBe(bucket);
    }
    // every other source, and no source at all, grants into free
    const platformSources = new Set<Source>(platforms.map(([source]) => source));
    for (const source of SOURCES.filter((candidate) => !platformSources.has(candidate))) {
      expect(grantBucket(source, null), source).toBe('free');
    }
    expect(grantBucket(null, null)).toBe('free');
  });
});
