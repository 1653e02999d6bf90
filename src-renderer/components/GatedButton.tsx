import { useId, type MouseEvent, type ReactNode } from 'react';
import { Button, Tooltip, VisuallyHidden, type ButtonProps } from '@mantine/core';

/**
 * A button that may be unavailable for a reason (the key's state, its usage, the role). Unavailable,
 * it stays focusable (aria-disabled, not disabled) so a keyboard user reaches it and hears why: the
 * reason is its accessible description and shows in a tooltip on hover and on focus.
 */
export function GatedButton({
  reason,
  onClick,
  children,
  testId,
  type = 'button',
  ...rest
}: {
  reason: string | null;
  onClick: () => void;
  children: ReactNode;
  testId?: string;
  type?: 'button' | 'submit';
} & Omit<ButtonProps, 'disabled'>) {
  const id = useId();
  if (!reason) {
    return (
      <Button {...rest} type={type} onClick={onClick} data-testid={testId}>
        {children}
      </Button>
    );
  }
  // A blocked submit button still lets its form's submit handler run, which says why (Enter in a
  // field submits through it too); any other blocked button does nothing.
  const swallow = (e: MouseEvent) => {
    if (type !== 'submit') e.preventDefault();
  };
  // The description sits beside the button (inside it, it would become part of its name);
  // visually hidden elements are positioned absolutely, so a Group's gap is not affected.
  return (
    <>
      <Tooltip label={reason} withArrow multiline maw={300} events={{ hover: true, focus: true, touch: true }}>
        <Button {...rest} type={type} data-disabled aria-disabled="true" aria-describedby={id} onClick={swallow} data-testid={testId} data-reason={reason}>
          {children}
        </Button>
      </Tooltip>
      <VisuallyHidden id={id}>{reason}</VisuallyHidden>
    </>
  );
}
