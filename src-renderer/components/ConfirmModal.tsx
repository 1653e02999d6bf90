import type { ReactNode } from 'react';
import { Button, Group, Modal, Stack } from '@mantine/core';
import { ErrorAlert, type Failure } from './common';

/**
 * "Are you sure?" before a destructive or dual-controlled act. The confirm button does not take
 * focus first: Enter on an opened dialog must not disable a person by accident.
 */
export function ConfirmModal({
  opened,
  onClose,
  title,
  children,
  confirmLabel,
  color = 'red',
  busy,
  failure,
  onConfirm,
}: {
  opened: boolean;
  onClose: () => void;
  title: string;
  children: ReactNode;
  confirmLabel: string;
  color?: string;
  busy: boolean;
  failure: Failure | null;
  onConfirm: () => void;
}) {
  return (
    <Modal opened={opened} onClose={busy ? () => undefined : onClose} title={title} centered closeButtonProps={{ 'aria-label': 'Close' }}>
      <Stack gap="md">
        {children}
        {failure && <ErrorAlert title={failure.title} message={failure.message} code={failure.code} />}
        <Group justify="flex-end">
          <Button variant="default" onClick={onClose} disabled={busy} data-autofocus>
            Cancel
          </Button>
          <Button color={color} onClick={onConfirm} loading={busy}>
            {confirmLabel}
          </Button>
        </Group>
      </Stack>
    </Modal>
  );
}
