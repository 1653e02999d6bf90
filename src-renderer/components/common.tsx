import { useEffect, useRef, useState, type ReactNode } from 'react';
import { ActionIcon, Alert, Badge, Box, Button, Notification, Text, Title, Tooltip, type TitleOrder } from '@mantine/core';
import type { KeyState } from '../../src-shared/keys';
import { stateColor, stateLabel } from '../lib/format';
import { useApp } from '../state/store';
import { IconAlert, IconCheck, IconCopy } from './icons';

export const BROWSER_MODE_TEXT =
  'Browser mode: the Electron runtime is not available, so this console is served by the local browser host (127.0.0.1 only).';

/** Shown on every screen while the console runs through the browser host. */
export function BrowserModeBanner() {
  const host = useApp((s) => s.host);
  if (host !== 'browser') return null;
  return (
    <Box className="custos-banner" role="note" data-testid="browser-mode-banner" title={BROWSER_MODE_TEXT}>
      <IconAlert size={16} style={{ flexShrink: 0 }} />
      <Text size="sm" component="span" truncate="end">
        {BROWSER_MODE_TEXT}
      </Text>
    </Box>
  );
}

export function StateBadge({ state, testId }: { state: KeyState; testId?: string }) {
  return (
    <Badge color={stateColor(state)} variant="light" data-testid={testId} className="custos-badge">
      {stateLabel(state)}
    </Badge>
  );
}

/** A page heading that takes focus when the page opens, so screen readers announce the new view. */
export function PageTitle({ children, order = 2, focus = true }: { children: ReactNode; order?: TitleOrder; focus?: boolean }) {
  const ref = useRef<HTMLHeadingElement>(null);
  useEffect(() => {
    if (focus) ref.current?.focus({ preventScroll: true });
  }, [focus]);
  return (
    <Title order={order} ref={ref} tabIndex={-1} className="custos-page-title">
      {children}
    </Title>
  );
}

export function ErrorAlert({ title, message, onClose }: { title: string; message: string; onClose?: () => void }) {
  return (
    <Alert
      color="red"
      variant="light"
      title={title}
      icon={<IconAlert />}
      role="alert"
      withCloseButton={!!onClose}
      onClose={onClose}
      closeButtonLabel="Dismiss"
      data-testid="error-alert"
    >
      {message}
    </Alert>
  );
}

async function writeClipboard(text: string): Promise<void> {
  await navigator.clipboard.writeText(text);
}

/** Copies a value; says so when the host does not allow the clipboard. */
export function CopyAction({ value, label, compact = false }: { value: string; label: string; compact?: boolean }) {
  const [copied, setCopied] = useState(false);
  const notify = useApp((s) => s.notify);
  useEffect(() => {
    if (!copied) return;
    const t = setTimeout(() => setCopied(false), 1500);
    return () => clearTimeout(t);
  }, [copied]);
  const copy = () => {
    writeClipboard(value).then(
      () => setCopied(true),
      () =>
        notify({
          color: 'yellow',
          title: 'Clipboard not available',
          message: 'This host does not allow the clipboard. Select the text and press Ctrl+C.',
        }),
    );
  };
  if (compact) {
    return (
      <Tooltip label={copied ? 'Copied' : label} withArrow>
        <ActionIcon variant="subtle" color={copied ? 'teal' : 'gray'} onClick={copy} aria-label={label}>
          {copied ? <IconCheck size={16} /> : <IconCopy size={16} />}
        </ActionIcon>
      </Tooltip>
    );
  }
  return (
    <Button
      size="xs"
      variant="light"
      color={copied ? 'teal' : undefined}
      leftSection={copied ? <IconCheck size={14} /> : <IconCopy size={14} />}
      onClick={copy}
    >
      {copied ? 'Copied' : label}
    </Button>
  );
}

/** The one transient message (success of an action, clipboard trouble…), top right. */
export function NoticeArea() {
  const notice = useApp((s) => s.notice);
  const dismiss = useApp((s) => s.dismissNotice);
  useEffect(() => {
    if (!notice) return;
    const t = setTimeout(() => dismiss(notice.id), 6000);
    return () => clearTimeout(t);
  }, [notice, dismiss]);
  return (
    <Box className="custos-notice-area" aria-live="polite">
      {notice && (
        <Notification
          key={notice.id}
          color={notice.color}
          title={notice.title}
          role={notice.color === 'red' ? 'alert' : 'status'}
          onClose={() => dismiss(notice.id)}
          closeButtonProps={{ 'aria-label': 'Dismiss notification' }}
          withBorder
          data-testid="notice"
        >
          {notice.message}
        </Notification>
      )}
    </Box>
  );
}

export function VersionLine() {
  const info = useApp((s) => s.info);
  const host = useApp((s) => s.host);
  if (!info) return null;
  return (
    <Text size="xs" c="dimmed" data-testid="app-version">
      {info.name} {info.version} · {host === 'browser' ? 'browser host' : 'Electron'}
    </Text>
  );
}
