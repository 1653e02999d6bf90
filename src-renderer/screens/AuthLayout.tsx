import type { ReactNode } from 'react';
import { Box, Group, Paper, Stack, Text, Title } from '@mantine/core';
import { BrowserModeBanner, VersionLine } from '../components/common';
import { IconShield } from '../components/icons';
import { ThemeToggle } from '../components/ThemeToggle';

/** The frame of the screens shown before a session exists (first run, unlock). */
export function AuthLayout({ title, subtitle, children }: { title: string; subtitle: ReactNode; children: ReactNode }) {
  return (
    <Box className="custos-auth">
      <BrowserModeBanner />
      <Group justify="flex-end" px="md" pt="sm">
        <ThemeToggle />
      </Group>
      <main className="custos-auth-body">
        <Stack w="100%" maw={440} gap="lg">
          <Group gap="xs" justify="center">
            <IconShield size={28} />
            <Text fw={800} fz={24}>
              Custos
            </Text>
          </Group>
          <Paper withBorder shadow="sm" p="xl" radius="md">
            <Stack gap="md">
              <div>
                <Title order={1} fz={22}>
                  {title}
                </Title>
                <Text size="sm" c="dimmed" mt={4}>
                  {subtitle}
                </Text>
              </div>
              {children}
            </Stack>
          </Paper>
          <Group justify="center">
            <VersionLine />
          </Group>
        </Stack>
      </main>
    </Box>
  );
}
