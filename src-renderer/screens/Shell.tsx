import { useEffect, type ReactNode } from 'react';
import { AppShell, Badge, Burger, Button, Group, Kbd, NavLink, ScrollArea, Stack, Text, Tooltip } from '@mantine/core';
import { useDisclosure } from '@mantine/hooks';
import { BrowserModeBanner, VersionLine } from '../components/common';
import {
  IconCalendar,
  IconCheckList,
  IconChip,
  IconDashboard,
  IconEye,
  IconKey,
  IconList,
  IconLock,
  IconLogout,
  IconPolicy,
  IconReport,
  IconScroll,
  IconSearch,
  IconSettings,
  IconShield,
  IconSignature,
  IconUnlockKeys,
  IconUpload,
  IconUsers,
} from '../components/icons';
import { ThemeToggle } from '../components/ThemeToggle';
import { CommandPalette, openPalette } from '../components/CommandPalette';
import { roleLabel } from '../lib/format';
import { AUDITOR_NOTE, can, type Action } from '../lib/permissions';
import { lockVault, refreshPendingApprovals, signOut } from '../state/actions';
import { useApp, type View } from '../state/store';
import { watchTokens } from '../state/tokens';
import { Approvals } from './Approvals';
import { Dashboard } from './Dashboard';
import { Reports } from './Reports';
import { Audit } from './Audit';
import { GenerateKey } from './GenerateKey';
import { Inventory } from './Inventory';
import { KeyDetail } from './KeyDetail';
import { Methods } from './Methods';
import { People } from './People';
import { Settings } from './Settings';
import { Tokens } from './Tokens';
import { Policies } from './Policies';
import { Analysis } from './Analysis';
import { Tasks, TasksBadge } from './Tasks';
import { Ceremonies } from './Ceremonies';
import { Backups } from './Backups';
import { Import } from './Import';

const HEADER = 56;
const BANNER = 34;

const TITLES: Record<View['name'], string> = {
  dashboard: 'Overview',
  reports: 'Reports',
  inventory: 'Inventory',
  generate: 'Generate key',
  key: 'Key',
  tokens: 'Tokens',
  people: 'People',
  approvals: 'Approvals',
  methods: 'Unlock methods',
  settings: 'Settings',
  audit: 'Audit',
  policies: 'Policies',
  analysis: 'Analysis',
  tasks: 'Tasks',
  ceremonies: 'Ceremonies',
  backups: 'Backups',
  import: 'Import',
};

interface NavItem {
  view: Exclude<View['name'], 'key'>;
  label: string;
  icon: ReactNode;
  /** The role needs this to see the item at all (reading pages are open to every role). */
  needs: Action;
  /** Views that highlight this item too. */
  also?: View['name'][];
}

const NAV_GROUPS: { label: string; items: NavItem[] }[] = [
  {
    label: 'Keys',
    items: [
      { view: 'dashboard', label: 'Overview', icon: <IconDashboard />, needs: 'keys.read' },
      { view: 'inventory', label: 'Inventory', icon: <IconList />, needs: 'keys.read', also: ['key'] },
      { view: 'tasks', label: 'Tasks', icon: <IconCalendar />, needs: 'keys.read' },
      { view: 'generate', label: 'Generate key', icon: <IconKey />, needs: 'keys.generate' },
      { view: 'import', label: 'Import', icon: <IconUpload />, needs: 'keys.generate' },
      { view: 'tokens', label: 'Tokens', icon: <IconChip />, needs: 'tokens.read' },
      { view: 'ceremonies', label: 'Ceremonies', icon: <IconSignature />, needs: 'keys.read' },
      { view: 'backups', label: 'Backups', icon: <IconShield />, needs: 'keys.read' },
    ],
  },
  {
    label: 'Governance',
    items: [
      { view: 'people', label: 'People', icon: <IconUsers />, needs: 'users.read' },
      { view: 'approvals', label: 'Approvals', icon: <IconCheckList />, needs: 'approvals.read' },
      { view: 'policies', label: 'Policies', icon: <IconPolicy />, needs: 'keys.read' },
      { view: 'methods', label: 'Unlock methods', icon: <IconUnlockKeys />, needs: 'users.read' },
      { view: 'settings', label: 'Settings', icon: <IconSettings />, needs: 'keys.read' },
    ],
  },
  {
    label: 'Oversight',
    items: [
      { view: 'audit', label: 'Audit', icon: <IconScroll />, needs: 'audit.read' },
      { view: 'analysis', label: 'Analysis', icon: <IconSearch />, needs: 'keys.read' },
      { view: 'reports', label: 'Reports', icon: <IconReport />, needs: 'keys.read' },
    ],
  },
];

