import type { KeySummary } from '../../src-shared/keys.js';
import type { PolicyKey } from './model.js';

/** What a PolicyKey needs beyond KeySummary: from the `keys` row and the current `key_versions` row. */
export interface PolicyKeyExtras {
  extractable: boolean;
  purpose: string | null;
  /** key_versions.activation_at of the current version. */
  activationDate: string | null;
  protectStopAt: string | null;
  processStopAt: string | null;
  /** key_versions.generated_at of the current version; KeySummary.createdAt when not given. */
  versionCreatedAt?: string | null;
}

/** Builds the record evaluation reads from a KeySummary and the extra columns. */
export function toPolicyKey(k: KeySummary, x: PolicyKeyExtras): PolicyKey {
  return {
    id: k.id,
    name: k.name,
    algorithm: k.algorithm,
    family: k.family,
    size: k.size,
    curve: k.curve,
    state: k.state,
    store: k.store,
    usageMask: k.usageMask,
    extractable: x.extractable,
    purpose: x.purpose,
    createdAt: x.versionCreatedAt ?? k.createdAt,
    activationDate: x.activationDate,
    protectStopAt: x.protectStopAt,
    processStopAt: x.processStopAt,
  };
}
