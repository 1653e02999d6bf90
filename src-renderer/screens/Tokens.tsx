import { useEffect, useMemo, useState, type FormEvent, type ReactNode } from 'react';
import {
  Alert,
  Badge,
  Button,
  Center,
  Code,
  EmptyState,
  Group,
  Loader,
  Modal,
  Paper,
  PasswordInput,
  ScrollArea,
  SimpleGrid,
  Stack,
  Table,
  Text,
  TextInput,
  Title,
  Tooltip,
} from '@mantine/core';
import type { ChannelOutput, TokenSummary } from '../../src-shared/contract';
import type { RequestOutcome } from '../../src-shared/approvals';
import { api } from '../api/client';
import { BusyLine, ErrorAlert, PageTitle, PendingHint, ReadOnlyNote, failureOf, type Failure } from '../components/common';
import { GatedButton } from '../components/GatedButton';
import { IconChip, IconKey, IconRefresh, IconSearch } from '../components/icons';
import { TokenLogin } from '../components/TokenLogin';
import { shortId } from '../lib/outcome';
import { can, deniedReason, rolesSentence } from '../lib/permissions';
import {
  MODULES_ENV,
  TOKEN_INIT_ROLES,
  checkTokenInit,
  discoveryMessage,
  keySizeRange,
  mechanismHex,
  pinFlags,
  tokenTitle,
  type DiscoveryResult,
} from '../lib/tokens';
import { handleSessionError, reportOutcome } from '../state/actions';
import { useApp } from '../state/store';
import { listTokens } from '../state/tokens';
import { loadWhileLive } from '../state/load';

type ModuleInfo = ChannelOutput<'tokens.modules'>[number];
type Mechanism = ChannelOutput<'tokens.mechanisms'>[number];

function Fact({ label, children, testId }: { label: string; children: ReactNode; testId?: string }) {
  return (
    <div>
      <Text size="xs" c="dimmed" fw={600}>
        {label}
      </Text>
      <Text size="sm" data-testid={testId} style={{ wordBreak: 'break-word' }}>
        {children}
      </Text>
    </div>
  );
}

function ModulesTable({ modules }: { modules: ModuleInfo[] }) {
  return (
    <Table.ScrollContainer minWidth={720}>
      <Table aria-label="PKCS#11 modules" verticalSpacing="xs">
        <Table.Thead>
          <Table.Tr>
            <Table.Th>Module</Table.Th>
            <Table.Th>Description</Table.Th>
            <Table.Th>Library</Table.Th>
            <Table.Th>Cryptoki</Table.Th>
            <Table.Th>Status</Table.Th>
          </Table.Tr>
        </Table.Thead>
        <Table.Tbody>
          {modules.map((m) => (
            <Table.Tr key={m.path} data-testid="module-row">
              <Table.Td>
                <Text size="sm" className="custos-mono">
                  {m.path}
                </Text>
              </Table.Td>
              <Table.Td>
                <Text size="sm">{m.description ?? '—'}</Text>
                {m.manufacturer && (
                  <Text size="xs" c="dimmed">
                    {m.manufacturer}
                  </Text>
                )}
              </Table.Td>
              <Table.Td>{m.libraryVersion ?? '—'}</Table.Td>
              <Table.Td>{m.cryptokiVersion ?? '—'}</Table.Td>
              <Table.Td>
                {m.error ? (
                  <Stack gap={4}>
                    <Badge color="red" variant="light" className="custos-badge">
                      Not loaded
                    </Badge>
                    <Text size="xs" data-testid="module-error">
                      {m.error.message} <Code fz="xs">{m.error.code}</Code>
                    </Text>
                  </Stack>
                ) : (
                  <Badge color="green" variant="light" className="custos-badge">
                    Loaded
                  </Badge>
                )}
              </Table.Td>
            </Table.Tr>
          ))}
        </Table.Tbody>
      </Table>
    </Table.ScrollContainer>
  );
}

