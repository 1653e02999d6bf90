import { useEffect, useState, type FormEvent } from 'react';
import { Alert, Badge, Button, Checkbox, Group, Paper, PasswordInput, SimpleGrid, Stack, Text, Title } from '@mantine/core';
import { api } from '../api/client';
import { BusyLine, ErrorAlert, failureOf, type Failure } from '../components/common';
import { HandoffScreen } from '../components/Handoff';
import { IconDownload } from '../components/icons';
import { base64ToBytes } from '../lib/files';
import { groupHex, numberedWords } from '../lib/ceremony';
import { handleSessionError } from '../state/actions';

type Handed = { custodian: string; index: number; kind: 'mnemonic' | 'component'; share: string; kcv: string | null; cardPdf: string | null };
type Phase = { kind: 'list' } | { kind: 'handoff'; who: string } | { kind: 'auth'; who: string } | { kind: 'shown'; handed: Handed } | { kind: 'hidden'; who: string };

/** The custodian proves who they are before their share is fetched from the core. */
function RevealStep({ packageId, who, onDone, onCancel }: { packageId: string; who: string; onDone: (h: Handed) => void; onCancel: () => void }) {
  const [passphrase, setPassphrase] = useState('');
  const [card, setCard] = useState(true);
  const [failure, setFailure] = useState<Failure | null>(null);
  const [busy, setBusy] = useState(false);
  const submit = async (e: FormEvent) => {
    e.preventDefault();
    if (busy) return;
    setBusy(true);
    setFailure(null);
    try {
      const r = await api.call('backups.revealShare', { packageId, person: { user: who, passphrase }, card });
      setPassphrase('');
      onDone(r);
    } catch (err) {
      setPassphrase('');
      setBusy(false);
      if (handleSessionError(err)) return;
      setFailure(failureOf('The share was not handed over', err));
    }
  };
  return (
    <form onSubmit={(e) => void submit(e)} noValidate aria-label={`Reveal the share of ${who}`}>
      <Stack gap="sm">
        <Title order={3} fz="lg">
          {who}, confirm it is you
        </Title>
        <Text size="sm" c="dimmed">
          Your share is shown once, to you alone. Make sure nobody else can see the screen.
        </Text>
        {failure && <ErrorAlert title={failure.title} message={failure.message} code={failure.code} />}
        <PasswordInput label={`Passphrase of ${who}`} autoComplete="off" autoFocus value={passphrase} onChange={(e) => setPassphrase(e.currentTarget.value)} />
        <Checkbox label="Also make my printable share card (PDF)" checked={card} onChange={(e) => setCard(e.currentTarget.checked)} />
        {busy && <BusyLine>Checking your passphrase…</BusyLine>}
        <Group justify="space-between">
          <Button variant="subtle" color="gray" onClick={onCancel}>
            Not now
          </Button>
          <Button type="submit" loading={busy}>
            Show my share
          </Button>
        </Group>
      </Stack>
    </form>
  );
}

/** The share on screen, with its card to print or save; "hide" drops it from memory. */
function ShownShare({ handed, onHide }: { handed: Handed; onHide: () => void }) {
  const [url, setUrl] = useState<string | null>(null);
  useEffect(() => {
    if (!handed.cardPdf) return;
    const u = URL.createObjectURL(new Blob([base64ToBytes(handed.cardPdf)], { type: 'application/pdf' }));
    setUrl(u);
    return () => URL.revokeObjectURL(u);
  }, [handed.cardPdf]);
  return (
    <Stack gap="sm" data-testid="share-shown" aria-label={`Share of ${handed.custodian}`} role="region">
      <Title order={3} fz="lg">
        Share {handed.index} for {handed.custodian}
      </Title>
      <Alert color="red" variant="light" title="Secret: for your eyes only">
        Write it down on your share card or print the card, then hide it. It is shown once and is not kept by Custos.
      </Alert>
      {handed.kind === 'mnemonic' ? (
        <SimpleGrid cols={{ base: 2, sm: 4 }} spacing={6} data-testid="share-words">
          {numberedWords(handed.share).map((w) => (
            <Text key={w.n} className="custos-mono" size="sm">
              <Text span c="dimmed" size="xs">
                {w.n}.
              </Text>{' '}
              <strong data-testid="share-word">{w.word}</strong>
            </Text>
          ))}
        </SimpleGrid>
      ) : (
        <Stack gap={4}>
          <Text className="custos-mono" fz="lg" data-testid="share-component">
            {groupHex(handed.share)}
          </Text>
          <Text size="sm">
            Check value: <strong className="custos-mono">{handed.kcv}</strong>
          </Text>
        </Stack>
      )}
      {/* For the end-to-end test and for screen readers: the share exactly as typed back. */}
      <Text size="xs" c="dimmed" className="custos-mono" data-testid="share-text" style={{ wordBreak: 'break-word' }}>
        {handed.share}
      </Text>
      <Group justify="space-between">
        {url ? (
          <Button component="a" href={url} download={`share-card-${handed.custodian}.pdf`} variant="light" leftSection={<IconDownload size={16} />} data-testid="share-card-download">
            Save or print my card (PDF)
          </Button>
        ) : (
          <span />
        )}
        <Button onClick={onHide} autoFocus color="dark">
          I have it — hide my share
        </Button>
      </Group>
    </Stack>
  );
}

