/** Severity of one analysis finding: critical (known broken: its private key is public), errors make a key unfit for use, warnings need a decision. */
export type Severity = 'critical' | 'error' | 'warning' | 'info';

/**
 * One result of a weak-key check. `check` is a stable identifier the policy engine can switch on;
 * `message` is shown to people and never carries private material. `factor` is set when a check
 * factored the modulus (a public key whose factor is known is broken: anyone can rebuild the
 * private key from it), so the caller can report it and should treat it as sensitive output.
 */
export interface AnalysisFinding {
  check: string;
  severity: Severity;
  message: string;
  factor?: bigint;
}