/** The token's mechanisms with key-size ranges and the functions each supports. */
function MechanismsModal({ token, onClose }: { token: TokenSummary | null; onClose: () => void }) {
  const [list, setList] = useState<Mechanism[] | null>(null);
  const [failure, setFailure] = useState<Failure | null>(null);
  const [filter, setFilter] = useState('');

  useEffect(() => {
    if (!token) return;
    setList(null);
    setFailure(null);
    setFilter('');
    return loadWhileLive(
      () => api.call('tokens.mechanisms', { serial: token.serial }),
      setList,
      (err) => setFailure(failureOf('The mechanisms could not be read', err)),
    );
  }, [token]);

  const shown = useMemo(() => {
    const f = filter.trim().toLowerCase();
    return (list ?? []).filter((m) => !f || m.name.toLowerCase().includes(f) || m.functions.some((fn) => fn.includes(f)));
  }, [list, filter]);

  return (
    <Modal opened={token !== null} onClose={onClose} title={token ? `Mechanisms of ${tokenTitle(token)}` : ''} size="xl" centered closeButtonProps={{ 'aria-label': 'Close' }}>
      <Stack gap="sm">
        {failure && <ErrorAlert title={failure.title} message={failure.message} code={failure.code} />}
        {!list && !failure && <BusyLine>Reading the token&apos;s mechanism list…</BusyLine>}
        {list && (
          <>
            <Group justify="space-between" align="flex-end">
              <TextInput
                label="Filter"
                placeholder="Name or function, e.g. ECDSA or sign"
                leftSection={<IconSearch size={16} />}
                value={filter}
                onChange={(e) => setFilter(e.currentTarget.value)}
                w={300}
                data-autofocus
              />
              <Text size="sm" c="dimmed" aria-live="polite">
                {shown.length} of {list.length} mechanisms
              </Text>
            </Group>
            <Text size="xs" c="dimmed">
              Key sizes are as the token reports them: bits for RSA and EC, bytes for most symmetric mechanisms.
            </Text>
            <ScrollArea.Autosize mah="60vh">
              <Table aria-label="Token mechanisms" verticalSpacing={6} stickyHeader>
                <Table.Thead>
                  <Table.Tr>
                    <Table.Th>Mechanism</Table.Th>
                    <Table.Th>Code</Table.Th>
                    <Table.Th>Key sizes</Table.Th>
                    <Table.Th>Functions</Table.Th>
                  </Table.Tr>
                </Table.Thead>
                <Table.Tbody>
                  {shown.map((m) => (
                    <Table.Tr key={`${m.type}`} data-testid="mechanism-row">
                      <Table.Td>
                        <Text size="sm" className="custos-mono">
                          {m.name}
                        </Text>
                      </Table.Td>
                      <Table.Td>
                        <Text size="xs" ff="monospace" c="dimmed" style={{ whiteSpace: 'nowrap' }}>
                          {mechanismHex(m.type)}
                        </Text>
                      </Table.Td>
                      <Table.Td style={{ whiteSpace: 'nowrap' }}>{keySizeRange(m)}</Table.Td>
                      <Table.Td>
                        <Group gap={4}>
                          {m.functions.map((f) => (
                            <Badge key={f} size="xs" variant="light" color="gray" className="custos-badge">
                              {f}
                            </Badge>
                          ))}
                        </Group>
                      </Table.Td>
                    </Table.Tr>
                  ))}
                </Table.Tbody>
              </Table>
            </ScrollArea.Autosize>
          </>
        )}
        <Group justify="flex-end">
          <Button variant="default" onClick={onClose}>
            Close
          </Button>
        </Group>
      </Stack>
    </Modal>
  );
}

type InitField = 'label' | 'soPin' | 'soPin2' | 'userPin' | 'userPin2';

/**
 * Initialise a free slot: a label, the security officer's PIN and the user PIN, each typed twice.
 * The PINs stay in this form until the one `tokens.init` call, then are dropped; the core seals
 * them into the dual-control request.
 */
