import { useEffect, useState, type ReactNode } from 'react';
import { Alert, Badge, Button, Code, FileInput, Group, NativeSelect, Paper, SimpleGrid, Stack, Text, Title } from '@mantine/core';
import type { SignMechanismId } from '../../src-shared/contract';
import { SIGN_MECHANISMS } from '../../src-shared/contract';
import type { KeyDetail } from '../../src-shared/keys';
import type { Role } from '../../src-shared/users';
import { api } from '../api/client';
import { BusyLine, ErrorAlert, failureOf, type Failure } from '../components/common';
import { GatedButton } from '../components/GatedButton';
import { IconDownload } from '../components/icons';
import {
  base64ToBytes,
  bytesToBase64,
  concatBytes,
  decryptedName,
  encryptedName,
  fitsOneCall,
  formatBytes,
  signatureName,
  splitGcmFile,
} from '../lib/files';
import { defaultSignMechanism, oaepMaxPlaintext, signMechanisms, useBlocked, useOperations, type UseOperation } from '../lib/lifecycle';
import { deniedReason } from '../lib/permissions';
import { handleSessionError } from '../state/actions';
import { useApp } from '../state/store';

async function readFile(file: File): Promise<Uint8Array> {
  return new Uint8Array(await file.arrayBuffer());
}

/**
 * A result offered as a file: a Blob URL that lives as long as this link is shown and is revoked
 * when it goes (the bytes are then only in the download the person chose to keep).
 */
function DownloadLink({ bytes, name, testId }: { bytes: Uint8Array<ArrayBuffer>; name: string; testId: string }) {
  const [url, setUrl] = useState<string | null>(null);
  useEffect(() => {
    const u = URL.createObjectURL(new Blob([bytes], { type: 'application/octet-stream' }));
    setUrl(u);
    return () => URL.revokeObjectURL(u);
  }, [bytes]);
  if (!url) return null;
  return (
    <Button component="a" href={url} download={name} size="xs" variant="light" leftSection={<IconDownload size={14} />} data-testid={testId}>
      Download {name}
    </Button>
  );
}

/** A successful operation whose result is a file: what happened, the download and Forget. */
function FileResult({
  title,
  testId,
  bytes,
  name,
  downloadTestId,
  onForget,
  children,
}: {
  title: string;
  testId: string;
  bytes: Uint8Array<ArrayBuffer>;
  name: string;
  downloadTestId: string;
  onForget: () => void;
  children: ReactNode;
}) {
  return (
    <Alert color="green" variant="light" title={title} data-testid={testId} role="status">
      <Stack gap="xs">
        <Text size="sm">{children}</Text>
        <Group gap="xs">
          <DownloadLink bytes={bytes} name={name} testId={downloadTestId} />
          <Button size="xs" variant="subtle" color="gray" onClick={onForget}>
            Forget
          </Button>
        </Group>
      </Stack>
    </Alert>
  );
}

/** Choosing (or clearing) a file drops the card's previous result and failure. */
function picked(set: (f: File | null) => void, ...clear: ((none: null) => void)[]) {
  return (f: File | null) => {
    set(f);
    for (const c of clear) c(null);
  };
}

/** A file picker of one operation card; `testId` goes on the underlying file input. */
function OpFileInput({
  testId,
  ...props
}: {
  label: string;
  description?: string;
  placeholder: string;
  value: File | null;
  onChange: (f: File | null) => void;
  disabled: boolean;
  testId: string;
}) {
  return <FileInput {...props} clearable fileInputProps={{ 'data-testid': testId } as Record<string, string>} />;
}

function tooLarge(host: 'electron' | 'browser' | null, files: File[]): string | null {
  const fit = fitsOneCall(host, files.map((f) => f.size));
  if (fit.ok) return null;
  return host === 'browser'
    ? `Too large for one call through the browser host: at most about ${formatBytes(fit.maxBytes)} here (the Electron console takes up to 16 MiB).`
    : `Too large: at most ${formatBytes(fit.maxBytes)} per call.`;
}

