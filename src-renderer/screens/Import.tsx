import { useEffect, useRef, useState } from 'react';
import { Anchor, Badge, Button, Checkbox, Group, Modal, Paper, PasswordInput, Progress, SegmentedControl, Stack, Table, Text, Textarea } from '@mantine/core';
import type { FileOutcomeView, ImportResultView } from '../../src-shared/contract-discovery';
import { api, errorMessage } from '../api/client';
import { ErrorAlert, PageTitle } from '../components/common';
import { CertificateView } from '../components/CertificateView';
import { GatedButton } from '../components/GatedButton';
import { bytesToBase64 } from '../lib/files';
import { itemsText, mergeResults, needsPassphrase, OUTCOME_COLORS, OUTCOME_LABELS, parsePathList, summarize, uploadBatches, uploadName, withPickedPaths } from '../lib/import-view';
import { deniedReason } from '../lib/permissions';
import { handleSessionError } from '../state/actions';
import { useApp } from '../state/store';

type Source = 'upload' | 'paths';

/** The passphrase dialog for one file: the passphrase lives only here and is dropped on close. */
function PassphraseDialog({ path, onSubmit, onClose }: { path: string | null; onSubmit: (passphrase: string) => Promise<void>; onClose: () => void }) {
  const [value, setValue] = useState('');
  const [busy, setBusy] = useState(false);
  const close = () => {
    setValue('');
    onClose();
  };
  return (
    <Modal opened={path !== null} onClose={close} title="Passphrase for an encrypted file" centered>
      <form
        onSubmit={(e) => {
          e.preventDefault();
          if (!value) return;
          setBusy(true);
          void onSubmit(value).finally(() => {
            setBusy(false);
            setValue('');
          });
        }}
      >
        <Stack gap="sm">
          <Text size="sm" style={{ wordBreak: 'break-all' }}>
            {path}
          </Text>
          <PasswordInput label="Passphrase" description="Opens the key or PKCS#12 file; it is not stored." value={value} onChange={(e) => setValue(e.currentTarget.value)} data-autofocus data-testid="import-passphrase" />
          <Group justify="flex-end">
            <Button variant="default" onClick={close}>
              Cancel
            </Button>
            <Button type="submit" loading={busy} disabled={!value} data-testid="import-passphrase-submit">
              Open and import
            </Button>
          </Group>
        </Stack>
      </form>
    </Modal>
  );
}

function OutcomeRow({ o, onPassphrase, onCertificate }: { o: FileOutcomeView; onPassphrase: (path: string) => void; onCertificate: (id: string) => void }) {
  const navigate = useApp((s) => s.navigate);
  const keyIds = [...new Set(o.items.map((i) => i.keyId).filter((k): k is string => k !== null))];
  const certificates = o.items.filter((i) => i.certificateId !== null);
  return (
    <Table.Tr data-testid="import-row" data-outcome={o.outcome} data-path={o.path}>
      <Table.Td style={{ wordBreak: 'break-all' }}>
        <Text size="sm" className="custos-mono">
          {o.path}
        </Text>
      </Table.Td>
      <Table.Td>
        <Badge color={OUTCOME_COLORS[o.outcome]} variant="light" className="custos-badge" data-testid="import-outcome">
          {OUTCOME_LABELS[o.outcome]}
        </Badge>
      </Table.Td>
      <Table.Td>{o.format ?? '—'}</Table.Td>
      <Table.Td>
        <Stack gap={2}>
          <Text size="sm">{itemsText(o) || '—'}</Text>
          {(keyIds.length > 0 || certificates.length > 0) && (
            <Group gap={6}>
              {certificates.map((c) => (
                <Anchor key={c.certificateId} size="xs" component="button" type="button" onClick={() => onCertificate(c.certificateId!)} data-testid="import-certificate-link" title={c.label ?? undefined}>
                  certificate {c.label?.replace(/^CN=/, '').slice(0, 24) ?? c.certificateId!.slice(0, 8)}
                </Anchor>
              ))}
              {keyIds.map((id) => (
                <Anchor key={id} size="xs" component="button" type="button" onClick={() => navigate({ name: 'key', id })} data-testid="import-key-link">
                  key {id.slice(0, 8)}
                </Anchor>
              ))}
            </Group>
          )}
        </Stack>
      </Table.Td>
      <Table.Td>
        <Stack gap={4}>
          {o.reason && (
            <Text size="sm" data-testid="import-reason">
              {o.reason}
            </Text>
          )}
          {needsPassphrase(o) && (
            <Button size="xs" variant="light" onClick={() => onPassphrase(o.path)} data-testid="import-enter-passphrase" w="fit-content">
              Enter passphrase
            </Button>
          )}
        </Stack>
      </Table.Td>
    </Table.Tr>
  );
}

