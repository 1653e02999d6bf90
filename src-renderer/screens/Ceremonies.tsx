import { useEffect, useState, type FormEvent } from 'react';
import { Badge, Button, Card, FileInput, Group, Loader, PasswordInput, Select, SimpleGrid, Stack, Text, Title } from '@mantine/core';
import type { CeremonyTemplateInfo, CeremonyView } from '../../src-shared/contract-ceremonies';
import type { TokenSummary } from '../../src-shared/contract';
import type { UserInfo } from '../../src-shared/people';
import type { KeySummary } from '../../src-shared/keys';
import { api } from '../api/client';
import { BusyLine, DeniedButton, ErrorAlert, failureOf, PageTitle, type Failure } from '../components/common';
import { deniedReason } from '../lib/permissions';
import { useApp } from '../state/store';
import { CEREMONY_ROLE_LABEL, castProblem, castSlots, needsKey } from '../lib/ceremony';
import { roleLabel } from '../lib/format';
import { handleSessionError } from '../state/actions';
import { CeremonyWizard } from './CeremonyWizard';

/** Choose the cast (vault users), the token or package the template needs; the administrator opens it. */
function StartForm({ template, onStarted, onCancel }: { template: CeremonyTemplateInfo; onStarted: (v: CeremonyView) => void; onCancel: () => void }) {
  const slots = castSlots(template);
  const [users, setUsers] = useState<UserInfo[]>([]);
  const [tokens, setTokens] = useState<TokenSummary[]>([]);
  const [keys, setKeys] = useState<KeySummary[]>([]);
  const [chosen, setChosen] = useState<Array<string | null>>(slots.map(() => null));
  const [token, setToken] = useState<string | null>(null);
  const [keyId, setKeyId] = useState<string | null>(null);
  const [pkg, setPkg] = useState<string | null>(null);
  const [passphrase, setPassphrase] = useState('');
  const [problem, setProblem] = useState<string | null>(null);
  const [failure, setFailure] = useState<Failure | null>(null);
  const [busy, setBusy] = useState(false);
  const wantsKey = needsKey(template);
  const restores = template.steps.some((s) => s.kind === 'recover-backup');

  useEffect(() => {
    void (async () => {
      try {
        setUsers((await api.call('users.list', {})).filter((u) => !u.disabled));
        if (template.needsToken) setTokens((await api.call('tokens.list', {})).filter((t) => t.initialized));
        if (wantsKey) setKeys((await api.call('keys.list', { limit: 500 })).items.filter((k) => k.state !== 'destroyed' && k.state !== 'destroyed-compromised'));
      } catch (err) {
        if (!handleSessionError(err)) setFailure(failureOf('Could not read what the ceremony needs', err));
      }
    })();
  }, [template.id, template.needsToken, wantsKey]);

  const admin = chosen[slots.findIndex((s) => s.role === 'ceremony-administrator')] ?? null;
  const submit = async (e: FormEvent) => {
    e.preventDefault();
    if (busy) return;
    const p = castProblem(slots, chosen) ?? (template.needsToken && !token ? (restores ? 'Choose the token the key is restored into.' : 'Choose the token the key is generated on.') : null) ?? (template.needsPackage && !pkg ? 'Load the backup package.' : null) ?? (wantsKey && !keyId ? 'Choose the key.' : null);
    setProblem(p);
    if (p || !admin) return;
    setBusy(true);
    setFailure(null);
    try {
      const participants = slots.flatMap((s, i) => (chosen[i] ? [{ user: chosen[i]!, role: s.role }] : []));
      const v = await api.call('ceremonies.start', {
        templateId: template.id,
        participants,
        administrator: { user: admin, passphrase },
        ...(token ? { tokenSerial: token } : {}),
        ...(pkg ? { backupPackage: pkg } : {}),
        ...(keyId ? { keyId } : {}),
      });
      setPassphrase('');
      onStarted(v);
    } catch (err) {
      setPassphrase('');
      setBusy(false);
      if (handleSessionError(err)) return;
      setFailure(failureOf('The ceremony did not start', err));
    }
  };

  const options = users.map((u) => ({ value: u.name, label: `${u.name} (${roleLabel(u.role)})` }));
  return (
    <form onSubmit={(e) => void submit(e)} noValidate aria-label={`Start ${template.title}`}>
      <Stack gap="md">
        <PageTitle>{template.title}</PageTitle>
        {template.description && <Text size="sm">{template.description}</Text>}
        {failure && <ErrorAlert title={failure.title} message={failure.message} code={failure.code} />}
        <Title order={3} fz="md">
          Participants
        </Title>
        <Text size="sm" c="dimmed">
          Every participant is a person of this vault and must be in the room: each types their own passphrase whenever they attest a step.
          {template.roles.custodianCount > 0 && ` Key custodians: quorum ${template.roles.custodianThreshold} of ${template.roles.custodianCount}.`}
        </Text>
        <SimpleGrid cols={{ base: 1, sm: 2 }}>
          {slots.map((s, i) => (
            <Select
              key={`${s.role}-${s.n}`}
              label={`${CEREMONY_ROLE_LABEL[s.role]}${slots.filter((x) => x.role === s.role).length > 1 ? ` ${s.n}` : ''}${s.required ? '' : ' (optional)'}`}
              data={options}
              value={chosen[i] ?? null}
              onChange={(v) => setChosen((c) => c.map((x, j) => (j === i ? v : x)))}
              clearable
              searchable
            />
          ))}
        </SimpleGrid>
        {template.needsToken && (
          <Select
            label={restores ? 'Token to restore the key into' : 'Token for the key'}
            description={restores ? 'A freshly initialised token; log in to it on the Tokens page first.' : 'Log in to it on the Tokens page first.'}
            data={tokens.map((t) => ({ value: t.serial, label: `${t.label} (${t.serial})${t.loggedIn ? '' : ' — not logged in'}` }))}
            value={token}
            onChange={setToken}
          />
        )}
        {wantsKey && <Select label="Key" data={keys.map((k) => ({ value: k.id, label: `${k.name} (${k.algorithm})` }))} value={keyId} onChange={setKeyId} searchable />}
        {template.needsPackage && (
          <FileInput label="Backup package" placeholder="key.backup.json" accept=".json,application/json" onChange={(f) => void f?.text().then(setPkg)} />
        )}
        <PasswordInput
          label={admin ? `${admin}, your passphrase to open the ceremony` : 'Ceremony administrator’s passphrase'}
          autoComplete="off"
          value={passphrase}
          onChange={(e) => setPassphrase(e.currentTarget.value)}
          error={problem}
        />
        {busy && <BusyLine>Opening the ceremony…</BusyLine>}
        <Group justify="flex-end">
          <Button variant="default" onClick={onCancel}>
            Cancel
          </Button>
          <Button type="submit" loading={busy}>
            Start the ceremony
          </Button>
        </Group>
      </Stack>
    </form>
  );
}

