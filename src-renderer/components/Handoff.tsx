import { useEffect, useRef, type ReactNode } from 'react';
import { Button, Group, Stack, Text, ThemeIcon, Title } from '@mantine/core';
import { IconHand } from './icons';

/**
 * The screen between two people at one keyboard: nothing the previous person typed is on it, and
 * the next person confirms they are there before their form appears.
 */
export function HandoffScreen({
  title,
  children,
  continueLabel,
  onContinue,
  onCancel,
  cancelLabel = 'Cancel',
}: {
  title: string;
  children?: ReactNode;
  continueLabel: string;
  onContinue: () => void;
  onCancel: () => void;
  cancelLabel?: string;
}) {
  const ref = useRef<HTMLButtonElement>(null);
  useEffect(() => {
    ref.current?.focus();
  }, [title]);
  return (
    <Stack gap="md" align="center" ta="center" py="lg" data-testid="handoff-screen" role="region" aria-label={title}>
      <ThemeIcon size={56} radius="xl" variant="light">
        <IconHand size={30} />
      </ThemeIcon>
      <Title order={2} fz="xl" data-testid="handoff-title">
        {title}
      </Title>
      {children && (
        <Text size="sm" c="dimmed" maw={420}>
          {children}
        </Text>
      )}
      <Group justify="center">
        <Button variant="subtle" color="gray" onClick={onCancel}>
          {cancelLabel}
        </Button>
        <Button ref={ref} onClick={onContinue}>
          {continueLabel}
        </Button>
      </Group>
    </Stack>
  );
}

/** Where a multi-person flow is: one chip per step, the current one filled. */
export function StepChips({ steps, current }: { steps: string[]; current: number }) {
  return (
    <Group gap={6} aria-label={`Step ${current + 1} of ${steps.length}`} role="group" data-testid="step-chips">
      {steps.map((label, i) => (
        <Text
          key={`${i}-${label}`}
          size="xs"
          fw={i === current ? 700 : 500}
          px={8}
          py={2}
          className={i === current ? 'custos-chip custos-chip-current' : i < current ? 'custos-chip custos-chip-done' : 'custos-chip'}
          aria-current={i === current ? 'step' : undefined}
        >
          {i + 1}. {label}
        </Text>
      ))}
    </Group>
  );
}
