import { useEffect, useState, type FormEvent } from 'react';
import { Alert, Badge, Button, Checkbox, Code, Group, Modal, Paper, PasswordInput, Select, Stack, Table, Text, Textarea, Title } from '@mantine/core';
import type { CeremonyView } from '../../src-shared/contract-ceremonies';
import { api } from '../api/client';
import { BusyLine, ErrorAlert, failureOf, type Failure } from '../components/common';
import { HandoffScreen, StepChips } from '../components/Handoff';
import { CEREMONY_ROLE_LABEL, groupHex, normaliseMnemonic, stepProgress, transcriptSummary, type StepProgress } from '../lib/ceremony';
import { handleSessionError } from '../state/actions';
import { ShareHandout } from './CeremonyShares';

type Phase = { kind: 'step' } | { kind: 'handoff'; who: string } | { kind: 'attest'; who: string } | { kind: 'handback'; to: string };

const nameOf = (v: CeremonyView, id: string | null | undefined) => v.participants.find((p) => p.id === id)?.name ?? id ?? '';

/** One participant attests the step with their own passphrase (and, verifying shares, their share). */
function AttestForm({ view, who, withShare, onDone, onCancel }: { view: CeremonyView; who: string; withShare: 'mnemonic' | 'component' | null; onDone: (v: CeremonyView) => void; onCancel: () => void }) {
  const [passphrase, setPassphrase] = useState('');
  const [share, setShare] = useState('');
  const [failure, setFailure] = useState<Failure | null>(null);
  const [busy, setBusy] = useState(false);
  const stepId = view.pending!.stepId;
  const step = view.template.steps.find((s) => s.id === stepId)!;
  const submit = async (e: FormEvent) => {
    e.preventDefault();
    if (busy) return;
    setBusy(true);
    setFailure(null);
    try {
      const shareInput = withShare === 'mnemonic' ? { kind: 'mnemonic' as const, mnemonic: normaliseMnemonic(share) } : withShare === 'component' ? { kind: 'component' as const, hex: share.replace(/\s+/g, '') } : undefined;
      const v = await api.call('ceremonies.attest', { ceremonyId: view.ceremonyId, stepId, person: { user: who, passphrase }, ...(shareInput ? { share: shareInput } : {}) });
      setPassphrase('');
      setShare('');
      onDone(v);
    } catch (err) {
      setPassphrase('');
      setBusy(false);
      if (handleSessionError(err)) return;
      setFailure(failureOf('The attestation was refused', err));
    }
  };
  return (
    <form onSubmit={(e) => void submit(e)} noValidate aria-label={`Attestation of ${who}`}>
      <Stack gap="sm">
        <Title order={3} fz="lg">
          {nameOf(view, who)} attests: {step.title}
        </Title>
        <Text size="sm" c="dimmed">
          By typing your passphrase you confirm, in person, that this step happened as described.
        </Text>
        {failure && <ErrorAlert title={failure.title} message={failure.message} code={failure.code} />}
        {withShare && (
          <Textarea
            label={withShare === 'mnemonic' ? 'Your share (the words, in order)' : 'Your component (hex)'}
            description={step.kind === 'recover-backup' ? 'It is checked against the backup now and held sealed in the core until the step runs; then it is dropped.' : 'It is checked against the backup without reconstructing the key, and not kept.'}
            autosize
            minRows={3}
            autoFocus
            autoComplete="off"
            spellCheck={false}
            value={share}
            onChange={(e) => setShare(e.currentTarget.value)}
          />
        )}
        <PasswordInput label={`Passphrase of ${who}`} autoComplete="off" autoFocus={!withShare} value={passphrase} onChange={(e) => setPassphrase(e.currentTarget.value)} />
        {busy && <BusyLine>Checking…</BusyLine>}
        <Group justify="space-between">
          <Button variant="subtle" color="gray" onClick={onCancel}>
            Back
          </Button>
          <Button type="submit" loading={busy}>
            Attest
          </Button>
        </Group>
      </Stack>
    </form>
  );
}

