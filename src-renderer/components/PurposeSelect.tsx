import { NativeSelect } from '@mantine/core';
import { PURPOSES } from '../lib/key-versions';

/**
 * What a key is for (tls-server, code-signing, ca-root, …): the policy judges by it, and may refuse
 * a key at generation for its purpose ("The active policy forbids this key: …").
 */
export function PurposeSelect({ value, onChange, disabled }: { value: string; onChange: (purpose: string) => void; disabled?: boolean }) {
  return (
    <NativeSelect
      label="Purpose"
      description="Optional. The active policy judges the key by what it is for (algorithm, size, storage and usage rules); without one it is judged as general."
      data={[{ value: '', label: 'Not set (general)' }, ...PURPOSES.map((p) => ({ value: p.value, label: `${p.label} (${p.value})` }))]}
      value={value}
      onChange={(e) => onChange(e.currentTarget.value)}
      disabled={disabled}
      data-testid="purpose-select"
    />
  );
}