function OpCard({ title, blocked, children, testId }: { title: string; blocked: string | null; children: ReactNode; testId: string }) {
  return (
    <Paper withBorder p="md" radius="md" component="section" aria-label={title} data-testid={testId} data-blocked={blocked ?? undefined}>
      <Stack gap="sm">
        <Group justify="space-between" gap="xs">
          <Title order={4} fz="md">
            {title}
          </Title>
          {blocked && (
            <Badge color="gray" variant="light" className="custos-badge">
              Not available
            </Badge>
          )}
        </Group>
        {blocked && (
          <Text size="sm" c="dimmed" data-testid="op-blocked">
            {blocked}
          </Text>
        )}
        {children}
      </Stack>
    </Paper>
  );
}

function MechanismSelect({ keyData, value, onChange, disabled }: { keyData: KeyDetail; value: SignMechanismId | null; onChange: (m: SignMechanismId) => void; disabled: boolean }) {
  const options = signMechanisms(keyData.family);
  if (options.length < 2) return null;
  const fallback = defaultSignMechanism(keyData.algorithm);
  return (
    <NativeSelect
      label="Mechanism"
      size="xs"
      data={options.map((m) => ({ value: m, label: m === fallback ? `${m} (default)` : m }))}
      value={value ?? fallback ?? options[0]}
      onChange={(e) => {
        const m = SIGN_MECHANISMS.find((x) => x === e.currentTarget.value);
        if (m) onChange(m);
      }}
      disabled={disabled}
    />
  );
}

interface OpProps {
  keyData: KeyDetail;
  blocked: string | null;
  host: 'electron' | 'browser' | null;
}

function SignCard({ keyData, blocked, host }: OpProps) {
  const mac = keyData.family === 'hmac';
  const [file, setFile] = useState<File | null>(null);
  const [mechanism, setMechanism] = useState<SignMechanismId | null>(defaultSignMechanism(keyData.algorithm));
  const [busy, setBusy] = useState(false);
  const [failure, setFailure] = useState<Failure | null>(null);
  const [result, setResult] = useState<{ signature: Uint8Array<ArrayBuffer>; mechanism: SignMechanismId; fileName: string; size: number } | null>(null);
  const reason = blocked ?? (file ? tooLarge(host, [file]) : null) ?? (file ? null : 'Choose a file first.');

  const sign = async () => {
    if (!file || busy) return;
    setBusy(true);
    setFailure(null);
    setResult(null);
    try {
      const data = bytesToBase64(await readFile(file));
      const r = await api.call('keys.sign', { id: keyData.id, data, ...(mechanism ? { mechanism } : {}) });
      setResult({ signature: base64ToBytes(r.signature), mechanism: r.mechanism, fileName: file.name, size: file.size });
      setFile(null); // the file is not needed any more
    } catch (err) {
      if (!handleSessionError(err)) setFailure(failureOf(mac ? 'No MAC was computed' : 'The file was not signed', err));
    } finally {
      setBusy(false);
    }
  };

  return (
    <OpCard title={mac ? 'Compute a MAC over a file' : 'Sign a file'} blocked={blocked} testId="use-sign">
      <OpFileInput
        label={mac ? 'File to authenticate' : 'File to sign'}
        placeholder="Choose a file…"
        value={file}
        onChange={picked(setFile, setResult, setFailure)}
        disabled={busy || !!blocked}
        testId="sign-file"
      />
      <MechanismSelect keyData={keyData} value={mechanism} onChange={setMechanism} disabled={busy || !!blocked} />
      <Group>
        <GatedButton reason={busy ? null : reason} onClick={() => void sign()} loading={busy} testId="sign-button">
          {mac ? 'Compute MAC' : 'Sign'}
        </GatedButton>
      </Group>
      {busy && <BusyLine>{keyData.store === 'token' ? 'Signing on the token…' : 'Signing…'}</BusyLine>}
      {failure && <ErrorAlert title={failure.title} message={failure.message} code={failure.code} onClose={() => setFailure(null)} />}
      {result && (
        <FileResult
          title={mac ? 'MAC computed' : 'Signed'}
          testId="sign-result"
          bytes={result.signature}
          name={signatureName(result.fileName)}
          downloadTestId="signature-download"
          onForget={() => setResult(null)}
        >
          {result.fileName} ({formatBytes(result.size)}) with <Code data-testid="sign-mechanism">{result.mechanism}</Code>: a {result.signature.length}-byte{' '}
          {mac ? 'MAC' : 'signature'}.
        </FileResult>
      )}
    </OpCard>
  );
}