/** The person at the keyboard performs the step (their passphrase; a note's text). */
function PerformForm({ view, progress, onDone }: { view: CeremonyView; progress: StepProgress; onDone: (v: CeremonyView) => void }) {
  const [passphrase, setPassphrase] = useState('');
  const [text, setText] = useState('');
  const [exception, setException] = useState(false);
  const [failure, setFailure] = useState<Failure | null>(null);
  const [busy, setBusy] = useState(false);
  const { step, actor } = progress;
  // A fingerprint step in a ceremony without its own key (a recovery) names the key to identify.
  const pickKey = step.kind === 'show-fingerprint' && !view.keyId;
  const [keys, setKeys] = useState<Array<{ value: string; label: string }>>([]);
  const [keyId, setKeyId] = useState<string | null>(null);
  useEffect(() => {
    if (!pickKey) return;
    void api
      .call('keys.list', { limit: 500 })
      .then((r) => setKeys(r.items.filter((k) => k.fingerprint).map((k) => ({ value: k.id, label: `${k.name} (${k.algorithm}, ${k.fingerprint!.slice(0, 16)}…)` }))))
      .catch((err: unknown) => void handleSessionError(err));
  }, [pickKey]);
  const submit = async (e: FormEvent) => {
    e.preventDefault();
    if (busy || !actor) return;
    setBusy(true);
    setFailure(null);
    try {
      const v = await api.call('ceremonies.perform', { ceremonyId: view.ceremonyId, stepId: step.id, actor: { user: actor.id, passphrase }, ...(step.kind === 'note' ? { text, exception } : {}), ...(pickKey && keyId ? { keyId } : {}) });
      setPassphrase('');
      setText('');
      setBusy(false);
      onDone(v);
    } catch (err) {
      setPassphrase('');
      setBusy(false);
      if (handleSessionError(err)) return;
      setFailure(failureOf('The step was not performed', err));
    }
  };
  const working: Partial<Record<string, string>> = {
    'generate-key': 'Generating the key on the token…',
    certificate: 'Signing the certificate with the new key…',
    'split-backup': 'Wrapping the key and splitting the backup…',
    'recover-backup': 'Opening the backup, approving the recovery and restoring the key…',
  };
  return (
    <form onSubmit={(e) => void submit(e)} noValidate aria-label="Perform the step">
      <Stack gap="sm">
        {failure && <ErrorAlert title={failure.title} message={failure.message} code={failure.code} />}
        {step.kind === 'note' && (
          <>
            <Textarea label={step.text ?? 'Statement'} autosize minRows={3} value={text} onChange={(e) => setText(e.currentTarget.value)} data-autofocus />
            <Checkbox label="This records an exception (a departure from the script)" checked={exception} onChange={(e) => setException(e.currentTarget.checked)} />
          </>
        )}
        {pickKey && <Select label="The key to identify (the restored key)" data={keys} value={keyId} onChange={setKeyId} searchable />}
        <PasswordInput
          label={`${actor?.name ?? ''}, your passphrase to perform this step`}
          description={progress.ready ? undefined : `Still needed first: ${progress.missing.join(', ')}.`}
          autoComplete="off"
          value={passphrase}
          onChange={(e) => setPassphrase(e.currentTarget.value)}
        />
        {busy && <BusyLine testId="ceremony-working">{working[step.kind] ?? 'Recording the step…'}</BusyLine>}
        <Group justify="flex-end">
          <Button type="submit" loading={busy}>
            Perform step {progress.index + 1} as {actor?.name}
          </Button>
        </Group>
      </Stack>
    </form>
  );
}