/** Other words a screen answers to in the command palette. */
const PALETTE_KEYWORDS: Partial<Record<View['name'], string[]>> = {
  dashboard: ['dashboard', 'charts', 'compliance'],
  inventory: ['keys', 'search'],
  reports: ['pdf', 'compliance', 'evidence'],
  tasks: ['rotations', 'due'],
  audit: ['trail', 'log'],
};

/** The console once a session exists: header, navigation by role, and the current view. */
export function Shell() {
  const view = useApp((s) => s.view);
  const navigate = useApp((s) => s.navigate);
  const user = useApp((s) => s.status?.user ?? null);
  const host = useApp((s) => s.host);
  const info = useApp((s) => s.info);
  const pending = useApp((s) => s.pendingApprovals);
  const [navOpen, { toggle: toggleNav, close: closeNav }] = useDisclosure(false);
  const headerHeight = HEADER + (host === 'browser' ? BANNER : 0);
  const role = user?.role ?? null;

  useEffect(() => {
    document.title = `${TITLES[view.name]} · Custos`;
  }, [view.name]);

  // Token insertions and removals are announced on every page while the session lasts.
  useEffect(() => watchTokens(), []);

  // The badge on "Approvals" follows the session: re-read it whenever the page changes.
  useEffect(() => {
    void refreshPendingApprovals();
  }, [view.name, user?.name]);

  const go = (v: View) => {
    navigate(v);
    closeNav();
  };

  // The command palette offers the screens this role sees in the navigation.
  const paletteScreens = NAV_GROUPS.flatMap((g) => g.items)
    .filter((item) => can(role, item.needs))
    .map((item) => ({ label: item.label, view: item.view, icon: item.icon, keywords: PALETTE_KEYWORDS[item.view] }));

  return (
    <AppShell header={{ height: headerHeight }} navbar={{ width: 240, breakpoint: 'sm', collapsed: { mobile: !navOpen } }} padding="lg">
      <AppShell.Header>
        <BrowserModeBanner />
        <Group h={HEADER} px="md" justify="space-between" wrap="nowrap">
          <Group gap="xs" wrap="nowrap">
            <Burger opened={navOpen} onClick={toggleNav} hiddenFrom="sm" size="sm" aria-label="Toggle navigation" />
            <IconShield size={22} />
            <Text fw={800} fz="lg">
              Custos
            </Text>
          </Group>
          <Group gap="sm" wrap="nowrap">
            {user && (
              <Group gap={6} wrap="nowrap" data-testid="session-user">
                <Text size="sm" fw={600}>
                  {user.name}
                </Text>
                <Badge variant="outline" size="sm" className="custos-badge" color={role === 'auditor' ? 'gray' : undefined}>
                  {roleLabel(user.role)}
                </Badge>
              </Group>
            )}
            <Tooltip label="Jump to a screen or a key (Ctrl+K)" withArrow>
              <Button variant="default" visibleFrom="md" leftSection={<IconSearch size={16} />} onClick={openPalette} data-testid="open-palette">
                Go to… <Kbd size="xs" ml={6}>Ctrl K</Kbd>
              </Button>
            </Tooltip>
            <ThemeToggle />
            <Tooltip label="End your session; the vault stays unlocked for the next person to sign in" withArrow multiline maw={260}>
              <Button variant="default" leftSection={<IconLogout size={16} />} onClick={() => void signOut()}>
                Sign out
              </Button>
            </Tooltip>
            <Tooltip label="Lock the vault: every key is dropped from memory" withArrow>
              <Button variant="light" leftSection={<IconLock size={16} />} onClick={() => void lockVault()}>
                Lock
              </Button>
            </Tooltip>
          </Group>
        </Group>
      </AppShell.Header>

      <AppShell.Navbar p="sm" aria-label="Main navigation">
        <AppShell.Section grow component={ScrollArea}>
          <Stack gap="sm">
            {NAV_GROUPS.map((group) => {
              const items = group.items.filter((item) => can(role, item.needs));
              if (items.length === 0) return null;
              return (
                <Stack gap={2} key={group.label}>
                  <Text size="xs" fw={700} c="dimmed" tt="uppercase" px="sm" pt={4}>
                    {group.label}
                  </Text>
                  {items.map((item) => {
                    const active = view.name === item.view || (item.also?.includes(view.name) ?? false);
                    return (
                      <NavLink
                        key={item.view}
                        component="button"
                        label={item.label}
                        leftSection={item.icon}
                        rightSection={
                          item.view === 'approvals' && pending ? (
                            <Badge size="sm" color="yellow" variant="filled" circle aria-label={`${pending} pending`} data-testid="pending-count">
                              {pending}
                            </Badge>
                          ) : item.view === 'tasks' ? (
                            <TasksBadge />
                          ) : undefined
                        }
                        active={active}
                        aria-current={view.name === item.view ? 'page' : undefined}
                        onClick={() => go({ name: item.view })}
                      />
                    );
                  })}
                </Stack>
              );
            })}
          </Stack>
        </AppShell.Section>
        <AppShell.Section>
          <Stack gap={6} pt="sm" style={{ borderTop: '1px solid var(--app-shell-border-color)' }}>
            {role === 'auditor' && (
              <Group gap={6} wrap="nowrap" align="flex-start" data-testid="auditor-note">
                <IconEye size={16} style={{ flexShrink: 0, marginTop: 2 }} />
                <Text size="xs" c="dimmed">
                  {AUDITOR_NOTE}
                </Text>
              </Group>
            )}
            <VersionLine />
            {info && (
              <Text size="xs" c="dimmed" className="custos-mono" title={info.vaultPath} data-testid="vault-path">
                {info.vaultPath}
              </Text>
            )}
          </Stack>
        </AppShell.Section>
      </AppShell.Navbar>

      <CommandPalette
        screens={paletteScreens}
        onScreen={(v) => go({ name: v })}
        onKey={(id) => go({ name: 'key', id })}
      />
      <AppShell.Main>
        {view.name === 'dashboard' && <Dashboard />}
        {view.name === 'reports' && <Reports />}
        {view.name === 'inventory' && <Inventory />}
        {view.name === 'generate' && <GenerateKey key={view.tokenSerial ?? ''} presetToken={view.tokenSerial ?? null} />}
        {view.name === 'tokens' && <Tokens />}
        {view.name === 'key' && <KeyDetail key={view.id} id={view.id} />}
        {view.name === 'people' && <People />}
        {view.name === 'approvals' && <Approvals />}
        {view.name === 'methods' && <Methods />}
        {view.name === 'settings' && <Settings />}
        {view.name === 'audit' && <Audit />}
        {view.name === 'policies' && <Policies />}
        {view.name === 'analysis' && <Analysis />}
        {view.name === 'tasks' && <Tasks />}
        {view.name === 'ceremonies' && <Ceremonies />}
        {view.name === 'backups' && <Backups />}
        {view.name === 'import' && <Import />}
      </AppShell.Main>
    </AppShell>
  );
}