/**
 * Hands each custodian their share of a backup, one at a time: a hand-off screen, the custodian
 * authenticates, the share (and card) are shown, then a hide screen before anyone else comes.
 * The share lives only in this component's state while it is on screen.
 */
export function ShareHandout({ packageId, waiting, onChanged }: { packageId: string; waiting: string[]; onChanged: (waiting: string[]) => void }) {
  const [phase, setPhase] = useState<Phase>({ kind: 'list' });
  const [left, setLeft] = useState(waiting);
  useEffect(() => setLeft(waiting), [waiting]);

  if (phase.kind === 'handoff')
    return (
      <HandoffScreen title={`Pass the keyboard to ${phase.who}`} continueLabel={`I am ${phase.who} — continue`} onContinue={() => setPhase({ kind: 'auth', who: phase.who })} onCancel={() => setPhase({ kind: 'list' })}>
        {phase.who} is about to see their share. Everyone else looks away from the screen.
      </HandoffScreen>
    );
  if (phase.kind === 'auth') return <RevealStep packageId={packageId} who={phase.who} onDone={(h) => setPhase({ kind: 'shown', handed: h })} onCancel={() => setPhase({ kind: 'list' })} />;
  if (phase.kind === 'shown')
    return (
      <ShownShare
        handed={phase.handed}
        onHide={() => {
          const next = left.filter((c) => c !== phase.handed.custodian);
          setLeft(next);
          // The parent hears of it only after the hide screen, so nothing moves under the custodian's eyes.
          setPhase({ kind: 'hidden', who: phase.handed.custodian });
        }}
      />
    );
  if (phase.kind === 'hidden')
    return (
      <HandoffScreen
        title="Share hidden"
        continueLabel="Continue"
        onContinue={() => {
          setPhase({ kind: 'list' });
          onChanged(left);
        }}
        onCancel={() => {
          setPhase({ kind: 'list' });
          onChanged(left);
        }}
        cancelLabel="Back"
      >
        The share of {phase.who} is no longer on screen or in the console. {left.length ? `Next: ${left.join(', ')}.` : 'Every custodian has their share.'}
      </HandoffScreen>
    );
  return (
    <Paper withBorder p="md" radius="md" data-testid="share-handout">
      <Stack gap="xs">
        <Title order={3} fz="md">
          Hand out the shares
        </Title>
        {left.length === 0 ? (
          <Text size="sm">Every custodian has received their share.</Text>
        ) : (
          <>
            <Text size="sm" c="dimmed">
              Each custodian takes the keyboard in turn and sees only their own share.
            </Text>
            <Group gap="xs">
              {left.map((c) => (
                <Button key={c} variant="light" onClick={() => setPhase({ kind: 'handoff', who: c })}>
                  Hand {c} their share
                </Button>
              ))}
            </Group>
          </>
        )}
        <Group gap={4}>
          {waiting.length > 0 && <Badge variant="outline">{left.length} waiting</Badge>}
        </Group>
      </Stack>
    </Paper>
  );
}