function VerifyCard({ keyData, blocked, host }: OpProps) {
  const mac = keyData.family === 'hmac';
  const [file, setFile] = useState<File | null>(null);
  const [sigFile, setSigFile] = useState<File | null>(null);
  const [mechanism, setMechanism] = useState<SignMechanismId | null>(defaultSignMechanism(keyData.algorithm));
  const [busy, setBusy] = useState(false);
  const [failure, setFailure] = useState<Failure | null>(null);
  const [result, setResult] = useState<{ valid: boolean; mechanism: SignMechanismId; fileName: string; sigName: string } | null>(null);
  const reason =
    blocked ?? (file && sigFile ? tooLarge(host, [file, sigFile]) : null) ?? (!file ? 'Choose the signed file first.' : !sigFile ? `Choose the ${mac ? 'MAC' : 'signature'} file.` : null);

  const verify = async () => {
    if (!file || !sigFile || busy) return;
    setBusy(true);
    setFailure(null);
    setResult(null);
    try {
      const [data, signature] = await Promise.all([readFile(file), readFile(sigFile)]);
      const r = await api.call('keys.verify', { id: keyData.id, data: bytesToBase64(data), signature: bytesToBase64(signature), ...(mechanism ? { mechanism } : {}) });
      setResult({ valid: r.valid, mechanism: r.mechanism, fileName: file.name, sigName: sigFile.name });
      setFile(null);
      setSigFile(null);
    } catch (err) {
      if (!handleSessionError(err)) setFailure(failureOf('The signature was not checked', err));
    } finally {
      setBusy(false);
    }
  };

  return (
    <OpCard title={mac ? 'Verify a MAC' : 'Verify a signature'} blocked={blocked} testId="use-verify">
      <OpFileInput
        label="Signed file"
        placeholder="Choose a file…"
        value={file}
        onChange={picked(setFile, setResult, setFailure)}
        disabled={busy || !!blocked}
        testId="verify-file"
      />
      <OpFileInput
        label={mac ? 'MAC file' : 'Signature file'}
        placeholder="Choose the .sig file…"
        value={sigFile}
        onChange={picked(setSigFile, setResult, setFailure)}
        disabled={busy || !!blocked}
        testId="verify-signature"
      />
      <MechanismSelect keyData={keyData} value={mechanism} onChange={setMechanism} disabled={busy || !!blocked} />
      <Group>
        <GatedButton reason={busy ? null : reason} onClick={() => void verify()} loading={busy} testId="verify-button">
          Verify
        </GatedButton>
      </Group>
      {failure && <ErrorAlert title={failure.title} message={failure.message} code={failure.code} onClose={() => setFailure(null)} />}
      {result && (
        <Alert
          color={result.valid ? 'green' : 'red'}
          variant="light"
          title={result.valid ? `Valid ${mac ? 'MAC' : 'signature'}` : `NOT valid`}
          data-testid="verify-result"
          data-valid={String(result.valid)}
          role={result.valid ? 'status' : 'alert'}
        >
          <Text size="sm">
            {result.valid
              ? `${result.sigName} is a valid ${mac ? 'MAC' : 'signature'} of ${result.fileName} by this key (${result.mechanism}).`
              : `${result.sigName} is not a valid ${mac ? 'MAC' : 'signature'} of ${result.fileName} by this key (${result.mechanism}): the file, the signature or the key differ.`}
          </Text>
        </Alert>
      )}
    </OpCard>
  );
}