function InitModal({ slot, onClose, onDone }: { slot: TokenSummary | null; onClose: () => void; onDone: (outcome: RequestOutcome) => void }) {
  const empty = { label: '', soPin: '', soPin2: '', userPin: '', userPin2: '' };
  const [v, setV] = useState(empty);
  const [errors, setErrors] = useState<Partial<Record<InitField, string>>>({});
  const [failure, setFailure] = useState<Failure | null>(null);
  const [busy, setBusy] = useState(false);

  const reset = () => {
    setV(empty);
    setErrors({});
    setFailure(null);
  };
  const close = () => {
    if (busy) return;
    reset();
    onClose();
  };
  const field = (k: InitField) => ({
    value: v[k],
    onChange: (e: { currentTarget: { value: string } }) => {
      const value = e.currentTarget.value;
      setV((s) => ({ ...s, [k]: value }));
    },
    error: errors[k],
    disabled: busy,
  });

  const submit = async (e: FormEvent) => {
    e.preventDefault();
    if (!slot || busy) return;
    setFailure(null);
    const found = checkTokenInit(v);
    setErrors(found);
    if (Object.keys(found).length > 0) return;
    setBusy(true);
    try {
      const outcome = await api.call('tokens.init', { module: slot.module, slotId: slot.slotId, label: v.label.trim(), soPin: v.soPin, userPin: v.userPin });
      setBusy(false);
      reset();
      onDone(outcome);
    } catch (err) {
      setBusy(false);
      setV((s) => ({ ...s, soPin: '', soPin2: '', userPin: '', userPin2: '' }));
      if (handleSessionError(err)) return;
      setFailure(failureOf('The token was not initialised', err));
    }
  };

  return (
    <Modal opened={slot !== null} onClose={close} title="Initialise a token" centered closeButtonProps={{ 'aria-label': 'Close' }}>
      <form onSubmit={submit} noValidate aria-label="Initialise a token">
        <Stack gap="sm">
          <Text size="sm">
            Slot {slot?.slotId} of <Code>{slot?.module}</Code>. Initialising sets the token&apos;s label and its security officer (SO) PIN, then the user PIN.
            Whatever the token held before is erased.
          </Text>
          <TextInput label="Token label" description="Up to 32 bytes, e.g. ca-root-hsm." maxLength={32} autoComplete="off" data-autofocus {...field('label')} />
          <PasswordInput label="SO PIN" autoComplete="off" maxLength={256} {...field('soPin')} />
          <PasswordInput label="Confirm SO PIN" autoComplete="off" maxLength={256} {...field('soPin2')} />
          <PasswordInput label="User PIN" autoComplete="off" maxLength={256} {...field('userPin')} />
          <PasswordInput label="Confirm user PIN" autoComplete="off" maxLength={256} {...field('userPin2')} />
          <Text size="xs" c="dimmed">
            This is under dual control: another person may have to approve it. Until then the PINs wait in the request, sealed under the vault key; the token is
            initialised when the last approval lands.
          </Text>
          {failure && <ErrorAlert title={failure.title} message={failure.message} code={failure.code} />}
          {busy && <BusyLine>Submitting the initialisation…</BusyLine>}
          <Group justify="flex-end">
            <Button variant="default" onClick={close} disabled={busy}>
              Cancel
            </Button>
            <Button type="submit" color="red" loading={busy}>
              Initialise token
            </Button>
          </Group>
        </Stack>
      </form>
    </Modal>
  );
}

interface TokenCardProps {
  token: TokenSummary;
  useDenied: string | null;
  generateDenied: string | null;
  onLogin: (t: TokenSummary) => void;
  onLogout: (t: TokenSummary) => Promise<void>;
  onMechanisms: (t: TokenSummary) => void;
  onGenerate: (t: TokenSummary) => void;
}

