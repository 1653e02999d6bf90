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

/** The columns of a `keys` row (alias k) and its current `key_versions` row (alias v) that a PolicyKey is read from. */
export const POLICY_KEY_COLUMNS = `k.id, k.name, k.algorithm, k.family, k.size, k.curve, k.state, k.store, k.extractable, k.usage_mask, k.purpose,
  v.generated_at, v.activation_at, v.protect_stop_at, v.process_stop_at`;

/** A row selected with POLICY_KEY_COLUMNS. */
export interface PolicyKeyRow {
  id: string;
  name: string;
  algorithm: string;
  family: string;
  size: number;
  curve: string | null;
  state: PolicyKey['state'];
  store: PolicyKey['store'];
  extractable: number;
  usage_mask: number;
  purpose: string | null;
  generated_at: string;
  activation_at: string | null;
  protect_stop_at: string | null;
  process_stop_at: string | null;
}

/** Builds the record evaluation reads from a row selected with POLICY_KEY_COLUMNS. */
export function policyKeyFromRow(r: PolicyKeyRow): PolicyKey {
  return {
    id: r.id,
    name: r.name,
    algorithm: r.algorithm,
    family: r.family,
    size: r.size,
    curve: r.curve,
    state: r.state,
    store: r.store,
    extractable: r.extractable === 1,
    usageMask: r.usage_mask,
    purpose: r.purpose,
    createdAt: r.generated_at,
    activationDate: r.activation_at,
    protectStopAt: r.protect_stop_at,
    processStopAt: r.process_stop_at,
  };
}