/** Ceremonies: the shipped templates, and the ceremony in progress (one at a time). */
export function Ceremonies() {
  const [templates, setTemplates] = useState<CeremonyTemplateInfo[] | null>(null);
  const [current, setCurrent] = useState<CeremonyView | null>(null);
  const [starting, setStarting] = useState<CeremonyTemplateInfo | null>(null);
  const [failure, setFailure] = useState<Failure | null>(null);
  const role = useApp((s) => s.status?.user?.role ?? null);
  // The core refuses a start without lifecycle rights; the console says so before anyone tries.
  const denied = deniedReason(role, 'keys.lifecycle', 'run a key ceremony');

  useEffect(() => {
    void (async () => {
      try {
        setTemplates(await api.call('ceremonies.templates', {}));
        const c = await api.call('ceremonies.current', {});
        if (c && c.status === 'running') setCurrent(c);
      } catch (err) {
        if (!handleSessionError(err)) setFailure(failureOf('Could not read the ceremonies', err));
      }
    })();
  }, []);

  if (current) return <CeremonyWizard view={current} onView={setCurrent} onClose={() => setCurrent(null)} />;
  if (starting)
    return (
      <StartForm
        template={starting}
        onCancel={() => setStarting(null)}
        onStarted={(v) => {
          setStarting(null);
          setCurrent(v);
        }}
      />
    );
  return (
    <Stack gap="md">
      <PageTitle>Ceremonies</PageTitle>
      <Text size="sm" c="dimmed">
        Scripted, witnessed key ceremonies with a custodian quorum. Every step is attested by the people present and recorded in a signed
        transcript that <code>custos audit verify</code> checks.
      </Text>
      {failure && <ErrorAlert title={failure.title} message={failure.message} code={failure.code} />}
      {!templates && !failure && <Loader size="sm" />}
      <SimpleGrid cols={{ base: 1, md: 2 }}>
        {(templates ?? []).map((t) => (
          <Card key={t.id} withBorder padding="md" data-testid="ceremony-template" data-template={t.id}>
            <Stack gap={6}>
              <Group justify="space-between">
                <Text fw={700}>{t.title}</Text>
                <Badge variant="outline">{t.steps.length} steps</Badge>
              </Group>
              {t.description && (
                <Text size="sm" c="dimmed">
                  {t.description}
                </Text>
              )}
              <Text size="xs">
                Custodians {t.roles.custodianThreshold} of {t.roles.custodianCount}
                {t.roles.witnesses ? `, ${t.roles.witnesses} witness` : ''}
                {t.roles.auditors ? `, ${t.roles.auditors} auditor` : ''}
                {t.needsToken ? ' · generates on a token' : ''}
              </Text>
              <Group justify="flex-end">
                {denied ? (
                  <DeniedButton size="xs" reason={denied} aria-label={`Start ${t.title}`}>
                    Start…
                  </DeniedButton>
                ) : (
                  <Button size="xs" onClick={() => setStarting(t)} aria-label={`Start ${t.title}`}>
                    Start…
                  </Button>
                )}
              </Group>
            </Stack>
          </Card>
        ))}
      </SimpleGrid>
    </Stack>
  );
}
