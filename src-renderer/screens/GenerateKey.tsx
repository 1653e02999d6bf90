import { useEffect, useRef, useState, type FormEvent } from 'react';
import {
  Alert,
  Anchor,
  Button,
  Checkbox,
  Group,
  Loader,
  NativeSelect,
  Paper,
  SegmentedControl,
  Stack,
  Switch,
  Text,
  TextInput,
} from '@mantine/core';
import type { TokenSummary } from '../../src-shared/contract';
import { ALGORITHMS, algorithmIdSchema, defaultUsageMask, inventoryAlgorithmLabel, keyNameSchema, type AlgorithmId } from '../../src-shared/keys';
import { api, errorMessage, isApiError } from '../api/client';
import { ErrorAlert, PageTitle, ReadOnlyNote, failureOf, type Failure } from '../components/common';
import { GatedButton } from '../components/GatedButton';
import { TokenLogin } from '../components/TokenLogin';
import { algorithmGroups, stateLabel } from '../lib/format';
import { FAMILY_USAGE, usageChoices } from '../lib/lifecycle';
import { deniedReason } from '../lib/permissions';
import { PurposeSelect } from '../components/PurposeSelect';
import { tokenOption, tokenTitle, usableTokens } from '../lib/tokens';
import { handleSessionError } from '../state/actions';
import { useApp } from '../state/store';
import { listTokens } from '../state/tokens';
import { loadWhileLive } from '../state/load';

const GROUPS = algorithmGroups();

type Store = 'vault' | 'token';

function algorithmHint(id: AlgorithmId, store: Store): string {
  const info = ALGORITHMS[id];
  const slow = info.family === 'rsa' && info.size >= 4096 ? ' An RSA 4096 key pair can take several seconds to generate.' : '';
  if (store === 'token') {
    return info.symmetric
      ? `A secret key generated on the token; it never leaves it unless you mark it wrappable.${slow}`
      : `A key pair generated on the token: the private key never leaves it; the vault keeps its public key and fingerprint.${slow}`;
  }
  if (info.symmetric) return 'A secret key; the vault shows its key check value (KCV), never the key itself.';
  return `A key pair; the vault shows its public key and fingerprint, never the private key.${slow}`;
}