/**
 * Import keys and certificates: files chosen in the browser (sent in batches that fit the bridge)
 * or paths on the machine the core runs on (files and whole folders). Each file gets its outcome
 * and reason; encrypted files ask for their passphrase row by row.
 */
export function Import() {
  const role = useApp((s) => s.status?.user?.role ?? null);
  const notify = useApp((s) => s.notify);
  const [source, setSource] = useState<Source>('upload');
  const [pathsText, setPathsText] = useState('');
  // The desktop host has the system's file dialog (import.pickPaths); the browser host has none.
  const host = useApp((s) => s.host);
  const pick = async (kind: 'files' | 'folder') => {
    try {
      const r = await api.call('import.pickPaths', { kind });
      if (!r.cancelled) setPathsText((t) => withPickedPaths(t, r.paths));
    } catch (err) {
      if (!handleSessionError(err)) setFailure(errorMessage(err));
    }
  };
  const [importPrivate, setImportPrivate] = useState(false);
  const [busy, setBusy] = useState(false);
  const [progress, setProgress] = useState<number | null>(null);
  const [result, setResult] = useState<ImportResultView | null>(null);
  const [failure, setFailure] = useState<string | null>(null);
  const [askFor, setAskFor] = useState<string | null>(null);
  const [showCertificate, setShowCertificate] = useState<string | null>(null);
  /** Uploaded files by name, kept so a passphrase retry can send the same bytes again. */
  const uploaded = useRef(new Map<string, File>());
  const fileInput = useRef<HTMLInputElement>(null);
  const folderInput = useRef<HTMLInputElement>(null);
  const jobId = useRef('');
  const denied = deniedReason(role, 'keys.generate', 'import keys');

  useEffect(
    () =>
      api.on('job.progress', (p) => {
        if (p.jobId === jobId.current) setProgress(p.fraction);
      }),
    [],
  );

  const run = async (calls: Array<() => Promise<ImportResultView>>, replace: boolean) => {
    setBusy(true);
    setFailure(null);
    setProgress(0);
    let merged = replace ? null : result;
    try {
      for (const call of calls) {
        jobId.current = `import-${Date.now()}-${Math.floor(Math.random() * 1e6)}`;
        merged = mergeResults(merged, await call());
        setResult(merged);
      }
      if (merged) notify({ color: 'green', title: 'Import finished', message: summarize(merged.counts, merged.truncated) });
    } catch (err) {
      if (!handleSessionError(err)) setFailure(errorMessage(err));
    } finally {
      setBusy(false);
      setProgress(null);
    }
  };

  const uploadCalls = (files: File[], passphrase?: string): { calls: Array<() => Promise<ImportResultView>>; tooLarge: FileOutcomeView[] } => {
    const { batches, tooLarge } = uploadBatches(files.map((f) => f.size));
    return {
      calls: batches.map((batch) => async () => {
        const payload = await Promise.all(batch.map(async (i) => ({ name: files[i]!.name, content: bytesToBase64(new Uint8Array(await files[i]!.arrayBuffer())), ...(passphrase ? { passphrase } : {}) })));
        return api.call('import.upload', { files: payload, importPrivate, jobId: jobId.current });
      }),
      tooLarge: tooLarge.map((i) => ({ path: files[i]!.name, outcome: 'unsupported', reason: 'Too large to send from the browser in one piece; import it by its path instead.', format: null, items: [] })),
    };
  };

  const chooseFiles = (list: FileList | null) => {
    // Files picked from a folder carry their path inside it: keep it (with › for /, which a name may not hold).
    const files = [...(list ?? [])].map((f) => (f.webkitRelativePath ? new File([f], uploadName(f.webkitRelativePath), { type: f.type }) : f));
    if (fileInput.current) fileInput.current.value = '';
    if (folderInput.current) folderInput.current.value = '';
    if (files.length === 0) return;
    uploaded.current = new Map(files.map((f) => [f.name, f]));
    const { calls, tooLarge } = uploadCalls(files);
    const pre: ImportResultView | null = tooLarge.length ? mergeResults(null, { files: tooLarge, counts: { imported: 0, duplicate: 0, unsupported: tooLarge.length, malformed: 0, 'password-needed': 0, 'wrong-password': 0 }, truncated: 0 }) : null;
    setResult(pre);
    void run(calls, pre === null);
  };

  const importPaths = () => {
    const paths = parsePathList(pathsText);
    if (paths.length === 0) return;
    void run([() => api.call('import.paths', { paths, importPrivate, jobId: jobId.current })], true);
  };

  const retryWithPassphrase = async (passphrase: string) => {
    const path = askFor;
    if (!path) return;
    const file = uploaded.current.get(path);
    setAskFor(null);
    const calls = file ? uploadCalls([file], passphrase).calls : [() => api.call('import.paths', { paths: [path], passphrases: { [path]: passphrase }, importPrivate, jobId: jobId.current })];
    await run(calls, false);
  };

  return (
    <Stack gap="lg">
      <PageTitle>Import keys and certificates</PageTitle>
      <Text size="sm" c="dimmed" maw={760}>
        PEM and DER keys and certificates (PKCS#1, PKCS#8 — encrypted too —, SEC1, SubjectPublicKeyInfo, X.509 chains, PKCS#7 bundles, PKCS#10 requests, PKCS#12), OpenSSH keys, JWK and JWK Sets. Public parts always enter the inventory, once per key (by SPKI fingerprint); certificates are linked to their keys.
      </Text>
      <Paper withBorder p="md" radius="md">
        <Stack gap="md">
          <SegmentedControl
            value={source}
            onChange={(v) => setSource(v as Source)}
            data={[
              { value: 'upload', label: 'Files from this computer' },
              { value: 'paths', label: 'Paths on the core’s machine' },
            ]}
            w="fit-content"
            data-testid="import-source"
          />
          <Checkbox
            checked={importPrivate}
            onChange={(e) => setImportPrivate(e.currentTarget.checked)}
            label="Also import private keys into the vault"
            description="Sealed like generated keys, and only where the active policy allows a vault key of that kind; otherwise only the public part is recorded."
            data-testid="import-private"
          />
          {source === 'upload' ? (
            <Group>
              <input ref={fileInput} type="file" multiple hidden onChange={(e) => chooseFiles(e.currentTarget.files)} data-testid="import-file-input" />
              <input ref={folderInput} type="file" multiple hidden onChange={(e) => chooseFiles(e.currentTarget.files)} data-testid="import-folder-input" {...{ webkitdirectory: '' }} />
              <GatedButton reason={denied} onClick={() => fileInput.current?.click()} loading={busy} testId="import-choose-files">
                Choose files…
              </GatedButton>
              <GatedButton reason={denied} onClick={() => folderInput.current?.click()} loading={busy} variant="default" testId="import-choose-folder">
                Choose a folder…
              </GatedButton>
            </Group>
          ) : (
            <Stack gap="xs">
              <Textarea
                label="Files or folders"
                description="Absolute paths, one per line. Folders are read recursively; links leading out of a folder are not followed; files over 1 MiB are skipped."
                autosize
                minRows={3}
                value={pathsText}
                onChange={(e) => setPathsText(e.currentTarget.value)}
                data-testid="import-paths"
                classNames={{ input: 'custos-mono' }}
              />
              <Group>
                {host === 'electron' && (
                  <>
                    <Button variant="default" onClick={() => void pick('folder')} disabled={busy}>
                      Choose a folder…
                    </Button>
                    <Button variant="default" onClick={() => void pick('files')} disabled={busy}>
                      Choose files…
                    </Button>
                  </>
                )}
                <GatedButton reason={denied ?? (parsePathList(pathsText).length === 0 ? 'Give at least one path.' : null)} onClick={importPaths} loading={busy} testId="import-run">
                  Import
                </GatedButton>
              </Group>
            </Stack>
          )}
          {progress !== null && <Progress value={progress * 100} aria-label="Import progress" data-testid="import-progress" />}
        </Stack>
      </Paper>

      {failure && <ErrorAlert title="The import failed" message={failure} />}

      {result && (
        <Stack gap="xs">
          <Text size="sm" data-testid="import-summary">
            {summarize(result.counts, result.truncated)}
          </Text>
          <Table.ScrollContainer minWidth={800}>
            <Table striped highlightOnHover verticalSpacing="xs" data-testid="import-results">
              <Table.Thead>
                <Table.Tr>
                  <Table.Th>File</Table.Th>
                  <Table.Th>Outcome</Table.Th>
                  <Table.Th>Format</Table.Th>
                  <Table.Th>Found</Table.Th>
                  <Table.Th>Reason</Table.Th>
                </Table.Tr>
              </Table.Thead>
              <Table.Tbody>
                {result.files.map((o) => (
                  <OutcomeRow key={o.path} o={o} onPassphrase={setAskFor} onCertificate={setShowCertificate} />
                ))}
              </Table.Tbody>
            </Table>
          </Table.ScrollContainer>
        </Stack>
      )}
      <PassphraseDialog path={askFor} onSubmit={retryWithPassphrase} onClose={() => setAskFor(null)} />
      <CertificateView id={showCertificate} onClose={() => setShowCertificate(null)} />
    </Stack>
  );
}
