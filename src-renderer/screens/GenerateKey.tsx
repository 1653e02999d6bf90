import { useEffect, useState, type FormEvent } from 'react';
import { Button, Group, Loader, NativeSelect, Paper, Progress, Stack, Text, TextInput } from '@mantine/core';
import { ALGORITHMS, algorithmIdSchema, keyNameSchema, type AlgorithmId } from '../../src-shared/keys';
import { api, errorMessage, isApiError } from '../api/client';
import { ErrorAlert, PageTitle, ReadOnlyNote } from '../components/common';
import { algorithmGroups, stateLabel } from '../lib/format';
import { deniedReason } from '../lib/permissions';
import { handleSessionError } from '../state/actions';
import { useApp } from '../state/store';

const GROUPS = algorithmGroups();

function algorithmHint(id: AlgorithmId): string {
  const info = ALGORITHMS[id];
  if (info.symmetric) return 'A secret key; the vault shows its key check value (KCV), never the key itself.';
  if (info.family === 'rsa' && info.size >= 4096) return 'An RSA 4096 key pair can take several seconds to generate.';
  return 'A key pair; the vault shows its public key and fingerprint, never the private key.';
}

/** Generate a key in the vault; it starts Pre-active. */
export function GenerateKey() {
  const navigate = useApp((s) => s.navigate);
  const notify = useApp((s) => s.notify);
  const denied = deniedReason(useApp((s) => s.status?.user?.role ?? null), 'keys.generate', 'generate keys');
  const [name, setName] = useState('');
  const [algorithm, setAlgorithm] = useState<AlgorithmId>('ec-p256');
  const [nameError, setNameError] = useState<string | null>(null);
  const [failure, setFailure] = useState<string | null>(null);
  const [busy, setBusy] = useState(false);
  const [progress, setProgress] = useState<{ label: string; fraction: number } | null>(null);

  // Long generations may report progress; show it while this form waits.
  useEffect(() => {
    if (!busy) {
      setProgress(null);
      return;
    }
    return api.on('job.progress', ({ label, fraction }) => setProgress({ label, fraction }));
  }, [busy]);

  const submit = async (e: FormEvent) => {
    e.preventDefault();
    if (busy) return;
    setFailure(null);
    const checked = keyNameSchema.safeParse(name);
    if (!checked.success) {
      setNameError(checked.error.issues[0]?.message ?? 'This name is not accepted.');
      return;
    }
    setNameError(null);
    setBusy(true);
    try {
      const key = await api.call('keys.generate', { name: checked.data, algorithm });
      setName('');
      notify({
        color: 'green',
        title: 'Key generated',
        message: `${key.name} (${ALGORITHMS[key.algorithm].label}) is in the inventory, state ${stateLabel(key.state)}.`,
      });
      navigate({ name: 'key', id: key.id });
    } catch (err) {
      setBusy(false);
      if (handleSessionError(err)) return;
      if (isApiError(err, 'E_INPUT')) setNameError(errorMessage(err));
      else setFailure(errorMessage(err));
    }
  };

  const label = ALGORITHMS[algorithm].label;

  return (
    <Stack gap="md" maw={560}>
      <div>
        <PageTitle focus={false}>Generate key</PageTitle>
        <Text size="sm" c="dimmed">
          The key is generated in software and stored encrypted in the vault. It starts in the Pre-active state.
        </Text>
      </div>
      <ReadOnlyNote reason={denied} />
      <Paper withBorder p="lg" radius="md">
        <form onSubmit={submit} noValidate aria-label="Generate key">
          <Stack gap="md">
            <TextInput
              label="Key name"
              description="A label people read, e.g. payments-signing."
              placeholder="payments-signing"
              autoFocus
              required
              withAsterisk={false}
              maxLength={128}
              value={name}
              onChange={(e) => setName(e.currentTarget.value)}
              error={nameError}
              disabled={busy}
            />
            <NativeSelect
              label="Algorithm"
              data={GROUPS}
              value={algorithm}
              onChange={(e) => {
                const parsed = algorithmIdSchema.safeParse(e.currentTarget.value);
                if (parsed.success) setAlgorithm(parsed.data);
              }}
              description={algorithmHint(algorithm)}
              disabled={busy}
            />
            {failure && <ErrorAlert title="The key was not generated" message={failure} onClose={() => setFailure(null)} />}
            <Group justify="flex-end">
              <Button variant="default" onClick={() => navigate({ name: 'inventory' })} disabled={busy}>
                Cancel
              </Button>
              <Button type="submit" loading={busy} disabled={!!denied}>
                Generate
              </Button>
            </Group>
            {busy && (
              <Stack gap={6} role="status" data-testid="generate-progress">
                <Group gap="xs">
                  <Loader size="xs" />
                  <Text size="sm" c="dimmed">
                    {progress ? progress.label : `Generating the ${label} key…`}
                  </Text>
                </Group>
                {progress && <Progress value={progress.fraction * 100} aria-label="Generation progress" />}
              </Stack>
            )}
          </Stack>
        </form>
      </Paper>
    </Stack>
  );
}
