import { useEffect, useRef, useState, type ReactNode } from 'react';
import {
  ActionIcon,
  Alert,
  Anchor,
  Badge,
  Box,
  Button,
  Code,
  Group,
  Loader,
  Notification,
  Text,
  Title,
  Tooltip,
  type ButtonProps,
  type TitleOrder,
} from '@mantine/core';
import type { KeyState } from '../../src-shared/keys';
import { ApiError, errorMessage } from '../api/client';
import { stateColor, stateLabel } from '../lib/format';
import { useApp } from '../state/store';
import { IconAlert, IconCheck, IconChevron, IconCopy, IconEye } from './icons';

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

/** A failed call as the console shows it: what failed, the core's message verbatim, and its code. */
export interface Failure {
  title: string;
  message: string;
  code?: string;
}

export function failureOf(title: string, err: unknown): Failure {
  return { title, message: errorMessage(err), ...(err instanceof ApiError ? { code: err.code } : {}) };
}

export function ErrorAlert({ title, message, code, onClose }: { title: string; message: string; code?: string; onClose?: () => void }) {
  return (
    <Alert
      color="red"
      variant="light"
      title={
        code ? (
          <Group gap="xs" component="span" wrap="wrap">
            <span>{title}</span>
            <Code fz="xs" data-testid="error-code">
              {code}
            </Code>
          </Group>
        ) : (
          title
        )
      }
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
  const navigate = useApp((s) => s.navigate);
  useEffect(() => {
    if (!notice) return;
    // A notice with a link stays longer: the person may want to follow it.
    const t = setTimeout(() => dismiss(notice.id), notice.action ? 15_000 : 6000);
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
          {notice.action && (
            <>
              {' '}
              <Anchor
                component="button"
                type="button"
                fz="inherit"
                onClick={() => {
                  navigate(notice.action!.view);
                  dismiss(notice.id);
                }}
              >
                {notice.action.label}
              </Anchor>
            </>
          )}
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

/**
 * A button for an act the signed-in role may not take: disabled, with the reason in a tooltip
 * (the wrapper keeps the tooltip reachable by mouse; the page also shows a note for keyboards).
 */
export function DeniedButton({ reason, children, ...rest }: { reason: string; children: ReactNode } & Omit<ButtonProps, 'disabled'>) {
  return (
    <Tooltip label={reason} withArrow multiline maw={280}>
      <span style={{ display: 'inline-block' }} data-testid="denied-action">
        <Button {...rest} disabled>
          {children}
        </Button>
      </span>
    </Tooltip>
  );
}

/** A short note at the top of a page the signed-in role can read but not change. */
export function ReadOnlyNote({ reason }: { reason: string | null }) {
  if (!reason) return null;
  return (
    <Alert color="gray" variant="light" icon={<IconEye />} role="note" data-testid="read-only-note">
      <Text size="sm">{reason}</Text>
    </Alert>
  );
}

/** Loading text for slow work (Argon2id takes about half a second per passphrase). */
export function BusyLine({ children, testId }: { children: ReactNode; testId?: string }) {
  return (
    <Group gap="xs" role="status" data-testid={testId} wrap="nowrap">
      <Loader size="xs" />
      <Text size="sm" c="dimmed">
        {children}
      </Text>
    </Group>
  );
}

/** "2 changes wait for approval" with a link, on pages whose changes may be waiting. */
export function PendingHint() {
  const pending = useApp((s) => s.pendingApprovals);
  const navigate = useApp((s) => s.navigate);
  if (!pending) return null;
  return (
    <Alert color="yellow" variant="light" data-testid="pending-hint" py="xs">
      <Group gap="xs">
        <Text size="sm">
          {pending === 1 ? '1 change waits' : `${pending} changes wait`} for another person&apos;s approval.
        </Text>
        <Anchor component="button" type="button" size="sm" onClick={() => navigate({ name: 'approvals' })}>
          Open Approvals
        </Anchor>
      </Group>
    </Alert>
  );
}

/** The chevron of an expandable table row; it toggles the row without also firing the row's own click. */
export function RowToggle({ open, label, onToggle }: { open: boolean; label: string; onToggle: () => void }) {
  return (
    <ActionIcon
      variant="subtle"
      color="gray"
      size="sm"
      aria-label={label}
      aria-expanded={open}
      onClick={(e) => {
        e.stopPropagation();
        onToggle();
      }}
    >
      <IconChevron open={open} size={16} />
    </ActionIcon>
  );
}
