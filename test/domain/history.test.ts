import { describe, expect, it } from 'vitest';
import { platformEventOf } from '../../src/domain/history.js';

/** How a history change names the platform event behind it (changesOf is tested with apply-group). */

describe('platformEventOf', () => {
  it("names the platform and event of a webhook's order, and nothing for other orders", () => {
    expect(platformEventOf('steam:evt-1')).toEqual({ platform: 'steam', event_id: 'evt-1' });
    expect(platformEventOf('released:12')).toBeNull();
    expect(platformEventOf('b6c1a0e2')).toBeNull();
  });
});
