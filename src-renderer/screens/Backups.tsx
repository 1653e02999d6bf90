import { useEffect, useState, type FormEvent } from 'react';
import { Alert, Button, FileInput, Group, MultiSelect, NumberInput, Paper, PasswordInput, SegmentedControl, Select, Stack, Tabs, Text, Textarea, Title } from '@mantine/core';
import type { BackupSummary, HeldShareInput } from '../../src-shared/contract-ceremonies';
import type { TokenSummary } from '../../src-shared/contract';
import type { KeySummary } from '../../src-shared/keys';
import type { UserInfo } from '../../src-shared/people';
import { api } from '../api/client';
import { BusyLine, DeniedButton, ErrorAlert, failureOf, PageTitle, type Failure } from '../components/common';
import { deniedReason } from '../lib/permissions';
import { useApp } from '../state/store';
import { HandoffScreen } from '../components/Handoff';
import { normaliseMnemonic } from '../lib/ceremony';
import { roleLabel } from '../lib/format';
import { handleSessionError, reportOutcome } from '../state/actions';
import { ShareHandout } from './CeremonyShares';

type ShareKind = 'mnemonic' | 'component' | 'file';
/** What the custodian typed or loaded, as the contract wants it (a share file comes with its passphrase). */
const toShare = (kind: ShareKind, text: string, sharePassphrase = ''): HeldShareInput =>
  kind === 'mnemonic' ? { kind, mnemonic: normaliseMnemonic(text) } : kind === 'component' ? { kind, hex: text.replace(/\s+/g, '') } : { kind, file: text, passphrase: sharePassphrase };
const KINDS = [
  { value: 'mnemonic', label: 'Mnemonic' },
  { value: 'component', label: 'XOR component' },
  { value: 'file', label: 'Share file' },
];

/** The share itself: typed words or hex, or a share file and the passphrase that seals it. */
function ShareField({ kind, text, onText, sharePassphrase, onSharePassphrase }: { kind: ShareKind; text: string; onText: (t: string) => void; sharePassphrase: string; onSharePassphrase: (p: string) => void }) {
  if (kind === 'file')
    return (
      <>
        <FileInput label="Share file" accept=".json,application/json" onChange={(f) => void f?.text().then(onText)} />
        <PasswordInput label="Share file passphrase" autoComplete="off" value={sharePassphrase} onChange={(e) => onSharePassphrase(e.currentTarget.value)} />
      </>
    );
  return (
    <Textarea
      label={kind === 'mnemonic' ? 'Your share (the words, in order)' : 'Your component (hex)'}
      autosize
      minRows={3}
      spellCheck={false}
      autoComplete="off"
      value={text}
      onChange={(e) => onText(e.currentTarget.value)}
    />
  );
}

function useLists() {
  const [users, setUsers] = useState<UserInfo[]>([]);
  const [keys, setKeys] = useState<KeySummary[]>([]);
  const [tokens, setTokens] = useState<TokenSummary[]>([]);
  useEffect(() => {
    void (async () => {
      try {
        setUsers((await api.call('users.list', {})).filter((u) => !u.disabled));
        setKeys((await api.call('keys.list', { limit: 500 })).items);
        setTokens((await api.call('tokens.list', {})).filter((t) => t.initialized));
      } catch (err) {
        handleSessionError(err);
      }
    })();
  }, []);
  return { users, keys, tokens };
}

