import { describe, expect, it } from 'vitest';
import { outcomeNotice, shortId } from './outcome';

describe('request outcomes', () => {
  it('says Done when the change ran', () => {
    expect(outcomeNotice({ status: 'executed', requestId: null, summary: 'Add security-officer bob' })).toEqual({
      color: 'green',
      title: 'Done',
      message: 'Add security-officer bob.',
      toApprovals: false,
    });
  });

  it('says who must act, with the request id, when it waits', () => {
    const id = 'ab12cd34'.repeat(4);
    const n = outcomeNotice({ status: 'pending', requestId: id, summary: 'Add key-custodian carol' });
    expect(n.title).toBe('Waiting for approval');
    expect(n.message).toBe('Another person must approve request ab12cd34: Add key-custodian carol.');
    expect(n.toApprovals).toBe(true);
    expect(shortId(id)).toBe('ab12cd34');
  });
});
