import type { RequestOutcome } from '../../src-shared/approvals';

/** The first characters of a request id, as people read them out. */
export function shortId(id: string): string {
  return id.slice(0, 8);
}

export interface OutcomeNotice {
  color: 'green' | 'yellow';
  title: string;
  message: string;
  /** Set when the change waits: the console offers a link to the approvals page. */
  toApprovals: boolean;
}

/** What the console says after a dual-controllable change: done now, or waiting for someone. */
export function outcomeNotice(outcome: RequestOutcome): OutcomeNotice {
  if (outcome.status === 'executed') {
    return { color: 'green', title: 'Done', message: `${outcome.summary}.`, toApprovals: false };
  }
  const id = outcome.requestId ? ` ${shortId(outcome.requestId)}` : '';
  return {
    color: 'yellow',
    title: 'Waiting for approval',
    message: `Another person must approve request${id}: ${outcome.summary}.`,
    toApprovals: true,
  };
}
