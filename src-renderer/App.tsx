import { useEffect } from 'react';
import { Alert, Box, Button, Center, Loader, Stack, Text } from '@mantine/core';
import { BrowserModeBanner, NoticeArea } from './components/common';
import { phaseFor } from './lib/format';
import { boot } from './state/actions';
import { useApp } from './state/store';
import { FirstRun } from './screens/FirstRun';
import { Shell } from './screens/Shell';
import { SignIn, Unlock } from './screens/Unlock';

function BootScreen() {
  const state = useApp((s) => s.boot);
  return (
    <Box mih="100vh">
      <BrowserModeBanner />
      <Center mih="80vh" p="md">
        {state.state === 'failed' ? (
          <Stack maw={520}>
            <Alert color="red" title="Cannot reach the Custos core" role="alert">
              <Text size="sm">{state.message}</Text>
            </Alert>
            <Button onClick={() => void boot()} variant="default">
              Try again
            </Button>
          </Stack>
        ) : (
          <Stack align="center" gap="xs" role="status">
            <Loader />
            <Text c="dimmed" size="sm">
              Connecting to the Custos core…
            </Text>
          </Stack>
        )}
      </Center>
    </Box>
  );
}

export function App() {
  const bootState = useApp((s) => s.boot.state);
  const status = useApp((s) => s.status);

  useEffect(() => {
    void boot();
  }, []);

  let screen;
  if (bootState !== 'ready' || !status) screen = <BootScreen />;
  else {
    const phase = phaseFor(status);
    screen =
      phase === 'first-run' ? <FirstRun /> : phase === 'locked' ? <Unlock /> : phase === 'login' ? <SignIn /> : <Shell />;
  }
  return (
    <>
      {screen}
      <NoticeArea />
    </>
  );
}