function EncryptCard({ keyData, blocked, host }: OpProps) {
  const [file, setFile] = useState<File | null>(null);
  const [busy, setBusy] = useState(false);
  const [failure, setFailure] = useState<Failure | null>(null);
  const [result, setResult] = useState<{ bytes: Uint8Array<ArrayBuffer>; name: string; mechanism: string; gcm: boolean } | null>(null);
  const oaepMax = oaepMaxPlaintext(keyData.algorithm, keyData.store);
  const sizeProblem = file && oaepMax !== null && file.size > oaepMax ? `RSA-OAEP encrypts at most ${oaepMax} bytes with this key; this file has ${file.size}.` : null;
  const reason = blocked ?? (file ? (sizeProblem ?? tooLarge(host, [file])) : 'Choose a file first.');

  const encrypt = async () => {
    if (!file || busy) return;
    setBusy(true);
    setFailure(null);
    setResult(null);
    try {
      const r = await api.call('keys.encrypt', { id: keyData.id, data: bytesToBase64(await readFile(file)) });
      const ct = base64ToBytes(r.ciphertext);
      // Same layout as `custos keys encrypt`: IV (12 bytes) ‖ ciphertext and tag, for AES-GCM.
      const bytes = r.iv ? concatBytes(base64ToBytes(r.iv), ct) : ct;
      setResult({ bytes, name: encryptedName(file.name), mechanism: r.mechanism, gcm: r.iv !== null });
      setFile(null);
    } catch (err) {
      if (!handleSessionError(err)) setFailure(failureOf('The file was not encrypted', err));
    } finally {
      setBusy(false);
    }
  };

  return (
    <OpCard title="Encrypt a file" blocked={blocked} testId="use-encrypt">
      <OpFileInput
        label="File to encrypt"
        description={oaepMax !== null ? `RSA-OAEP: at most ${oaepMax} bytes (a key or a short secret, not a document).` : 'AES-256-GCM with a fresh IV; saved as IV ‖ ciphertext, like the CLI.'}
        placeholder="Choose a file…"
        value={file}
        onChange={picked(setFile, setResult, setFailure)}
        disabled={busy || !!blocked}
        testId="encrypt-file"
      />
      <Group>
        <GatedButton reason={busy ? null : reason} onClick={() => void encrypt()} loading={busy} testId="encrypt-button">
          Encrypt
        </GatedButton>
      </Group>
      {failure && <ErrorAlert title={failure.title} message={failure.message} code={failure.code} onClose={() => setFailure(null)} />}
      {result && (
        <FileResult title="Encrypted" testId="encrypt-result" bytes={result.bytes} name={result.name} downloadTestId="encrypt-download" onForget={() => setResult(null)}>
          With <Code>{result.mechanism}</Code>: {formatBytes(result.bytes.length)}
          {result.gcm ? ', the 12-byte IV first, then the ciphertext and its tag' : ''}.
        </FileResult>
      )}
    </OpCard>
  );
}