/** One custodian chooses the passphrase that seals their share file (typed twice, out of sight). */
function SharePassphraseForm({ who, onSave, onCancel }: { who: string; onSave: (p: string) => void; onCancel: () => void }) {
  const [a, setA] = useState('');
  const [b, setB] = useState('');
  const [error, setError] = useState<string | null>(null);
  return (
    <form
      onSubmit={(e) => {
        e.preventDefault();
        const problem = a.length < 10 ? 'At least 10 characters.' : a !== b ? 'The two entries differ.' : null;
        setError(problem);
        if (problem) return;
        setA('');
        setB('');
        onSave(a);
      }}
      noValidate
      aria-label={`Share passphrase of ${who}`}
    >
      <Stack gap="sm" maw={560}>
        <Title order={3} fz="lg">
          {who}, choose the passphrase for your share file
        </Title>
        <PasswordInput label={`Share passphrase for ${who}`} autoComplete="off" autoFocus value={a} onChange={(e) => setA(e.currentTarget.value)} error={error} />
        <PasswordInput label="Type it again" autoComplete="off" value={b} onChange={(e) => setB(e.currentTarget.value)} />
        <Group justify="space-between">
          <Button variant="subtle" color="gray" onClick={onCancel}>
            Cancel
          </Button>
          <Button type="submit">Save and hand on</Button>
        </Group>
      </Stack>
    </form>
  );
}

function CreateBackup({ users, keys }: { users: UserInfo[]; keys: KeySummary[] }) {
  const [keyId, setKeyId] = useState<string | null>(null);
  const [scheme, setScheme] = useState<'slip39' | 'xor' | 'files'>('slip39');
  // files: each custodian's share passphrase, collected one at a time, dropped after the one call.
  const [collecting, setCollecting] = useState<{ index: number; handoff: boolean; passphrases: string[] } | null>(null);
  const [custodians, setCustodians] = useState<string[]>([]);
  const [threshold, setThreshold] = useState(2);
  const [created, setCreated] = useState<BackupSummary | null>(null);
  const [failure, setFailure] = useState<Failure | null>(null);
  const [busy, setBusy] = useState(false);
  const [pkgUrl, setPkgUrl] = useState<string | null>(null);
  const denied = deniedReason(useApp((st) => st.status?.user?.role ?? null), 'keys.lifecycle', 'back up keys');
  useEffect(() => {
    if (!created) return;
    const u = URL.createObjectURL(new Blob([created.packageText], { type: 'application/json' }));
    setPkgUrl(u);
    return () => URL.revokeObjectURL(u);
  }, [created]);

  const create = async (sharePassphrases?: string[]) => {
    if (busy || !keyId) return;
    setBusy(true);
    setFailure(null);
    try {
      setCreated(await api.call('backups.create', { keyId, scheme, threshold: scheme === 'xor' ? custodians.length : threshold, custodians, ...(sharePassphrases ? { sharePassphrases } : {}) }));
    } catch (err) {
      if (!handleSessionError(err)) setFailure(failureOf('The backup was not made', err));
    }
    setBusy(false);
  };
  const submit = (e: FormEvent) => {
    e.preventDefault();
    if (scheme === 'files') setCollecting({ index: 0, handoff: true, passphrases: [] });
    else void create();
  };
  if (collecting) {
    const who = custodians[collecting.index]!;
    if (collecting.handoff)
      return (
        <HandoffScreen title={`Pass the keyboard to ${who}`} continueLabel={`I am ${who} — continue`} onContinue={() => setCollecting({ ...collecting, handoff: false })} onCancel={() => setCollecting(null)}>
          Custodian {collecting.index + 1} of {custodians.length} chooses the passphrase that seals their share file.
        </HandoffScreen>
      );
    return (
      <SharePassphraseForm
        key={who}
        who={who}
        onCancel={() => setCollecting(null)}
        onSave={(p) => {
          const passphrases = [...collecting.passphrases, p];
          if (passphrases.length < custodians.length) setCollecting({ index: collecting.index + 1, handoff: true, passphrases });
          else {
            setCollecting(null);
            void create(passphrases);
          }
        }}
      />
    );
  }
  if (created)
    return (
      <Stack gap="md" data-testid="backup-created">
        <Alert color="green" title={`Backup of ${created.keyName}`}>
          {created.scheme === 'xor' ? `${created.count} XOR components` : `${created.scheme === 'files' ? 'Share files' : 'SLIP-0039'}, any ${created.threshold} of ${created.count}`} for {created.custodians.join(', ')}.
          {created.kekKcv && ` Combined check value ${created.kekKcv}.`} The package (no secret in it) is at <span className="custos-mono" data-testid="backup-path">{created.path}</span>.
        </Alert>
        {pkgUrl && (
          <Group>
            <Button component="a" href={pkgUrl} download={`backup-${created.packageId.slice(0, 8)}.json`} variant="light">
              Download the package
            </Button>
          </Group>
        )}
        {created.shareFiles.length > 0 && (
          <Paper withBorder p="sm" data-testid="share-files">
            {created.shareFiles.map((f) => (
              <Text key={f.path} size="sm">
                {f.custodian}: <span className="custos-mono">{f.path}</span>
              </Text>
            ))}
          </Paper>
        )}
        {created.waiting.length > 0 && <ShareHandout packageId={created.packageId} waiting={created.waiting} onChanged={(w) => setCreated({ ...created, waiting: w })} />}
        <Group justify="flex-end">
          <Button variant="default" onClick={() => setCreated(null)} disabled={created.waiting.length > 0}>
            Done
          </Button>
        </Group>
      </Stack>
    );
  return (
    <form onSubmit={(e) => void submit(e)} noValidate aria-label="Back up a key">
      <Stack gap="sm" maw={560}>
        {failure && <ErrorAlert title={failure.title} message={failure.message} code={failure.code} />}
        <Select label="Key" data={keys.map((k) => ({ value: k.id, label: `${k.name} (${k.algorithm}, ${k.store})` }))} value={keyId} onChange={setKeyId} searchable />
        <SegmentedControl
          value={scheme}
          onChange={(v) => setScheme(v as 'slip39' | 'xor' | 'files')}
          data={[
            { value: 'slip39', label: 'SLIP-0039 mnemonics (M of N)' },
            { value: 'xor', label: 'XOR components (all N)' },
            { value: 'files', label: 'Share files (M of N)' },
          ]}
        />
        <MultiSelect label="Custodians (one share each)" data={users.map((u) => ({ value: u.name, label: `${u.name} (${roleLabel(u.role)})` }))} value={custodians} onChange={setCustodians} searchable />
        {scheme !== 'xor' && <NumberInput label="Shares needed to recover" min={1} max={Math.max(1, custodians.length)} value={threshold} onChange={(v) => setThreshold(Number(v) || 1)} w={240} />}
        {scheme === 'files' && (
          <Text size="xs" c="dimmed">
            Each custodian in turn chooses the passphrase that seals their share file; the files go to the export folder.
          </Text>
        )}
        {busy && <BusyLine>Making the backup…</BusyLine>}
        <Group justify="flex-end">
          {denied ? (
            <DeniedButton reason={denied}>Back up the key</DeniedButton>
          ) : (
            <Button type="submit" loading={busy} disabled={!keyId || custodians.length < 2}>
              Back up the key
            </Button>
          )}
        </Group>
      </Stack>
    </form>
  );
}

