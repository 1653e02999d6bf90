import { describe, expect, it } from 'vitest';
import { expiryState } from './import-certificates';

describe('certificate expiry wording', () => {
  const now = new Date('2026-06-01T00:00:00Z');
  it('tells expired, soon and valid apart', () => {
    expect(expiryState('2026-05-31T23:59:59Z', now)).toEqual({ label: 'Expired', color: 'red' });
    expect(expiryState('2026-06-10T00:00:00Z', now)).toEqual({ label: 'Expires in 9 days', color: 'yellow' });
    expect(expiryState('2027-06-01T00:00:00Z', now)).toEqual({ label: 'Valid', color: 'green' });
  });
});