function DecryptCard({ keyData, blocked, host }: OpProps) {
  const [file, setFile] = useState<File | null>(null);
  const [busy, setBusy] = useState(false);
  const [failure, setFailure] = useState<Failure | null>(null);
  const [result, setResult] = useState<{ bytes: Uint8Array<ArrayBuffer>; name: string; mechanism: string } | null>(null);
  const reason = blocked ?? (file ? tooLarge(host, [file]) : 'Choose a file first.');

  const decrypt = async () => {
    if (!file || busy) return;
    setBusy(true);
    setFailure(null);
    setResult(null);
    try {
      const bytes = await readFile(file);
      let input: { data: string; iv?: string };
      if (keyData.family === 'aes') {
        const parts = splitGcmFile(bytes);
        if (!parts) {
          setFailure({ title: 'Not an AES-GCM file', message: `${file.name} is too short to hold a 12-byte IV and a 16-byte tag.` });
          return;
        }
        input = { data: bytesToBase64(parts.ciphertext), iv: bytesToBase64(parts.iv) };
      } else input = { data: bytesToBase64(bytes) };
      const r = await api.call('keys.decrypt', { id: keyData.id, ...input });
      setResult({ bytes: base64ToBytes(r.plaintext), name: decryptedName(file.name), mechanism: r.mechanism });
      setFile(null);
    } catch (err) {
      if (!handleSessionError(err)) setFailure(failureOf('The file was not decrypted', err));
    } finally {
      setBusy(false);
    }
  };

  return (
    <OpCard title="Decrypt a file" blocked={blocked} testId="use-decrypt">
      <OpFileInput
        label="File to decrypt"
        description={keyData.family === 'aes' ? 'IV (12 bytes) ‖ ciphertext, as Encrypt and the CLI write it.' : 'An RSA-OAEP ciphertext.'}
        placeholder="Choose a file…"
        value={file}
        onChange={picked(setFile, setResult, setFailure)}
        disabled={busy || !!blocked}
        testId="decrypt-file"
      />
      <Group>
        <GatedButton reason={busy ? null : reason} onClick={() => void decrypt()} loading={busy} testId="decrypt-button">
          Decrypt
        </GatedButton>
      </Group>
      {failure && <ErrorAlert title={failure.title} message={failure.message} code={failure.code} onClose={() => setFailure(null)} />}
      {result && (
        <FileResult title="Decrypted" testId="decrypt-result" bytes={result.bytes} name={result.name} downloadTestId="decrypt-download" onForget={() => setResult(null)}>
          {formatBytes(result.bytes.length)} with <Code>{result.mechanism}</Code>. The plaintext stays in this window until you choose Forget or leave the page.
        </FileResult>
      )}
    </OpCard>
  );
}

/**
 * Using the key on files: sign and verify, encrypt and decrypt (AES and RSA keys). Each operation
 * is unavailable, with the reason, when the role, the key's state or its usage mask forbids it.
 * Files are read when the operation runs and dropped when it returns.
 */
export function KeyUse({ keyData, role }: { keyData: KeyDetail; role: Role | null }) {
  const host = useApp((s) => s.host);
  const ops = useOperations(keyData.family);
  const protectDenied = deniedReason(role, 'keys.sign', 'sign, encrypt or decrypt with keys');
  const verifyDenied = deniedReason(role, 'keys.verify', 'verify signatures');
  const blockedFor = (op: UseOperation): string | null => (op === 'verify' ? verifyDenied : protectDenied) ?? useBlocked(keyData, op);

  return (
    <Stack gap="xs" component="section" aria-labelledby="use-title" data-testid="use-panel">
      <div>
        <Title order={3} fz="lg" id="use-title">
          Use
        </Title>
        <Text size="sm" c="dimmed">
          {keyData.store === 'token' ? 'Operations run on the token: log in to it on the Tokens page first. ' : ''}
          Files go to the core only for the operation and are not kept; results are offered as downloads in the same formats as{' '}
          <Code>custos keys sign</Code> and <Code>custos keys encrypt</Code>.
        </Text>
      </div>
      <SimpleGrid cols={{ base: 1, md: 2 }} spacing="md">
        {ops.includes('sign') && <SignCard keyData={keyData} blocked={blockedFor('sign')} host={host} />}
        {ops.includes('verify') && <VerifyCard keyData={keyData} blocked={blockedFor('verify')} host={host} />}
        {ops.includes('encrypt') && <EncryptCard keyData={keyData} blocked={blockedFor('encrypt')} host={host} />}
        {ops.includes('decrypt') && <DecryptCard keyData={keyData} blocked={blockedFor('decrypt')} host={host} />}
      </SimpleGrid>
    </Stack>
  );
}