/** Generate a key in the vault or on a PKCS#11 token; it starts Pre-active. */
export function GenerateKey({ presetToken = null }: { presetToken?: string | null }) {
  const navigate = useApp((s) => s.navigate);
  const notify = useApp((s) => s.notify);
  const revision = useApp((s) => s.tokenRevision);
  const denied = deniedReason(useApp((s) => s.status?.user?.role ?? null), 'keys.generate', 'generate keys');
  const [name, setName] = useState('');
  const [algorithm, setAlgorithm] = useState<AlgorithmId>('ec-p256');
  const [usage, setUsage] = useState<number>(defaultUsageMask(ALGORITHMS['ec-p256'].family));
  const [store, setStore] = useState<Store>(presetToken ? 'token' : 'vault');
  const [tokens, setTokens] = useState<TokenSummary[] | null>(null);
  const [tokenFailure, setTokenFailure] = useState<Failure | null>(null);
  const [serial, setSerial] = useState<string>(presetToken ?? '');
  const [wrappable, setWrappable] = useState(false);
  const [purpose, setPurpose] = useState('');
  const [nameError, setNameError] = useState<string | null>(null);
  const [failure, setFailure] = useState<Failure | null>(null);
  const [busy, setBusy] = useState(false);
  // Generation can outlast this page (the person may go elsewhere meanwhile): then it only says so.
  const mounted = useRef(true);
  useEffect(() => {
    mounted.current = true;
    return () => {
      mounted.current = false;
    };
  }, []);

  const family = ALGORITHMS[algorithm].family;

  // Tokens are read when the person chooses a token (or came from the Tokens page), and again when one comes or goes.
  useEffect(() => {
    if (store !== 'token') return;
    return loadWhileLive(
      listTokens,
      (list) => {
        setTokens(list);
        setTokenFailure(null);
        const usable = usableTokens(list);
        setSerial((current) => (usable.some((t) => t.serial === current) ? current : (usable[0]?.serial ?? '')));
      },
      (err) => setTokenFailure(failureOf('The tokens could not be read', err)),
    );
  }, [store, revision]);

  const usable = tokens ? usableTokens(tokens) : [];
  const token = usable.find((t) => t.serial === serial) ?? null;
  const needsLogin = store === 'token' && token !== null && token.loginRequired && !token.loggedIn;

  const blocked =
    denied ??
    (store === 'token'
      ? !tokens
        ? 'Reading the tokens…'
        : !token
          ? 'Choose a token that is present and initialised.'
          : needsLogin
            ? `Log in to ${tokenTitle(token)} first.`
            : null
      : null) ??
    (usage === 0 ? 'Choose at least one usage.' : null);

  const chooseAlgorithm = (id: AlgorithmId) => {
    setAlgorithm(id);
    // A new family has other usages: start again from its usual mask.
    if (ALGORITHMS[id].family !== family) setUsage(defaultUsageMask(ALGORITHMS[id].family));
  };

  const submit = async (e?: FormEvent) => {
    e?.preventDefault();
    if (busy) return;
    setFailure(null);
    const checked = keyNameSchema.safeParse(name);
    if (!checked.success) {
      setNameError(checked.error.issues[0]?.message ?? 'This name is not accepted.');
      return;
    }
    setNameError(null);
    if (blocked) {
      setFailure({ title: 'Not yet', message: blocked });
      return;
    }
    setBusy(true);
    const onToken = store === 'token' && token ? token : null;
    try {
      const key = await api.call('keys.generate', {
        name: checked.data,
        algorithm,
        usage: usage & FAMILY_USAGE[family],
        ...(purpose ? { purpose } : {}),
        ...(onToken ? { tokenSerial: onToken.serial, wrappable } : {}),
      });
      const where = onToken ? ` on token ${tokenTitle(onToken)}` : '';
      if (!mounted.current) {
        notify({
          color: 'green',
          title: 'Key generated',
          message: `${key.name} (${inventoryAlgorithmLabel(key.algorithm)}) was generated${where}, state ${stateLabel(key.state)}.`,
          action: { label: 'Open the key', view: { name: 'key', id: key.id } },
        });
        return;
      }
      setName('');
      notify({
        color: 'green',
        title: 'Key generated',
        message: `${key.name} (${inventoryAlgorithmLabel(key.algorithm)}) is in the inventory${where}, state ${stateLabel(key.state)}.`,
      });
      navigate({ name: 'key', id: key.id });
    } catch (err) {
      if (!mounted.current) {
        if (!handleSessionError(err)) notify({ color: 'red', title: 'The key was not generated', message: errorMessage(err) });
        return;
      }
      setBusy(false);
      if (handleSessionError(err)) return;
      if (isApiError(err, 'E_INPUT') && /name/i.test(errorMessage(err))) setNameError(errorMessage(err));
      else setFailure(failureOf('The key was not generated', err));
    }
  };

  const label = ALGORITHMS[algorithm].label;
  const choices = usageChoices(family);

  return (
    <Stack gap="md" maw={620}>
      <div>
        <PageTitle focus={false}>Generate key</PageTitle>
        <Text size="sm" c="dimmed">
          In software, stored encrypted in the vault, or on a PKCS#11 token (HSM or smart card). The key starts in the Pre-active state.
        </Text>
      </div>
      <ReadOnlyNote reason={denied} />
      <Paper withBorder p="lg" radius="md">
        <form onSubmit={(e) => void submit(e)} noValidate aria-label="Generate key">
          <Stack gap="md">
            <TextInput
              label="Key name"
              description="A label people read, e.g. payments-signing. On a token it is also the objects' CKA_LABEL."
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
                if (parsed.success) chooseAlgorithm(parsed.data);
              }}
              description={algorithmHint(algorithm, store)}
              disabled={busy}
            />
            <Stack gap={4}>
              <Text size="sm" fw={500} id="store-label">
                Where the key lives
              </Text>
              <SegmentedControl
                aria-labelledby="store-label"
                value={store}
                onChange={(v) => setStore(v === 'token' ? 'token' : 'vault')}
                data={[
                  { value: 'vault', label: 'Vault (software)' },
                  { value: 'token', label: 'Token (PKCS#11)' },
                ]}
                disabled={busy}
              />
            </Stack>

            {store === 'token' && (
              <Stack gap="sm" data-testid="token-choice">
                {tokenFailure && <ErrorAlert title={tokenFailure.title} message={tokenFailure.message} code={tokenFailure.code} />}
                {!tokens && !tokenFailure && (
                  <Group gap="xs">
                    <Loader size="xs" />
                    <Text size="sm" c="dimmed">
                      Reading the tokens…
                    </Text>
                  </Group>
                )}
                {tokens && usable.length === 0 && (
                  <Alert color="yellow" variant="light" title="No token to generate on" data-testid="no-token">
                    No initialised token is present. Insert a smart card or connect the HSM, or initialise a free slot on the{' '}
                    <Anchor component="button" type="button" fz="inherit" onClick={() => navigate({ name: 'tokens' })}>
                      Tokens page
                    </Anchor>
                    .
                  </Alert>
                )}
                {usable.length > 0 && (
                  <NativeSelect
                    label="Token"
                    data={usable.map((t) => ({ value: t.serial, label: tokenOption(t) }))}
                    value={serial}
                    onChange={(e) => setSerial(e.currentTarget.value)}
                    disabled={busy}
                  />
                )}
                {needsLogin && token && (
                  <Paper withBorder p="sm" radius="md" bg="var(--mantine-color-default-hover)">
                    <Stack gap={6}>
                      <Text size="sm" fw={600}>
                        {tokenTitle(token)} is not logged in
                      </Text>
                      <TokenLogin
                        key={token.serial}
                        token={token}
                        submitLabel="Log in to the token"
                        onLoggedIn={(t) => {
                          setTokens((list) => list?.map((x) => (x.serial === t.serial ? t : x)) ?? list);
                          notify({ color: 'green', title: 'Logged in', message: `Logged in to ${tokenTitle(t)}.` });
                        }}
                      />
                    </Stack>
                  </Paper>
                )}
                <Switch
                  label="Wrappable for backup"
                  description="Sets CKA_EXTRACTABLE so the key can leave the token wrapped under a backup key. Off, it can never leave the token."
                  checked={wrappable}
                  onChange={(e) => setWrappable(e.currentTarget.checked)}
                  disabled={busy}
                />
              </Stack>
            )}

            <PurposeSelect value={purpose} onChange={setPurpose} disabled={busy} />

            <Checkbox.Group
              label="Usage"
              description={`What the key may be used for (KMIP usage mask), enforced on every operation${store === 'token' ? ' and set as CKA_SIGN, CKA_DECRYPT, … on the token' : ''}. ${ALGORITHMS[algorithm].label} keys offer these.`}
              value={choices.filter((c) => (usage & c.bit) !== 0).map((c) => c.name)}
              onChange={(names) => setUsage(choices.filter((c) => names.includes(c.name)).reduce((m, c) => m | c.bit, 0))}
              error={usage === 0 ? 'Choose at least one usage.' : undefined}
            >
              <Group gap="md" mt={6} data-testid="usage-choices">
                {choices.map((c) => (
                  <Checkbox key={c.name} value={c.name} label={c.label} disabled={busy} />
                ))}
              </Group>
            </Checkbox.Group>

            {failure && <ErrorAlert title={failure.title} message={failure.message} code={failure.code} onClose={() => setFailure(null)} />}
            <Group justify="flex-end">
              <Button variant="default" onClick={() => navigate({ name: store === 'token' && presetToken ? 'tokens' : 'inventory' })} disabled={busy}>
                Cancel
              </Button>
              <GatedButton type="submit" reason={busy ? null : blocked} loading={busy} onClick={() => undefined}>
                Generate
              </GatedButton>
            </Group>
            {busy && (
              <Stack gap={6} role="status" data-testid="generate-progress">
                <Group gap="xs">
                  <Loader size="xs" />
                  <Text size="sm" c="dimmed">
                    {store === 'token' && token ? `Generating the ${label} key on ${tokenTitle(token)}… The console stays usable meanwhile.` : `Generating the ${label} key…`}
                  </Text>
                </Group>
              </Stack>
            )}
          </Stack>
        </form>
      </Paper>
    </Stack>
  );
}