function TokenCard({ token, useDenied, generateDenied, onLogin, onLogout, onMechanisms, onGenerate }: TokenCardProps) {
  const [discovery, setDiscovery] = useState<DiscoveryResult | null>(null);
  const [failure, setFailure] = useState<Failure | null>(null);
  const [busy, setBusy] = useState<'discover' | 'logout' | null>(null);
  const flags = pinFlags(token.userPin);
  const title = tokenTitle(token);
  const notLoggedIn = token.loginRequired && !token.loggedIn ? `Log in to ${title} first.` : null;

  const discover = async () => {
    if (busy) return;
    setBusy('discover');
    setFailure(null);
    setDiscovery(null);
    try {
      setDiscovery(await api.call('tokens.discover', { serial: token.serial }));
    } catch (err) {
      if (!handleSessionError(err)) setFailure(failureOf('Discovery failed', err));
    } finally {
      setBusy(null);
    }
  };

  const logout = async () => {
    if (busy) return;
    setBusy('logout');
    setFailure(null);
    try {
      await onLogout(token);
    } catch (err) {
      if (!handleSessionError(err)) setFailure(failureOf('Logout failed', err));
    } finally {
      setBusy(null);
    }
  };

  return (
    <Paper withBorder p="md" radius="md" data-testid="token-card" data-serial={token.serial} aria-label={`Token ${title}`} component="section">
      <Stack gap="sm">
        <Group justify="space-between" align="flex-start" wrap="wrap">
          <Group gap="xs" wrap="wrap">
            <IconChip size={20} />
            <Title order={3} fz="lg" data-testid="token-label">
              {title}
            </Title>
            {token.loggedIn ? (
              <Badge color="green" variant="light" className="custos-badge" data-testid="token-login-state">
                Logged in
              </Badge>
            ) : (
              <Badge color="gray" variant="light" className="custos-badge" data-testid="token-login-state">
                Not logged in
              </Badge>
            )}
            {flags.map((f) => (
              <Tooltip key={f.label} label={f.hint} withArrow multiline maw={280}>
                <Badge color={f.color} variant="light" className="custos-badge" data-testid="token-pin-flag" tabIndex={0}>
                  {f.label}
                </Badge>
              </Tooltip>
            ))}
          </Group>
          <Group gap="xs" wrap="wrap">
            {token.loggedIn ? (
              <GatedButton reason={useDenied} variant="default" size="xs" onClick={() => void logout()} loading={busy === 'logout'}>
                Log out
              </GatedButton>
            ) : (
              <GatedButton reason={useDenied} size="xs" onClick={() => onLogin(token)}>
                {token.protectedAuthenticationPath ? 'Log in (PIN pad)…' : 'Log in…'}
              </GatedButton>
            )}
            <Button variant="default" size="xs" onClick={() => onMechanisms(token)}>
              Mechanisms
            </Button>
            <GatedButton reason={useDenied ?? notLoggedIn} variant="default" size="xs" onClick={() => void discover()} loading={busy === 'discover'}>
              Discover keys
            </GatedButton>
            <GatedButton reason={generateDenied} variant="light" size="xs" leftSection={<IconKey size={14} />} onClick={() => onGenerate(token)}>
              Generate key on this token
            </GatedButton>
          </Group>
        </Group>
        <SimpleGrid cols={{ base: 1, xs: 2, md: 3 }} spacing="sm" verticalSpacing="xs">
          <Fact label="Serial" testId="token-serial">
            <span className="custos-mono">{token.serial}</span>
          </Fact>
          <Fact label="Manufacturer">{token.manufacturer || '—'}</Fact>
          <Fact label="Model">{token.model || '—'}</Fact>
          <Fact label="PIN entry">{token.protectedAuthenticationPath ? 'PIN pad on the reader' : 'Typed in the console'}</Fact>
          <Fact label="Slot">{token.slotId}</Fact>
          <Fact label="Module">
            <span className="custos-mono">{token.module}</span>
          </Fact>
        </SimpleGrid>
        {busy === 'discover' && <BusyLine>Reading the objects on the token…</BusyLine>}
        {discovery && (
          <Alert color="teal" variant="light" title="Discovery finished" withCloseButton onClose={() => setDiscovery(null)} closeButtonLabel="Dismiss" data-testid="discovery-result" role="status">
            {discoveryMessage(discovery)}
          </Alert>
        )}
        {failure && <ErrorAlert title={failure.title} message={failure.message} code={failure.code} onClose={() => setFailure(null)} />}
      </Stack>
    </Paper>
  );
}