function VerifyShare() {
  const [pkg, setPkg] = useState<string | null>(null);
  const [kind, setKind] = useState<ShareKind>('mnemonic');
  const [share, setShare] = useState('');
  const [sharePass, setSharePass] = useState('');
  const [result, setResult] = useState<string | null>(null);
  const [failure, setFailure] = useState<Failure | null>(null);
  const submit = async (e: FormEvent) => {
    e.preventDefault();
    if (!pkg) return;
    setFailure(null);
    setResult(null);
    try {
      const r = await api.call('backups.verifyShare', { packageText: pkg, share: toShare(kind, share, sharePass) });
      setResult(`Share ${r.index}${r.custodian ? ` (${r.custodian})` : ''} is intact and belongs to the backup of ${r.keyName}.`);
    } catch (err) {
      if (!handleSessionError(err)) setFailure(failureOf('The share does not match', err));
    }
    setShare('');
    setSharePass('');
  };
  return (
    <form onSubmit={(e) => void submit(e)} noValidate aria-label="Verify a share">
      <Stack gap="sm" maw={560}>
        <Text size="sm" c="dimmed">
          Checks that a share is intact and belongs to a backup, without reconstructing its key.
        </Text>
        {failure && <ErrorAlert title={failure.title} message={failure.message} code={failure.code} />}
        {result && (
          <Alert color="green" data-testid="verify-result">
            {result}
          </Alert>
        )}
        <FileInput label="Backup package" accept=".json,application/json" onChange={(f) => void f?.text().then(setPkg)} />
        <SegmentedControl value={kind} onChange={(v) => setKind(v as ShareKind)} data={KINDS} />
        <ShareField kind={kind} text={share} onText={setShare} sharePassphrase={sharePass} onSharePassphrase={setSharePass} />
        <Group justify="flex-end">
          <Button type="submit" disabled={!pkg || !share.trim()}>
            Verify
          </Button>
        </Group>
      </Stack>
    </form>
  );
}

