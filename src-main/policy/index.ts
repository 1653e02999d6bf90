/** The policy engine: packs as data, composed per organisation, evaluated "as of" any date. */
export * from './model.js';
export { PolicyFileError, type PolicyIssue } from './errors.js';
export { composePolicy, policyView, type ComposedPolicy, type PackInfo, type PolicyView } from './compose.js';
export {
  evaluate,
  forEachFinding,
  checkGeneration,
  dueRotations,
  summarizeFindings,
  FindingSummaryBuilder,
  dualControlFor,
  compareFindings,
  type GenerationCandidate,
  type GenerationVerdict,
  type RotationDue,
  type FindingSummary,
  type RuleSummary,
  type DualControlRequirements,
} from './evaluate.js';
export { parsePack, parseComposition, loadPackFile, loadPackDirectory, loadComposition, loadPolicy, builtinPolicyDir } from './load.js';
export { classifyKeyTypes, keyTypeNames, securityStrength, boundDigest } from './key-facts.js';
export { toPolicyKey, type PolicyKeyExtras } from './from-core.js';
