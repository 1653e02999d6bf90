import { useEffect } from 'react';
import { AppShell, Badge, Burger, Button, Group, NavLink, ScrollArea, Stack, Text } from '@mantine/core';
import { useDisclosure } from '@mantine/hooks';
import { BrowserModeBanner, VersionLine } from '../components/common';
import { IconKey, IconList, IconLock, IconShield } from '../components/icons';
import { ThemeToggle } from '../components/ThemeToggle';
import { roleLabel } from '../lib/format';
import { lockVault } from '../state/actions';
import { useApp, type View } from '../state/store';
import { GenerateKey } from './GenerateKey';
import { Inventory } from './Inventory';
import { KeyDetail } from './KeyDetail';

const HEADER = 56;
const BANNER = 34;

const TITLES: Record<View['name'], string> = {
  inventory: 'Inventory',
  generate: 'Generate key',
  key: 'Key',
};

/** The console once a session exists: header, navigation, and the current view. */
export function Shell() {
  const view = useApp((s) => s.view);
  const navigate = useApp((s) => s.navigate);
  const user = useApp((s) => s.status?.user ?? null);
  const host = useApp((s) => s.host);
  const info = useApp((s) => s.info);
  const [navOpen, { toggle: toggleNav, close: closeNav }] = useDisclosure(false);
  const headerHeight = HEADER + (host === 'browser' ? BANNER : 0);

  useEffect(() => {
    document.title = `${TITLES[view.name]} · Custos`;
  }, [view.name]);

  const go = (v: View) => {
    navigate(v);
    closeNav();
  };

  return (
    <AppShell
      header={{ height: headerHeight }}
      navbar={{ width: 230, breakpoint: 'sm', collapsed: { mobile: !navOpen } }}
      padding="lg"
    >
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
                <Badge variant="outline" size="sm">
                  {roleLabel(user.role)}
                </Badge>
              </Group>
            )}
            <ThemeToggle />
            <Button variant="light" leftSection={<IconLock size={16} />} onClick={() => void lockVault()}>
              Lock
            </Button>
          </Group>
        </Group>
      </AppShell.Header>

      <AppShell.Navbar p="sm" aria-label="Main navigation">
        <AppShell.Section grow component={ScrollArea}>
          <Stack gap={4}>
            <NavLink
              component="button"
              label="Inventory"
              leftSection={<IconList />}
              active={view.name === 'inventory' || view.name === 'key'}
              aria-current={view.name === 'inventory' ? 'page' : undefined}
              onClick={() => go({ name: 'inventory' })}
            />
            <NavLink
              component="button"
              label="Generate key"
              leftSection={<IconKey />}
              active={view.name === 'generate'}
              aria-current={view.name === 'generate' ? 'page' : undefined}
              onClick={() => go({ name: 'generate' })}
            />
          </Stack>
        </AppShell.Section>
        <AppShell.Section>
          <Stack gap={2} pt="sm" style={{ borderTop: '1px solid var(--app-shell-border-color)' }}>
            <VersionLine />
            {info && (
              <Text size="xs" c="dimmed" className="custos-mono" title={info.vaultPath} data-testid="vault-path">
                {info.vaultPath}
              </Text>
            )}
          </Stack>
        </AppShell.Section>
      </AppShell.Navbar>

      <AppShell.Main>
        {view.name === 'inventory' && <Inventory />}
        {view.name === 'generate' && <GenerateKey />}
        {view.name === 'key' && <KeyDetail key={view.id} id={view.id} />}
      </AppShell.Main>
    </AppShell>
  );
}