/** Abort (administrator or witness) or a free note (anyone), each with the person's passphrase. */
function PersonTextModal({ view, mode, onClose, onDone }: { view: CeremonyView; mode: 'abort' | 'note' | null; onClose: () => void; onDone: (v: CeremonyView) => void }) {
  const eligible = view.participants.filter((p) => mode === 'note' || p.role === 'ceremony-administrator' || p.role === 'internal-witness');
  const [who, setWho] = useState<string | null>(null);
  const [passphrase, setPassphrase] = useState('');
  const [text, setText] = useState('');
  const [failure, setFailure] = useState<Failure | null>(null);
  const [busy, setBusy] = useState(false);
  const close = () => {
    setPassphrase('');
    setText('');
    setFailure(null);
    onClose();
  };
  const submit = async (e: FormEvent) => {
    e.preventDefault();
    if (busy || !who) return;
    setBusy(true);
    setFailure(null);
    try {
      const person = { user: who, passphrase };
      const v = mode === 'abort' ? await api.call('ceremonies.abort', { ceremonyId: view.ceremonyId, person, reason: text }) : await api.call('ceremonies.note', { ceremonyId: view.ceremonyId, person, text });
      setBusy(false);
      close();
      onDone(v);
    } catch (err) {
      setPassphrase('');
      setBusy(false);
      if (handleSessionError(err)) return;
      setFailure(failureOf(mode === 'abort' ? 'The ceremony was not aborted' : 'The note was not recorded', err));
    }
  };
  return (
    <Modal opened={mode !== null} onClose={close} title={mode === 'abort' ? 'Abort the ceremony' : 'Add a note to the transcript'}>
      <form onSubmit={(e) => void submit(e)} noValidate>
        <Stack gap="sm">
          {mode === 'abort' && <Text size="sm">Aborting is final: the transcript records who stopped the ceremony and why. Shares not yet handed out are forgotten.</Text>}
          {failure && <ErrorAlert title={failure.title} message={failure.message} code={failure.code} />}
          <Select label="Who" data={eligible.map((p) => ({ value: p.id, label: `${p.name} (${CEREMONY_ROLE_LABEL[p.role]})` }))} value={who} onChange={setWho} data-autofocus />
          <Textarea label={mode === 'abort' ? 'Reason' : 'Note'} autosize minRows={2} value={text} onChange={(e) => setText(e.currentTarget.value)} />
          <PasswordInput label="Passphrase" autoComplete="off" value={passphrase} onChange={(e) => setPassphrase(e.currentTarget.value)} />
          <Group justify="flex-end">
            <Button variant="default" onClick={close}>
              Cancel
            </Button>
            <Button type="submit" color={mode === 'abort' ? 'red' : undefined} loading={busy} disabled={!who || !text.trim() || !passphrase}>
              {mode === 'abort' ? 'Abort the ceremony' : 'Add the note'}
            </Button>
          </Group>
        </Stack>
      </form>
    </Modal>
  );
}

function Transcript({ view }: { view: CeremonyView }) {
  return (
    <Paper withBorder p="md" radius="md">
      <Title order={3} fz="md" mb="xs">
        Transcript so far ({view.transcript.length} entries)
      </Title>
      <Table striped verticalSpacing={4} fz="sm" data-testid="ceremony-transcript">
        <Table.Thead>
          <Table.Tr>
            <Table.Th>#</Table.Th>
            <Table.Th>Time (UTC)</Table.Th>
            <Table.Th>By</Table.Th>
            <Table.Th>Entry</Table.Th>
            <Table.Th>What</Table.Th>
          </Table.Tr>
        </Table.Thead>
        <Table.Tbody>
          {view.transcript.map((e) => (
            <Table.Tr key={e.seq} data-testid="transcript-row">
              <Table.Td>{e.seq}</Table.Td>
              <Table.Td className="custos-mono">{e.time.replace('T', ' ').slice(0, 19)}</Table.Td>
              <Table.Td>{e.actor}</Table.Td>
              <Table.Td>
                <Code fz="xs">{e.operation.replace('ceremony.', '')}</Code>
              </Table.Td>
              <Table.Td>{transcriptSummary(e)}</Table.Td>
            </Table.Tr>
          ))}
        </Table.Tbody>
      </Table>
    </Paper>
  );
}