function FreeSlotCard({ slot, initDenied, pending, onInit }: { slot: TokenSummary; initDenied: string | null; pending: RequestOutcome | null; onInit: (s: TokenSummary) => void }) {
  return (
    <Paper withBorder p="md" radius="md" data-testid="free-slot" aria-label={`Slot ${slot.slotId}, not initialised`} component="section" style={{ borderStyle: 'dashed' }}>
      <Stack gap="xs">
        <Group justify="space-between" wrap="wrap">
          <Group gap="xs">
            <IconChip size={20} />
            <Title order={3} fz="lg">
              Slot {slot.slotId}
            </Title>
            <Badge color="gray" variant="outline" className="custos-badge">
              Not initialised
            </Badge>
          </Group>
          <GatedButton reason={initDenied} size="xs" variant="light" color="red" onClick={() => onInit(slot)}>
            Initialise…
          </GatedButton>
        </Group>
        <Text size="sm" c="dimmed">
          {slot.manufacturer} {slot.model} in <span className="custos-mono">{slot.module}</span>. A free slot: initialise it to get a new token with its own PINs.
        </Text>
        {pending && pending.status === 'pending' && (
          <Alert color="yellow" variant="light" title="Waiting for approval" data-testid="init-pending" role="status">
            Another person must approve request {pending.requestId ? shortId(pending.requestId) : ''} before this slot is initialised.
          </Alert>
        )}
      </Stack>
    </Paper>
  );
}

