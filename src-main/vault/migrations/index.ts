import * as m0001 from './0001-initial.js';
import * as m0002 from './0002-people-approvals-checkpoints.js';
import * as m0003 from './0003-usage-tokens.js';
import * as m0004 from './0004-versions-destruction.js';
import * as m0005 from './0005-rotation-mode.js';
import * as m0006 from './0006-inventory.js';
import * as m0007 from './0007-discovery.js';
import * as m0008 from './0008-card-login.js';
import * as m0009 from './0009-inventory-findings.js';
import * as m0010 from './0010-audit-use-indexes.js';
import * as m0011 from './0011-inventory-rescan.js';
import * as m0012 from './0012-due-work-indexes.js';
import * as m0013 from './0013-inventory-epochs.js';

export interface Migration {
  version: number;
  sql: string;
}

/** Every schema version in order; one file per version. */
export const MIGRATIONS: readonly Migration[] = [m0001, m0002, m0003, m0004, m0005, m0006, m0007, m0008, m0009, m0010, m0011, m0012, m0013];