/** What the ceremony has produced so far: the key, its fingerprint words, the certificate, the package. */
function Outputs({ view }: { view: CeremonyView }) {
  if (!view.fingerprint && !view.certificate && !view.backup) return null;
  const recovered = view.transcript.find((e) => e.operation === 'ceremony.recover-backup')?.details;
  return (
    <Paper withBorder p="md" radius="md" data-testid="ceremony-outputs">
      <Stack gap={6}>
        {recovered && (
          <Alert color={recovered.fingerprintMatches ? 'green' : 'red'} title="Key restored" data-testid="ceremony-recovered">
            Restored into {recovered.tokenSerial ? `token ${String(recovered.tokenSerial)}` : 'the vault'} as key <span className="custos-mono">{String(recovered.keyId)}</span>. Its fingerprint{' '}
            {recovered.fingerprintMatches ? 'matches' : 'does not match'} the backup package&apos;s. Recovery requested by {String(recovered.requestedBy)}, approved by {String(recovered.approvedBy)}.
          </Alert>
        )}
        {view.fingerprint && (
          <>
            <Text size="sm" fw={600}>
              Public key fingerprint (SHA-256 of the SPKI)
            </Text>
            <Text className="custos-mono" size="sm" data-testid="ceremony-fingerprint">
              {groupHex(view.fingerprint)}
            </Text>
            {view.pgpWords && (
              <Text size="sm" data-testid="ceremony-pgp-words">
                {view.pgpWords.join(' ')}
              </Text>
            )}
          </>
        )}
        {view.certificate && (
          <Text size="sm">
            Certificate {view.certificate.subject}: <span className="custos-mono" data-testid="ceremony-certificate-path">{view.certificate.path}</span>
          </Text>
        )}
        {view.backup && (
          <Text size="sm">
            Backup {view.backup.scheme} {view.backup.threshold} of {view.backup.count} to {view.backup.custodians.join(', ')}
            {view.backup.path && (
              <>
                : <span className="custos-mono" data-testid="ceremony-package-path">{view.backup.path}</span>
              </>
            )}
          </Text>
        )}
      </Stack>
    </Paper>
  );
}

function Finished({ view, onClose }: { view: CeremonyView; onClose: () => void }) {
  const [exported, setExported] = useState<{ path: string; pdfPath: string | null; publicKeyFingerprint: string } | null>(null);
  const [failure, setFailure] = useState<Failure | null>(null);
  const [busy, setBusy] = useState(false);
  const exportIt = async () => {
    setBusy(true);
    setFailure(null);
    try {
      setExported(await api.call('ceremonies.export', { ceremonyId: view.ceremonyId, pdf: true }));
    } catch (err) {
      if (!handleSessionError(err)) setFailure(failureOf('The transcript was not exported', err));
    }
    setBusy(false);
  };
  return (
    <Stack gap="sm" data-testid="ceremony-finished">
      {view.status === 'completed' ? (
        <Alert color="green" title="Ceremony complete">
          Every step was performed and attested. Export the transcript for the auditor.
        </Alert>
      ) : (
        <Alert color="red" title="Ceremony aborted">
          {view.abortReason}
        </Alert>
      )}
      {failure && <ErrorAlert title={failure.title} message={failure.message} code={failure.code} />}
      {exported && (
        <Paper withBorder p="sm" data-testid="ceremony-export">
          <Text size="sm">
            Signed transcript: <span className="custos-mono" data-testid="ceremony-export-path">{exported.path}</span>
          </Text>
          {exported.pdfPath && (
            <Text size="sm">
              PDF: <span className="custos-mono" data-testid="ceremony-export-pdf">{exported.pdfPath}</span>
            </Text>
          )}
          <Text size="sm">
            Verify: <Code>custos audit verify {exported.path} --expect-key <span data-testid="ceremony-export-key">{exported.publicKeyFingerprint}</span></Code>
          </Text>
        </Paper>
      )}
      <Group justify="flex-end">
        <Button variant="default" onClick={onClose}>
          Close
        </Button>
        <Button onClick={() => void exportIt()} loading={busy}>
          Export the transcript (signed bundle and PDF)
        </Button>
      </Group>
    </Stack>
  );
}