/** PKCS#11 modules on the allowlist, the tokens they see, and what can be done with each. */
export function Tokens() {
  const role = useApp((s) => s.status?.user?.role ?? null);
  const revision = useApp((s) => s.tokenRevision);
  const navigate = useApp((s) => s.navigate);
  const notify = useApp((s) => s.notify);
  const [modules, setModules] = useState<ModuleInfo[] | null>(null);
  const [tokens, setTokens] = useState<TokenSummary[] | null>(null);
  const [failure, setFailure] = useState<Failure | null>(null);
  const [loading, setLoading] = useState(true);
  const [reload, setReload] = useState(0);
  const [loginFor, setLoginFor] = useState<TokenSummary | null>(null);
  const [mechanismsFor, setMechanismsFor] = useState<TokenSummary | null>(null);
  const [initFor, setInitFor] = useState<TokenSummary | null>(null);
  const [pendingInit, setPendingInit] = useState<Record<string, RequestOutcome>>({});

  const useDenied = deniedReason(role, 'tokens.use', 'log in to tokens and use them');
  const generateDenied = deniedReason(role, 'keys.generate', 'generate keys');
  const initDenied = can(role, 'tokens.use') && role && TOKEN_INIT_ROLES.includes(role) ? null : role === 'auditor' ? useDenied : `Only ${rolesSentence(TOKEN_INIT_ROLES)} may initialise tokens.`;

  useEffect(() => {
    setLoading(true);
    return loadWhileLive(
      () => Promise.all([api.call('tokens.modules'), listTokens()]),
      ([m, t]) => {
        setModules(m);
        setTokens(t);
        setFailure(null);
        setLoading(false);
      },
      (err) => {
        setFailure(failureOf('The tokens could not be read', err));
        setLoading(false);
      },
    );
  }, [reload, revision]);

  const replace = (t: TokenSummary) => setTokens((list) => list?.map((x) => (x.serial === t.serial && x.module === t.module ? t : x)) ?? list);

  const logout = async (t: TokenSummary) => {
    const next = await api.call('tokens.logout', { serial: t.serial });
    replace(next);
    notify({ color: 'green', title: 'Logged out', message: `Logged out of ${tokenTitle(t)}.` });
  };

  const initialised = tokens?.filter((t) => t.initialized) ?? [];
  const free = tokens?.filter((t) => !t.initialized) ?? [];
  const loadedModules = modules?.filter((m) => !m.error) ?? [];

  return (
    <Stack gap="lg">
      <Group justify="space-between" align="flex-end">
        <div>
          <PageTitle>Tokens</PageTitle>
          <Text size="sm" c="dimmed">
            HSMs and smart cards reached through the PKCS#11 modules this workstation allows. Keys generated on a token never leave it.
          </Text>
        </div>
        <Button variant="default" leftSection={<IconRefresh size={16} />} onClick={() => setReload((n) => n + 1)} loading={loading && tokens !== null}>
          Refresh
        </Button>
      </Group>
      <ReadOnlyNote reason={role === 'auditor' ? useDenied : null} />
      <PendingHint />
      {failure && <ErrorAlert title={failure.title} message={failure.message} code={failure.code} onClose={() => setFailure(null)} />}
      {!modules && !failure && (
        <Center py="xl">
          <Loader aria-label="Loading tokens" />
        </Center>
      )}

      {modules && (
        <Stack gap="xs">
          <Title order={3} fz="lg">
            Modules
          </Title>
          {modules.length === 0 ? (
            <EmptyState
              icon={<IconChip size={28} />}
              title="No PKCS#11 module is allowed"
              description={`Custos loads only the modules on its allowlist: SoftHSM2 and OpenSC when they are installed, and the absolute paths listed in ${MODULES_ENV} (separated by colons) when Custos starts. Install one, or set ${MODULES_ENV} to your HSM vendor's module and restart Custos.`}
              data-testid="modules-empty"
              py="md"
            />
          ) : (
            <ModulesTable modules={modules} />
          )}
        </Stack>
      )}

      {modules && tokens && modules.length > 0 && (
        <Stack gap="sm">
          <Title order={3} fz="lg">
            Tokens present
          </Title>
          {tokens.length === 0 && (
            <EmptyState
              icon={<IconChip size={28} />}
              title={loadedModules.length === 0 ? 'No module could be loaded' : 'No token is present'}
              description={
                loadedModules.length === 0
                  ? `None of the allowed modules loaded (see the errors above). Fix the module, or list another one in ${MODULES_ENV}, and restart Custos.`
                  : 'Insert a smart card into its reader or connect the HSM. Custos checks the slots every few seconds and shows the token here when it arrives.'
              }
              data-testid="tokens-empty"
              py="md"
            />
          )}
          {initialised.map((t) => (
            <TokenCard
              key={`${t.module}|${t.serial}`}
              token={t}
              useDenied={useDenied}
              generateDenied={generateDenied}
              onLogin={setLoginFor}
              onLogout={logout}
              onMechanisms={setMechanismsFor}
              onGenerate={(tok) => navigate({ name: 'generate', tokenSerial: tok.serial })}
            />
          ))}
          {free.map((s) => (
            <FreeSlotCard key={`${s.module}|${s.slotId}`} slot={s} initDenied={initDenied} pending={pendingInit[`${s.module}|${s.slotId}`] ?? null} onInit={setInitFor} />
          ))}
        </Stack>
      )}

      <Modal
        opened={loginFor !== null}
        onClose={() => setLoginFor(null)}
        title={loginFor ? `Log in to ${tokenTitle(loginFor)}` : ''}
        centered
        closeButtonProps={{ 'aria-label': 'Close' }}
      >
        {loginFor && (
          <TokenLogin
            token={loginFor}
            autoFocus
            onLoggedIn={(t) => {
              replace(t);
              setLoginFor(null);
              notify({ color: 'green', title: 'Logged in', message: `Logged in to ${tokenTitle(t)}. Its keys can be used until you log out or the vault locks.` });
            }}
          />
        )}
      </Modal>
      <MechanismsModal token={mechanismsFor} onClose={() => setMechanismsFor(null)} />
      <InitModal
        slot={initFor}
        onClose={() => setInitFor(null)}
        onDone={(outcome) => {
          const slot = initFor;
          setInitFor(null);
          reportOutcome(outcome);
          if (slot && outcome.status === 'pending') setPendingInit((p) => ({ ...p, [`${slot.module}|${slot.slotId}`]: outcome }));
          if (outcome.status === 'executed') setReload((n) => n + 1);
        }}
      />
    </Stack>
  );
}