type Entry = { user: string; passphrase: string; share: HeldShareInput };

/** One custodian at the keyboard: who they are, their passphrase, their share. */
function CustodianEntry({ kind, users, onSave, onCancel }: { kind: ShareKind; users: UserInfo[]; onSave: (e: Entry) => void; onCancel: () => void }) {
  const [user, setUser] = useState<string | null>(null);
  const [passphrase, setPassphrase] = useState('');
  const [share, setShare] = useState('');
  const [sharePass, setSharePass] = useState('');
  return (
    <form
      onSubmit={(e) => {
        e.preventDefault();
        if (!user || !passphrase || !share.trim() || (kind === 'file' && !sharePass)) return;
        const entry = { user, passphrase, share: toShare(kind, share, sharePass) };
        setPassphrase('');
        setShare('');
        setSharePass('');
        onSave(entry);
      }}
      noValidate
      aria-label="Custodian's share"
    >
      <Stack gap="sm" maw={560}>
        <Select label="Custodian" data={users.map((u) => ({ value: u.name, label: u.name }))} value={user} onChange={setUser} searchable data-autofocus />
        <ShareField kind={kind} text={share} onText={setShare} sharePassphrase={sharePass} onSharePassphrase={setSharePass} />
        <PasswordInput label="Your passphrase" autoComplete="off" value={passphrase} onChange={(e) => setPassphrase(e.currentTarget.value)} />
        <Group justify="space-between">
          <Button variant="subtle" color="gray" onClick={onCancel}>
            Cancel recovery
          </Button>
          <Button type="submit">Add my share and hand on</Button>
        </Group>
      </Stack>
    </form>
  );
}

/**
 * Recovery: load the package, then each custodian in turn (hand-off screens) gives their share
 * and passphrase; the entries stay in this component until the one `backups.recover` call and are
 * dropped after it, on failure and on cancel. The restore itself waits for a second approval.
 */