/**
 * The ceremony wizard: one step per screen, who is at the keyboard, progress, the attestations
 * still needed (each person takes the keyboard behind a hand-off screen and types their own
 * passphrase), the share hand-out, abort with a reason, and the transcript so far. The core
 * decides everything; this screen shows what it said.
 */
export function CeremonyWizard({ view, onView, onClose }: { view: CeremonyView; onView: (v: CeremonyView) => void; onClose: () => void }) {
  const [phase, setPhase] = useState<Phase>({ kind: 'step' });
  const [modal, setModal] = useState<'abort' | 'note' | null>(null);
  const progress = stepProgress(view);
  const steps = view.template.steps;
  const chips = steps.map((s) => s.title.replace(/\s*\(.*\)$/, ''));
  const shareKind = view.backup?.scheme === 'xor' ? 'component' : 'mnemonic';
  const update = (v: CeremonyView) => onView(v);

  let body;
  if (!progress) body = <Finished view={view} onClose={onClose} />;
  else if (phase.kind === 'handoff')
    body = (
      <HandoffScreen title={`Pass the keyboard to ${nameOf(view, phase.who)}`} continueLabel={`I am ${nameOf(view, phase.who)} — continue`} onContinue={() => setPhase({ kind: 'attest', who: phase.who })} onCancel={() => setPhase({ kind: 'step' })} cancelLabel="Back">
        {nameOf(view, phase.who)} ({CEREMONY_ROLE_LABEL[view.participants.find((p) => p.id === phase.who)!.role]}) attests “{progress.step.title}”.
      </HandoffScreen>
    );
  else if (phase.kind === 'attest') {
    const custodian = view.participants.find((p) => p.id === phase.who)?.role === 'key-custodian';
    const takesShare = (progress.step.kind === 'verify-shares' || progress.step.kind === 'recover-backup') && custodian;
    body = (
      <AttestForm
        view={view}
        who={phase.who}
        withShare={takesShare ? shareKind : null}
        onCancel={() => setPhase({ kind: 'step' })}
        onDone={(v) => {
          update(v);
          setPhase(takesShare ? { kind: 'handback', to: progress.actor?.id ?? '' } : { kind: 'step' });
        }}
      />
    );
  } else if (phase.kind === 'handback')
    body = (
      <HandoffScreen title={progress.step.kind === 'recover-backup' ? 'Share entered and cleared' : 'Share verified and cleared'} continueLabel="Continue" onContinue={() => setPhase({ kind: 'step' })} onCancel={() => setPhase({ kind: 'step' })} cancelLabel="Back">
        Nothing of the share is left on screen. Pass the keyboard back to {nameOf(view, phase.to)}.
      </HandoffScreen>
    );
  else {
    const { step, actor } = progress;
    const waiting = view.backup?.waiting ?? [];
    body = (
      <Stack gap="md" data-testid="ceremony-step" data-step={step.id}>
        <Group justify="space-between" align="flex-start">
          <div>
            <Text size="sm" c="dimmed">
              Step {progress.index + 1} of {steps.length}
            </Text>
            <Title order={2} fz="xl" data-testid="ceremony-step-title">
              {step.title}
            </Title>
          </div>
          <Badge size="lg" variant="light" data-testid="at-keyboard">
            At the keyboard: {actor?.name} ({actor ? CEREMONY_ROLE_LABEL[actor.role] : ''})
          </Badge>
        </Group>
        {step.description && <Text size="sm">{step.description}</Text>}
        {step.text && step.kind !== 'note' && (
          <Alert variant="light" color="blue">
            {step.text}
          </Alert>
        )}
        {step.kind === 'generate-key' && (
          <Text size="sm">
            Algorithm <Code>{String(step.params.algorithm)}</Code> on {step.params.store === 'token' ? `token ${view.tokenSerial ?? ''}` : 'the vault'}
            {step.params.wrappable ? ', wrappable for the backup' : ', never extractable'}. The token must be logged in (Tokens page).
          </Text>
        )}
        {step.kind === 'certificate' && (
          <Text size="sm">
            {step.params.mode === 'self-signed-root' ? 'Self-signed root certificate' : 'Certificate request'} for <Code>{String(step.params.subject)}</Code>
            {step.params.days ? `, valid ${String(step.params.days)} days` : ''}.
          </Text>
        )}
        {step.kind === 'recover-backup' && (
          <Text size="sm" data-testid="recovery-plan">
            Restores {view.backup ? `the key of backup ${view.backup.packageId.slice(0, 8)} (${view.backup.scheme}, ${view.backup.threshold} of ${view.backup.count})` : 'the key'} into{' '}
            {step.params.target === 'token' ? `token ${view.tokenSerial ?? ''}` : 'the vault'}. Each custodian present enters their own share; the witness&apos;s attestation approves the
            dual-controlled recovery request that performing the step files. The restored key&apos;s fingerprint must equal the package&apos;s.
          </Text>
        )}
        {step.kind === 'split-backup' && (
          <Text size="sm">
            Scheme {String(step.params.scheme)}, {String(step.params.threshold)} of {String(step.params.shares)} shares, one to each custodian.
          </Text>
        )}
        <Outputs view={view} />
        {view.backup && waiting.length > 0 && <ShareHandout packageId={view.backup.packageId} waiting={waiting} onChanged={(w) => update({ ...view, backup: { ...view.backup!, waiting: w } })} />}
        {progress.rows.length > 0 && (
          <Paper withBorder p="md" radius="md">
            <Title order={3} fz="md" mb="xs">
              Attestations {progress.ready ? '(complete)' : `— still needed: ${progress.missing.join(', ')}`}
            </Title>
            <Stack gap={6}>
              {progress.rows.map((r) => (
                <Group key={r.id} justify="space-between" data-testid="attestation-row" data-person={r.id}>
                  <Text size="sm">
                    {r.name} <Text span c="dimmed" size="xs">({CEREMONY_ROLE_LABEL[r.role]})</Text>
                  </Text>
                  {r.attested ? (
                    <Badge color="green" variant="light">
                      Attested
                    </Badge>
                  ) : (
                    <Button size="xs" variant="light" onClick={() => setPhase({ kind: 'handoff', who: r.id })} disabled={step.kind === 'verify-shares' && waiting.includes(r.id)}>
                      Attest as {r.name}
                    </Button>
                  )}
                </Group>
              ))}
            </Stack>
          </Paper>
        )}
        <PerformForm key={step.id} view={view} progress={progress} onDone={update} />
      </Stack>
    );
  }

  return (
    <Stack gap="md" data-testid="ceremony-wizard">
      <Group justify="space-between" align="flex-start">
        <div>
          <Title order={1} fz="h2">
            {view.template.title}
          </Title>
          <Text size="xs" c="dimmed" className="custos-mono">
            Ceremony {view.ceremonyId}
          </Text>
        </div>
        {view.status === 'running' && (
          <Group gap="xs">
            <Button variant="default" onClick={() => setModal('note')}>
              Add a note…
            </Button>
            <Button color="red" variant="light" onClick={() => setModal('abort')}>
              Abort…
            </Button>
          </Group>
        )}
      </Group>
      <StepChips steps={chips} current={progress ? progress.index : steps.length} />
      <Paper withBorder p="lg" radius="md">
        {body}
      </Paper>
      <Transcript view={view} />
      <PersonTextModal view={view} mode={modal} onClose={() => setModal(null)} onDone={update} />
    </Stack>
  );
}