function Recover({ users, tokens }: { users: UserInfo[]; tokens: TokenSummary[] }) {
  const [pkg, setPkg] = useState<string | null>(null);
  const [kind, setKind] = useState<ShareKind>('mnemonic');
  const [target, setTarget] = useState<string>('vault');
  const [entries, setEntries] = useState<Entry[]>([]);
  const [phase, setPhase] = useState<'form' | 'handoff' | 'entry'>('form');
  const [failure, setFailure] = useState<Failure | null>(null);
  const [done, setDone] = useState<string | null>(null);
  const [busy, setBusy] = useState(false);
  const denied = deniedReason(useApp((st) => st.status?.user?.role ?? null), 'approvals.decide', 'request a recovery');
  const reset = () => {
    setEntries([]);
    setPhase('form');
  };
  const recover = async () => {
    if (!pkg || busy) return;
    setBusy(true);
    setFailure(null);
    try {
      const o = await api.call('backups.recover', { packageText: pkg, custodians: entries.map((e) => ({ person: { user: e.user, passphrase: e.passphrase }, share: e.share })), ...(target !== 'vault' ? { tokenSerial: target } : {}) });
      setDone(`${o.summary}${o.fingerprint ? ` — fingerprint ${o.fingerprint}` : ''}`);
      reportOutcome(o);
    } catch (err) {
      if (!handleSessionError(err)) setFailure(failureOf('The key was not recovered', err));
    }
    setEntries([]);
    setBusy(false);
  };
  if (phase === 'handoff')
    return (
      <HandoffScreen title={`Pass the keyboard to custodian ${entries.length + 1}`} continueLabel="I am the next custodian — continue" onContinue={() => setPhase('entry')} onCancel={reset} cancelLabel="Cancel recovery">
        {entries.length ? `${entries.map((e) => e.user).join(', ')} gave their share. ` : ''}The next custodian types their share out of everyone else’s sight.
      </HandoffScreen>
    );
  if (phase === 'entry')
    return (
      <CustodianEntry
        kind={kind}
        users={users}
        onCancel={reset}
        onSave={(e) => {
          setEntries((x) => [...x, e]);
          setPhase('form');
        }}
      />
    );
  return (
    <Stack gap="sm" maw={560}>
      <Text size="sm" c="dimmed">
        Enough custodians bring their shares; the key is restored (into the vault or a token) after a second person approves, and only if its fingerprint equals the original’s.
      </Text>
      {failure && <ErrorAlert title={failure.title} message={failure.message} code={failure.code} />}
      {done && (
        <Alert color="blue" data-testid="recover-result">
          {done}
        </Alert>
      )}
      <FileInput label="Backup package" accept=".json,application/json" onChange={(f) => void f?.text().then(setPkg)} />
      <SegmentedControl value={kind} onChange={(v) => setKind(v as ShareKind)} data={KINDS} />
      <Select label="Restore into" data={[{ value: 'vault', label: 'The vault' }, ...tokens.map((t) => ({ value: t.serial, label: `Token ${t.label} (${t.serial})` }))]} value={target} onChange={(v) => setTarget(v ?? 'vault')} />
      <Paper withBorder p="sm">
        <Text size="sm" data-testid="recover-collected">
          Shares given: {entries.length ? entries.map((e) => e.user).join(', ') : 'none yet'}
        </Text>
      </Paper>
      {busy && <BusyLine>Opening the backup…</BusyLine>}
      <Group justify="flex-end">
        {entries.length > 0 && (
          <Button variant="default" onClick={reset}>
            Start again
          </Button>
        )}
        <Button variant="light" onClick={() => setPhase('handoff')} disabled={!pkg}>
          Next custodian…
        </Button>
        {denied ? (
          <DeniedButton reason={denied}>Recover the key</DeniedButton>
        ) : (
          <Button onClick={() => void recover()} disabled={!pkg || entries.length === 0} loading={busy}>
            Recover the key
          </Button>
        )}
      </Group>
    </Stack>
  );
}

/** Backups: split-knowledge backups of keys, checking a share, and recovery under dual control. */
export function Backups() {
  const { users, keys, tokens } = useLists();
  return (
    <Stack gap="md">
      <PageTitle>Backups</PageTitle>
      <Tabs defaultValue="create" keepMounted={false}>
        <Tabs.List>
          <Tabs.Tab value="create">Back up a key</Tabs.Tab>
          <Tabs.Tab value="verify">Verify a share</Tabs.Tab>
          <Tabs.Tab value="recover">Recover a key</Tabs.Tab>
        </Tabs.List>
        <Tabs.Panel value="create" pt="md">
          <Title order={2} fz="lg" mb="sm">
            Back up a key
          </Title>
          <CreateBackup users={users} keys={keys} />
        </Tabs.Panel>
        <Tabs.Panel value="verify" pt="md">
          <VerifyShare />
        </Tabs.Panel>
        <Tabs.Panel value="recover" pt="md">
          <Recover users={users} tokens={tokens} />
        </Tabs.Panel>
      </Tabs>
    </Stack>
  );
}
